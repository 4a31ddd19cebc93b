"""Cold-start import benchmark: ``import app`` (the whole API Lambda) against ``import boto3``
(what any Python Lambda that touches AWS pays anyway). Target: the ratio stays ≤ 1.5.

``import app`` runs from a copy of the app as the API package ships it: ``chalicelib`` with its
bytecode (infra/api.py ``api_source``; Lambda's code directory is read-only, so modules shipped
without it are compiled at every cold start). The dependencies' bytecode is pip's, as in the
package. The figure from the bare sources, compiled at each start, is reported beside it
(``app_from_source_ms``; this machine sets PYTHONDONTWRITEBYTECODE, so the checkout never
keeps bytecode).

Each figure is the median of N fresh interpreters. The two statements are measured in
alternation (app, boto3, app, boto3…) so that load from other processes on the machine falls
on both sides alike: the ratio is the figure to read, the milliseconds depend on the machine.
Writes bench/results/import.json and prints it.

    make bench-import                    # 15 runs each
    BENCH_IMPORT_RUNS=31 make bench-import
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.bytecode import compile_app

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "import.json"
TARGET_RATIO_MAX = 1.5


def _import_seconds_once(statement: str, directory: Path = ROOT) -> float:
    """Wall time of ``statement`` in a fresh interpreter (a cold start's import)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    output = subprocess.run(  # noqa: S603 - our own interpreter and a fixed statement
        [sys.executable, "-c", code], cwd=directory, capture_output=True, text=True, check=True
    )
    return float(output.stdout.strip())


def _packaged_copy(directory: Path) -> Path:
    """app.py and chalicelib/ as the API package holds them (infra/bytecode.py)."""
    shutil.copy2(ROOT / "app.py", directory / "app.py")
    shutil.copytree(
        ROOT / "chalicelib",
        directory / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    compile_app(directory)
    return directory


def measure(runs: int) -> dict[str, Any]:
    app_times: list[float] = []
    source_times: list[float] = []
    boto3_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="repere-package-") as scratch:
        packaged = _packaged_copy(Path(scratch))
        for _ in range(runs):
            app_times.append(_import_seconds_once("import app", packaged))
            boto3_times.append(_import_seconds_once("import boto3"))
            source_times.append(_import_seconds_once("import app"))
    app_ms = statistics.median(app_times) * 1000
    boto3_ms = statistics.median(boto3_times) * 1000
    return {
        "app_ms": round(app_ms, 1),
        "boto3_ms": round(boto3_ms, 1),
        "ratio": round(app_ms / boto3_ms, 2),
        "app_from_source_ms": round(statistics.median(source_times) * 1000, 1),
        "target_ratio_max": TARGET_RATIO_MAX,
        "runs": runs,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    figures = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "import": measure(int(os.environ.get("BENCH_IMPORT_RUNS", "15"))),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
