"""GET /exports and GET /exports/{id}/download through the Chalice test client (fakes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.exports.models import ExportFormat, ExportRequest, Territory
from chalicelib.domain.exports.service import ExportRunner
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.exports.render import FileRenderer
from tests import composition_support as roots
from tests.builders import make_place
from tests.export_fakes import InMemoryExportFiles, InMemoryExportQueue, InMemoryExportRepository
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository, InMemorySearchRecords

NOW = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)


@dataclass
class ExportsApi:
    client: Client
    repository: InMemoryExportRepository
    runner: ExportRunner

    def ready_export(self, department: str, export_format: ExportFormat) -> str:
        request = ExportRequest(
            territory=Territory(department=department),
            categories=["food"],
            format=export_format,
        )
        record = roots.current().export_service.request_export(request)
        self.runner.run(record.id)
        return record.id


@pytest.fixture
def exports_api() -> Iterator[ExportsApi]:
    from app import app

    places = InMemoryPlaceRepository()
    places.add(make_place("p1", categories=("food_packages",)))
    candidates = InMemoryCandidateSource(places.places)
    clock = FixedClock(NOW)
    repository = InMemoryExportRepository()
    files = InMemoryExportFiles()
    roots.use(clock=clock, places=places, search_records=InMemorySearchRecords(places.places))
    roots.use(export_repository=repository, export_files=files, export_queue=InMemoryExportQueue())
    runner = ExportRunner(
        repository,
        candidates,
        files=files,
        renderer=FileRenderer(),
        taxonomy=default_taxonomy(),
        clock=clock,
        base_url="https://repere.example.org",
    )
    try:
        with Client(app) as client:
            yield ExportsApi(client, repository, runner)
    finally:
        roots.reset()


def _get(api: ExportsApi, path: str, **headers: str) -> tuple[int, dict[str, str], object]:
    response = api.client.http.get(path, headers=headers)
    body = json.loads(response.body) if response.body else None
    return response.status_code, dict(response.headers), body


def test_the_list_shows_ready_exports_with_their_metadata(exports_api: ExportsApi) -> None:
    export_id = exports_api.ready_export("75", ExportFormat.CSV)
    status, headers, body = _get(exports_api, "/exports")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"
    (item,) = body["exports"]  # type: ignore[index]
    assert item["id"] == export_id
    assert item["department"] == "75"
    assert item["format"] == "csv"
    assert item["data_date"] == "2024-03-14"
    assert item["entry_count"] == 1
    assert item["size_bytes"] > 0
    assert item["download_path"] == f"/exports/{export_id}/download"
    assert "requested_by" not in item and "error" not in item
    assert body["next_cursor"] is None  # type: ignore[index]


def test_the_list_filters_by_department_and_format(exports_api: ExportsApi) -> None:
    csv_75 = exports_api.ready_export("75", ExportFormat.CSV)
    exports_api.ready_export("75", ExportFormat.GEOJSON)
    exports_api.ready_export("93", ExportFormat.CSV)
    _, _, body = _get(exports_api, "/exports?department=75&format=csv")
    assert [item["id"] for item in body["exports"]] == [csv_75]  # type: ignore[index]


def test_the_list_answers_304_to_a_current_etag(exports_api: ExportsApi) -> None:
    exports_api.ready_export("75", ExportFormat.CSV)
    _, headers, _ = _get(exports_api, "/exports")
    status, _, _ = _get(exports_api, "/exports", **{"If-None-Match": headers["ETag"]})
    assert status == 304


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("department=7", "department"),
        ("format=docx", "format"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
        ("cursor=%21%21", "cursor"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(
    exports_api: ExportsApi, query: str, field: str
) -> None:
    status, _, body = _get(exports_api, f"/exports?{query}")
    assert status == 400
    assert body["field"] == field  # type: ignore[index]


def test_download_redirects_to_a_short_lived_link_and_counts(exports_api: ExportsApi) -> None:
    export_id = exports_api.ready_export("75", ExportFormat.CSV)
    status, headers, _ = _get(exports_api, f"/exports/{export_id}/download")
    assert status == 302
    assert headers["Location"].startswith("https://files.example.org/exports/75/")
    assert "expires=300" in headers["Location"]
    assert headers["Cache-Control"] == "no-store"
    _get(exports_api, f"/exports/{export_id}/download")
    assert exports_api.repository.get(export_id).download_count == 2


def test_download_of_an_unknown_export_is_404(exports_api: ExportsApi) -> None:
    status, _, body = _get(exports_api, "/exports/exp-00000000000/download")
    assert status == 404
    assert body["code"] == "not_found"  # type: ignore[index]


def test_download_of_an_export_not_ready_is_409(exports_api: ExportsApi) -> None:
    request = ExportRequest(
        territory=Territory(department="75"), categories=["food"], format=ExportFormat.CSV
    )
    record = roots.current().export_service.request_export(request)
    status, _, body = _get(exports_api, f"/exports/{record.id}/download")
    assert status == 409
    assert body["code"] == "export_not_ready"  # type: ignore[index]


@pytest.mark.parametrize("path", ["/exports/BAD_ID/download", "/exports/exp-00000000/download?x=1"])
def test_malformed_download_requests_are_400(exports_api: ExportsApi, path: str) -> None:
    status, _, _ = _get(exports_api, path)
    assert status == 400
