"""``make infra-check``: synthesise every stage offline, with cdk-nag, then cfn-lint.

    python -m infra.check [--out DIR] [--no-lint] [--if-stale]

1. Synthesis with bundling skipped (``repere:bundle=false``: no Docker, no pip, no AWS
   account) and the AwsSolutions pack of cdk-nag. Any finding fails the check, warnings
   included, and so does any finding of CDK's own template validation; acknowledged findings
   carry their reason into the template (``Metadata.cdk_nag``).
2. cfn-lint on every template (it applies the SAM transform of the API first).
3. The assembly is left in DIR (default ``.local/infra/cdk.out``) with ``fingerprint.json``,
   the digest of every input of the synthesis. With ``--if-stale`` an assembly made from the
   same inputs is reused (and only linted if it was not yet): ``make test`` synthesises once,
   and tests/infra read the same assembly.

Prints one JSON line of timings. Exit status 1 on any finding.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / ".local" / "infra" / "cdk.out"
FINGERPRINT = "fingerprint.json"
REPORT = "validation-report.json"
INPUTS = ("app.py", ".chalice/config.json", "chalicelib", "functions", "templates", "infra")
INPUT_PATTERNS = ("requirements*.txt",)
VERSIONED = ("aws-cdk-lib", "cdk-nag", "constructs", "chalice", "pynamodb")
REGION = "eu-west-3"
CFN_LINT_IGNORED = {
    "W3005": "CDK's Function adds DependsOn on its role and policy although Role is a GetAtt: "
    "redundant, harmless, and not ours to change",
}


def _say(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def inputs_digest(root: Path = ROOT) -> str:
    """Digest of the files and library versions a synthesis depends on."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in INPUTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(
                file
                for file in path.rglob("*")
                if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
            )
    for pattern in INPUT_PATTERNS:
        files.extend(root.glob(pattern))
    for file in sorted(set(files)):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    for package in VERSIONED:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """One synthesis at a time per output directory (pytest-xdist workers, a concurrent
    ``make infra-check``): the others wait, then reuse its assembly."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / f"{out.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def violations(report: dict[str, Any]) -> list[str]:
    """Every finding of a CDK validation report, whatever its severity."""
    found = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            paths = ", ".join(
                construct.get("constructPath", "?")
                for construct in violation.get("violatingConstructs", [])
            )
            found.append(
                f"{plugin.get('pluginName')}: {violation.get('ruleName')} "
                f"({violation.get('severity')}) {violation.get('description', '')} at {paths}"
            )
    return found


def synthesise(out: Path) -> list[str]:
    """Synthesise into ``out`` (replaced); returns the findings (empty: clean)."""
    from infra.app import synth

    staging = Path(tempfile.mkdtemp(prefix="cdk.out-", dir=out.parent))
    failure: Exception | None = None
    try:
        synth(outdir=str(staging), context={"repere:bundle": "false"})
    except Exception as error:  # cdk-nag failures surface as a jsii error
        failure = error
    report_file = staging / REPORT
    found = violations(json.loads(report_file.read_text())) if report_file.is_file() else []
    if failure is not None and not found:
        shutil.rmtree(staging, ignore_errors=True)
        raise failure
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return found


def templates(out: Path) -> list[Path]:
    return sorted(out.glob("*.template.json"))


def cfn_lint(out: Path) -> int:
    executable = Path(sys.executable).with_name("cfn-lint")  # the virtualenv's script
    command = [str(executable), "--regions", REGION, "--ignore-checks", *CFN_LINT_IGNORED]
    command += ["--", *map(str, templates(out))]
    return subprocess.run(command, check=False).returncode  # noqa: S603 - fixed command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="reuse the assembly in --out when its inputs are unchanged (and it was linted, "
        "unless --no-lint)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    timings: dict[str, Any] = {}
    with locked(out):
        digest = inputs_digest()
        recorded = _recorded(out)
        current = args.if_stale and recorded.get("inputs") == digest
        if not current:
            started = time.perf_counter()
            found = synthesise(out)
            timings["synth_seconds"] = round(time.perf_counter() - started, 1)
            if found:
                _say("cdk-nag / CDK validation findings (acknowledge with a reason, or fix):")
                _say("\n".join(f"  {line}" for line in found))
                return 1
            recorded = {"inputs": digest, "linted": False}
        else:
            timings["reused"] = True
        if not args.no_lint and not recorded.get("linted"):
            started = time.perf_counter()
            status = cfn_lint(out)
            timings["cfn_lint_seconds"] = round(time.perf_counter() - started, 1)
            if status != 0:
                _say(f"cfn-lint found problems (exit status {status})")
                return 1
            recorded["linted"] = True
        (out / FINGERPRINT).write_text(json.dumps(recorded), encoding="utf-8")
    timings["templates"] = {
        template.name: len(json.loads(template.read_text())["Resources"])
        for template in templates(out)
    }
    _say(json.dumps({"infra_check": timings}))
    return 0


def _recorded(out: Path) -> dict[str, Any]:
    fingerprint = out / FINGERPRINT
    if not fingerprint.is_file():
        return {}
    recorded: dict[str, Any] = json.loads(fingerprint.read_text(encoding="utf-8"))
    return recorded


if __name__ == "__main__":
    sys.exit(main())
