"""Exports benchmark: the 2020 reference leaflet to PDF, a 1,000-entry leaflet to PDF, and CSV
and XLSX of 100,000 synthetic places.

Each case runs in its own Python process so that its peak memory (ru_maxrss, the resident set
high-water mark, which is what Lambda's memory setting must cover) is its own. Times are wall
clock (``seconds``) and the process's CPU time (``cpu_seconds``: the machine is shared, and
CPU time is what another process running beside us does not inflate), selection + content +
rendering (not the store's reads).

Prints one JSON document and writes it to bench/results/exports.json. Given case names, runs
only those and keeps the other cases' previous results.

    make bench-exports
    BENCH_TABLE_PLACES=20000 make bench-exports    # quicker
    .venv/bin/python -m bench.exports_bench leaflet_30_pdf leaflet_1000_pdf
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "exports.json"
NOW = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
BASE_URL = "https://repere.example.org"
CASES = (
    "leaflet_30_pdf",
    "leaflet_1000_pdf",
    "leaflet_1000_pdf_a5",
    "csv_100k",
    "xlsx_100k",
    "hsds_france_streamed",
    "hsds_france_in_memory",
)


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _render(places: list[Any], spec: Any) -> tuple[bytes, int]:
    from chalicelib.domain.exports.content import build_content
    from chalicelib.domain.exports.selection import select_places, wanted_categories
    from chalicelib.domain.exports.service import entry_count
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from functions.exports.render import FileRenderer

    taxonomy = default_taxonomy()
    selected = select_places(
        places,
        territory=spec.territory,
        wanted=wanted_categories(taxonomy, spec.categories),
        day=spec.data_date,
        closed=spec.closed,
    )
    content = build_content(selected, spec, taxonomy, BASE_URL)
    body = FileRenderer().render(content, paper=spec.paper)
    return body, entry_count(content, selected)


def _spec(export_format: Any, department: str, categories: list[str]) -> Any:
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.exports.models import ExportRequest, Territory
    from chalicelib.domain.exports.service import ExportService
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from tests.export_fakes import (
        InMemoryExportFiles,
        InMemoryExportQueue,
        InMemoryExportRepository,
    )

    service = ExportService(
        InMemoryExportRepository(),
        InMemoryExportQueue(),
        InMemoryExportFiles(),
        default_taxonomy(),
        FixedClock(NOW),
        timezone="Europe/Paris",
        download_ttl_seconds=300,
    )
    request = ExportRequest(
        territory=Territory(department=department),
        categories=categories,
        format=export_format,
        title="Tous les services",
    )
    return service.resolve(request, date(2024, 3, 14))


def _department_places(code: str, count: int) -> list[Any]:
    """The bench's places of one department: ``count`` spread evenly over the generator's
    departments, ids unique across them (one seed per department)."""
    from devtools.data.departments import DEPARTMENTS
    from devtools.demo_data import synthetic_places

    codes = [department.code for department in DEPARTMENTS]
    if code not in codes:
        return []
    share = count // len(codes)
    return list(synthetic_places(share, seed=1000 + codes.index(code), now=NOW, departments=[code]))


class _LazyFrance:
    """A ``CandidateSource`` that makes a department's places when asked, so that a streamed
    national file never has France in memory (as the worker reads one department at a time)."""

    def __init__(self, count: int) -> None:
        self._count = count

    def in_territory(self, kind: Any, code: str) -> Any:
        from chalicelib.domain.search.ports import Candidates

        places = _department_places(code, self._count)
        return Candidates(places=places, items_read=len(places), queries=1)

    def near(self, center: Any, radius_m: float) -> Any:
        raise NotImplementedError


class _UploadedFiles:
    """``ExportFiles`` that reads an upload in parts, as boto3's multipart transfer does, and
    keeps only its size (the in-memory fake would hold the whole file)."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def put(self, key: str, body: bytes, **_: Any) -> None:
        self.sizes[key] = len(body)

    def put_stream(self, key: str, body: Any, **_: Any) -> None:
        size = 0
        while part := body.read(8 * 1024 * 1024):
            size += len(part)
        self.sizes[key] = size

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        return key


