"""The API's cold start stays light (README "Benchmarks", bench/import_bench.py measures it).

Time is measured by the benchmark, never asserted here; what a test can hold without a clock is
*what* ``import app`` loads: none of the libraries that only some routes or only workers need.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOADED_ON_FIRST_USE = (
    "holidays",  # public-holiday calendars: the hours engine imports it when it needs a year
    "rapidfuzz",  # duplicate detection: intake and moderation only
    "jwt",  # local back-office tokens and signed links: verified where used
    "pygal",  # statistics charts
    "jinja2",  # mail and leaflet templates: workers only
    "weasyprint",
    "openpyxl",
    "opensearchpy",  # only when the stage searches through OpenSearch
    "aws_xray_sdk",  # the workers' tracer (functions/runtime.py): the API has none
    "aws_lambda_powertools.utilities.parameters",  # the link key ring, read at its first use
    "functions",  # workers are packaged apart from the API
    "chalicelib.domain.places.editing",  # back-office models, imported in their handlers
    "chalicelib.domain.submissions.models",
    "chalicelib.domain.selfupdate.models",
    "chalicelib.domain.batch.models",
)


def _modules_after_import_app() -> set[str]:
    code = "import json, sys; import app; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(  # noqa: S603 - our own interpreter and a fixed statement
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(output.stdout))


def test_import_app_loads_no_library_that_only_some_routes_or_workers_need() -> None:
    loaded = _modules_after_import_app()

    assert sorted(name for name in LOADED_ON_FIRST_USE if name in loaded) == []


def test_pydantic_plugin_discovery_is_off_for_every_entry_point() -> None:
    # Discovery scans every installed distribution's metadata at the first validation.
    code = "import os, chalicelib; print(os.environ['PYDANTIC_DISABLE_PLUGINS'])"
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "__all__"
