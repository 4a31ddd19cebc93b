"""France-wide files: written department by department, equal to what one document of every
place would be, and derived export sets that follow the departments with online places."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from chalicelib.adapters.s3.export_files import S3ExportFiles
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.exports.content import build_content
from chalicelib.domain.exports.models import (
    NATIONAL,
    NATIONAL_FORMATS,
    CategorySet,
    ExportFormat,
    ExportRequest,
    ExportSchedule,
    ExportSet,
    ExportStatus,
    Territory,
)
from chalicelib.domain.exports.national import NationalFile, RecordDepartments
from chalicelib.domain.exports.selection import select_places, wanted_categories
from chalicelib.domain.exports.service import ExportRunner, ExportService
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.exports.render import FileRenderer
from tests.builders import make_place
from tests.export_fakes import InMemoryExportFiles, InMemoryExportQueue, InMemoryExportRepository
from tests.fakes import InMemoryCandidateSource, InMemorySearchRecords

NOW = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
DAY = date(2024, 3, 14)
TAXONOMY = default_taxonomy()
BASE_URL = "https://repere.example.org"
ALL = ["food", "hygiene", "health"]


def _places() -> dict[str, Place]:
    places = [
        make_place("paris-1", categories=("food_distribution",), organisation="Secours"),
        make_place("paris-2", categories=("shower", "food_packages")),
        make_place(
            "bobigny-1",
            department="93",
            postal_code="93000",
            city_code="93008",
            city="Bobigny",
            lat=48.908,
            lon=2.44,
            categories=("food_distribution",),
            organisation="Secours",  # the same organisation in two departments
        ),
        make_place(
            "ajaccio-1",
            department="2A",
            postal_code="20000",
            city_code="2A004",
            city="Ajaccio",
            lat=41.92,
            lon=8.74,
            categories=("shower",),
        ),
        make_place("paris-draft", status=PlaceStatus.DRAFT),
    ]
    return {place.id: place for place in places}


class World:
    def __init__(self, places: dict[str, Place]) -> None:
        self.places = places
        self.repository = InMemoryExportRepository()
        self.queue = InMemoryExportQueue()
        self.files = InMemoryExportFiles()
        clock = FixedClock(NOW)
        self.service = ExportService(
            self.repository,
            self.queue,
            self.files,
            TAXONOMY,
            clock,
            timezone="Europe/Paris",
            download_ttl_seconds=120,
            departments=RecordDepartments(InMemorySearchRecords(places)),
        )
        self.runner = ExportRunner(
            self.repository,
            InMemoryCandidateSource(places),
            files=self.files,
            renderer=FileRenderer(),
            taxonomy=TAXONOMY,
            clock=clock,
            base_url=BASE_URL,
        )

    def render(self, territory: Territory, export_format: ExportFormat) -> bytes:
        request = ExportRequest(
            territory=territory, categories=ALL, format=export_format, data_date=DAY
        )
        record = self.runner.run(self.service.request_export(request).id)
        assert record.status is ExportStatus.READY
        assert record.object_key is not None
        stored = self.files.files[record.object_key]
        assert record.size_bytes == len(stored.body)
        return stored.body


def _whole_document(places: dict[str, Place], export_format: ExportFormat) -> dict[str, Any]:
    """What one document of every online place would hold (the in-memory builder)."""
    spec = World(places).service.resolve(
        ExportRequest(
            territory=Territory(france=True), categories=ALL, format=export_format, data_date=DAY
        ),
        DAY,
    )
    online = [place for place in places.values() if place.status is PlaceStatus.ONLINE]
    selected = select_places(
        online,
        territory=Territory(france=True),
        wanted=wanted_categories(TAXONOMY, ALL),
        day=DAY,
        closed=spec.closed,
    )
    content = build_content(selected, spec, TAXONOMY, BASE_URL)
    document: dict[str, Any] = content.document  # type: ignore[union-attr]
    return document


def _canonical(items: list[Any]) -> Counter[str]:
    return Counter(json.dumps(item, sort_keys=True) for item in items)


@pytest.mark.parametrize(
    "export_format", [ExportFormat.HSDS, ExportFormat.DATA_INCLUSION, ExportFormat.GEOJSON]
)
def test_a_national_json_file_holds_what_one_document_of_every_place_would(
    export_format: ExportFormat,
) -> None:
    places = _places()
    national = json.loads(World(places).render(Territory(france=True), export_format))
    whole = _whole_document(places, export_format)
    assert list(national) == list(whole)
    for key, value in whole.items():
        if isinstance(value, list):
            # Department order instead of one sort over France: the same items.
            assert _canonical(national[key]) == _canonical(value), key
        else:
            assert national[key] == value


def test_an_organisation_with_places_in_two_departments_is_listed_once_in_hsds() -> None:
    national = json.loads(World(_places()).render(Territory(france=True), ExportFormat.HSDS))
    ids = [organization["id"] for organization in national["organizations"]]
    assert len(ids) == len(set(ids))
    names = [organization["name"] for organization in national["organizations"]]
    assert names.count("Secours") == 1
    terms = [term["id"] for term in national["taxonomy_terms"]]
    assert len(terms) == len(set(terms))


@pytest.mark.parametrize("export_format", sorted(NATIONAL_FORMATS))
def test_a_national_file_of_one_department_is_that_department_s_file(
    export_format: ExportFormat,
) -> None:
    paris = {key: place for key, place in _places().items() if key.startswith("paris")}
    world = World(paris)
    national = world.render(Territory(france=True), export_format)
    department = world.render(Territory(department="75"), export_format)
    assert national == department


def test_the_national_csv_has_one_header_and_every_department_s_rows() -> None:
    body = World(_places()).render(Territory(france=True), ExportFormat.CSV)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "id"
    assert sorted(row[0] for row in rows[1:]) == ["ajaccio-1", "bobigny-1", "paris-1", "paris-2"]


def test_a_national_job_is_recorded_under_france_for_admins() -> None:
    world = World(_places())
    request = ExportRequest(
        territory=Territory(france=True), categories=ALL, format=ExportFormat.GEOJSON
    )
    record = world.runner.run(world.service.request_export(request).id)
    assert record.department == NATIONAL
    assert record.spec.filename.startswith("repere-france-")
    assert record.entry_count == 4
    assert record.object_key is not None
    assert world.files.files[record.object_key].metadata["territory"] == "france"


@pytest.mark.parametrize("export_format", [ExportFormat.PDF, ExportFormat.HTML, ExportFormat.XLSX])
def test_no_national_leaflet_nor_spreadsheet(export_format: ExportFormat) -> None:
    world = World(_places())
    request = ExportRequest(territory=Territory(france=True), categories=ALL, format=export_format)
    with pytest.raises(InvalidInput) as raised:
        world.service.request_export(request)
    assert raised.value.field == "format"
    assert world.queue.sent == []
    with pytest.raises(ValidationError, match="no France-wide file"):
        ExportSet(
            name="national",
            territories=[Territory(france=True)],
            category_sets=[CategorySet(categories=ALL)],
            formats=[ExportFormat.CSV, export_format],
        )


def test_the_writer_refuses_documents_that_disagree() -> None:
    national = NationalFile(ExportFormat.GEOJSON, io.BytesIO())
    with pytest.raises(ValueError, match="no national file"):
        NationalFile(ExportFormat.PDF, io.BytesIO())
    places = _places()
    world = World(places)
    spec = world.service.resolve(
        ExportRequest(
            territory=Territory(france=True), categories=ALL, format=ExportFormat.GEOJSON
        ),
        DAY,
    )
    later = spec.model_copy(update={"data_date": date(2024, 3, 15)})
    selected = select_places(
        [places["paris-1"]],
        territory=Territory(department="75"),
        wanted=wanted_categories(TAXONOMY, ALL),
        day=DAY,
        closed=spec.closed,
    )
    national.add(build_content(selected, spec, TAXONOMY, BASE_URL))
    with pytest.raises(ValueError, match="disagree on 'data_date'"):
        national.add(build_content(selected, later, TAXONOMY, BASE_URL))


def test_online_departments_are_those_with_an_online_place() -> None:
    places = _places()
    places["offline-13"] = make_place(
        "offline-13",
        department="13",
        postal_code="13001",
        city_code="13201",
        city="Marseille",
        lat=43.3,
        lon=5.37,
        status=PlaceStatus.OFFLINE,
    )
    assert RecordDepartments(InMemorySearchRecords(places)).codes() == ["2A", "75", "93"]


def test_a_derived_set_exports_every_online_department_and_france() -> None:
    world = World(_places())
    schedule = ExportSchedule(
        sets=[
            ExportSet(
                name="weekly-data",
                territories="online_departments",
                category_sets=[CategorySet(categories=ALL)],
                formats=[ExportFormat.CSV],
            ),
            ExportSet(
                name="national",
                territories=[Territory(france=True)],
                category_sets=[CategorySet(categories=ALL)],
                formats=[ExportFormat.HSDS, ExportFormat.CSV],
            ),
        ]
    )
    records = world.service.schedule(schedule, NOW)
    territories = Counter(record.spec.territory.key for record in records)
    assert territories == {"2a": 1, "75": 1, "93": 1, "france": 2}
    # Twice-delivered: nothing queued twice.
    assert [r.id for r in world.service.schedule(schedule, NOW)] == [r.id for r in records]


def test_a_derived_set_needs_to_know_the_online_departments() -> None:
    service = ExportService(
        InMemoryExportRepository(),
        InMemoryExportQueue(),
        InMemoryExportFiles(),
        TAXONOMY,
        FixedClock(NOW),
        timezone="Europe/Paris",
        download_ttl_seconds=120,
    )
    schedule = ExportSchedule(
        sets=[
            ExportSet(
                name="weekly-data",
                territories="online_departments",
                category_sets=[CategorySet(categories=ALL)],
                formats=[ExportFormat.CSV],
            )
        ]
    )
    with pytest.raises(RuntimeError, match="online departments"):
        service.schedule(schedule, NOW)


def test_s3_receives_a_large_national_file_in_parts() -> None:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-3")
        client.create_bucket(
            Bucket="exports", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        files = S3ExportFiles(client, "exports")
        body = io.BytesIO(b"x" * (9 * 1024 * 1024 + 17))  # past boto3's 8 MB multipart threshold
        files.put_stream(
            "exports/FR/file.csv",
            body,
            content_type="text/csv; charset=utf-8",
            filename="repere-france.csv",
            metadata={"department": "FR"},
        )
        stored = client.get_object(Bucket="exports", Key="exports/FR/file.csv")
        assert stored["ContentLength"] == 9 * 1024 * 1024 + 17
        assert stored["Metadata"] == {"department": "FR"}
        assert stored["ContentDisposition"] == 'attachment; filename="repere-france.csv"'
        assert stored["ServerSideEncryption"] == "AES256"
        # Parts: the ETag of a multipart upload ends with "-<number of parts>".
        assert stored["ETag"].strip('"').endswith("-2")