def _national(streamed: bool) -> dict[str, Any]:
    """HSDS of France: the worker's national path (department by department, spooled) or the
    whole document built in memory as a department export would be."""
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.exports.models import ExportFormat, ExportRequest, Territory
    from chalicelib.domain.exports.service import ExportRunner, ExportService
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from chalicelib.domain.territories import DEPARTMENT_CODES
    from functions.exports.render import FileRenderer
    from tests.export_fakes import InMemoryExportQueue, InMemoryExportRepository

    count = int(os.environ.get("BENCH_TABLE_PLACES", "100000"))
    taxonomy = default_taxonomy()
    repository, files = InMemoryExportRepository(), _UploadedFiles()
    service = ExportService(
        repository,
        InMemoryExportQueue(),
        files,
        taxonomy,
        FixedClock(NOW),
        timezone="Europe/Paris",
        download_ttl_seconds=300,
    )
    roots = ["food", "hygiene", "welcome", "health", "counselling"]
    request = ExportRequest(
        territory=Territory(france=True), categories=roots, format=ExportFormat.HSDS
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    if streamed:
        runner = ExportRunner(
            repository,
            _LazyFrance(count),
            files=files,
            renderer=FileRenderer(),
            taxonomy=taxonomy,
            clock=FixedClock(NOW),
            base_url=BASE_URL,
        )
        record = runner.run(service.request_export(request).id)
        assert record.object_key is not None  # noqa: S101 - a bench's own check
        size, entries = files.sizes[record.object_key], record.entry_count or 0
    else:
        spec = service.resolve(request, date(2024, 3, 14))
        places = [p for code in DEPARTMENT_CODES for p in _department_places(code, count)]
        body, entries = _render(places, spec)
        size = len(body)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "case": "hsds_france_streamed" if streamed else "hsds_france_in_memory",
        "places": count,
        "entries": entries,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "bytes": size,
        "peak_rss_mb": _peak_mb(),
    }


def run_case(case: str) -> dict[str, Any]:
    from chalicelib.domain.exports.models import ExportFormat
    from devtools.demo_data import synthetic_places

    if case.startswith("hsds_france"):
        return _national(streamed=case.endswith("streamed"))
    if case == "leaflet_30_pdf":
        from tests.unit.exports.reference import reference_places, reference_spec

        places = reference_places()
        spec = reference_spec(ExportFormat.PDF)
    elif case.startswith("leaflet_1000_pdf"):
        from chalicelib.domain.exports.models import PaperSize

        roots = ["food", "hygiene", "welcome", "health", "counselling", "accommodation"]
        spec = _spec(ExportFormat.PDF, "75", roots)
        if case.endswith("_a5"):
            spec = spec.model_copy(update={"paper": PaperSize.A5})
        # Enough Paris places that 1,000 remain once closed and offline ones are left out.
        places = list(synthetic_places(1300, seed=7, now=NOW, departments=["75"]))
    else:
        count = int(os.environ.get("BENCH_TABLE_PLACES", "100000"))
        export_format = ExportFormat.CSV if case == "csv_100k" else ExportFormat.XLSX
        spec = _spec(export_format, "75", ["food"]).model_copy(update={"categories": ["food"]})
        # Every department's places, exported as one territory: the selection is the point
        # of comparison, not the territory rule.
        places = [
            place.model_copy(
                update={"address": place.address.model_copy(update={"department_code": "75"})}
            )
            for place in synthetic_places(count, seed=3, now=NOW)
        ]
        for_categories = ["food", "hygiene", "welcome", "health", "counselling"]
        spec = spec.model_copy(update={"categories": for_categories})
    started, cpu_started = time.perf_counter(), time.process_time()
    body, entries = _render(places, spec)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result: dict[str, Any] = {
        "case": case,
        "entries": entries,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "bytes": len(body),
        "peak_rss_mb": _peak_mb(),
    }
    if spec.format is ExportFormat.PDF:
        from io import BytesIO

        from pypdf import PdfReader

        result["pages"] = len(PdfReader(BytesIO(body)).pages)
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        return
    chosen = sys.argv[1:] or list(CASES)
    unknown = sorted(set(chosen) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown cases: {', '.join(unknown)} (known: {', '.join(CASES)})")
    previous: dict[str, Any] = {}
    if RESULTS.exists() and len(chosen) < len(CASES):
        kept = json.loads(RESULTS.read_text(encoding="utf-8")).get("results", [])
        previous = {result["case"]: result for result in kept}
    fresh: dict[str, Any] = {}
    for case in chosen:
        completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "bench.exports_bench", "--case", case],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        fresh[case] = json.loads(completed.stdout.strip().splitlines()[-1])
    results = [
        fresh.get(case) or previous[case] for case in CASES if case in fresh or case in previous
    ]
    document = {
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count()},
        "targets": {
            "leaflet_1000_pdf": {"seconds": 15, "peak_rss_mb": 512},
            "leaflet_1000_pdf_a5": {"seconds": 15, "peak_rss_mb": 512},
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
