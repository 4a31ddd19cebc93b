"""Infra benchmark: how long the offline checks of infra/ take (docs/infra.md).

Runs ``python -m infra.check`` into a fresh directory, as CI does on a fresh checkout (no
reuse): synthesis of every stage with cdk-nag, then cfn-lint. Also records the size of each
template and the CPU time, since wall time on a shared machine mostly measures the neighbours.
Prints one JSON document and writes it to bench/results/infra.json.

    make bench-infra
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "infra.json"


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="infra-bench-") as directory:
        out = Path(directory) / "cdk.out"
        cpu_before = _children_cpu_seconds()
        started = time.perf_counter()
        completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "infra.check", "--out", str(out)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
        cpu = _children_cpu_seconds() - cpu_before
        check = json.loads(completed.stdout.strip().splitlines()[-1])["infra_check"]
        sizes = {template.name: template.stat().st_size for template in out.glob("*.template.json")}
    result = {
        "benchmark": "infra_check",
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "synth_seconds": check["synth_seconds"],
        "cfn_lint_seconds": check.get("cfn_lint_seconds"),
        "resources": check["templates"],
        "template_bytes": sizes,
        "load_average": [round(value, 1) for value in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "aws_cdk_lib": metadata.version("aws-cdk-lib"),
        "cdk_nag": metadata.version("cdk-nag"),
        "cfn_lint": metadata.version("cfn-lint"),
    }
    text = json.dumps(result, indent=2)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
