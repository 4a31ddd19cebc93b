"""The export store contract, run against the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb.export_repository import DynamoExportRepository
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, VersionConflict
from chalicelib.domain.exports.models import (
    ClosedPlaces,
    ExportFormat,
    ExportRecord,
    ExportSpec,
    ExportStatus,
    Territory,
)
from chalicelib.domain.exports.ports import ExportRepository
from tests.export_fakes import InMemoryExportRepository

REQUESTED = datetime(2024, 3, 14, 9, 0, tzinfo=UTC)
DAY = date(2024, 3, 14)


@pytest.fixture(params=["memory", "dynamodb"])
def repository(request: pytest.FixtureRequest) -> ExportRepository:
    if request.param == "memory":
        return InMemoryExportRepository()
    request.getfixturevalue("dynamodb_tables")
    return DynamoExportRepository()


def _record(
    export_id: str = "exp-0001-aaaa",
    *,
    department: str = "75",
    export_format: ExportFormat = ExportFormat.CSV,
) -> ExportRecord:
    return ExportRecord(
        id=export_id,
        spec=ExportSpec(
            territory=Territory(department=department),
            categories=["food"],
            format=export_format,
            data_date=date(2024, 3, 14),
            title="Alimentation",
            sections=[],
            closed=ClosedPlaces.MARK,
        ),
        requested_at=REQUESTED,
    )


def _ready(record: ExportRecord, minutes: int = 0) -> ExportRecord:
    return record.model_copy(
        update={
            "status": ExportStatus.READY,
            "generated_at": REQUESTED + timedelta(minutes=minutes),
            "object_key": f"exports/{record.id}",
            "size_bytes": 10,
            "entry_count": 1,
            "version": record.version + 1,
        }
    )


def _add_ready(repository: ExportRepository, record: ExportRecord, minutes: int = 0) -> None:
    repository.add(record)
    repository.save(_ready(record, minutes), expected_version=record.version)


def test_a_job_reads_back_as_stored(repository: ExportRepository) -> None:
    record = _record()
    repository.add(record)
    assert repository.get(record.id) == record


def test_an_id_is_taken_once(repository: ExportRepository) -> None:
    repository.add(_record())
    with pytest.raises(Conflict):
        repository.add(_record())


def test_an_unknown_job_is_not_found(repository: ExportRepository) -> None:
    with pytest.raises(NotFound):
        repository.get("exp-missing-0000")


def test_save_is_conditional_on_the_version_read(repository: ExportRepository) -> None:
    record = _record()
    repository.add(record)
    repository.save(_ready(record), expected_version=1)
    with pytest.raises(VersionConflict) as raised:
        repository.save(_ready(record), expected_version=1)
    assert raised.value.current_version == 2
    with pytest.raises(NotFound):
        repository.save(_ready(_record("exp-missing-0000")), expected_version=1)


def test_downloads_are_counted_on_ready_exports_only(repository: ExportRepository) -> None:
    record = _record()
    repository.add(record)
    with pytest.raises(Conflict):
        repository.count_download(record.id, DAY)
    repository.save(_ready(record), expected_version=1)
    assert repository.count_download(record.id, DAY).download_count == 1
    assert repository.count_download(record.id, DAY).download_count == 2
    with pytest.raises(NotFound):
        repository.count_download("exp-missing-0000", DAY)


def test_saving_a_job_keeps_its_download_count(repository: ExportRepository) -> None:
    record = _record()
    _add_ready(repository, record)
    repository.count_download(record.id, DAY)
    current = repository.get(record.id)
    repository.save(current.model_copy(update={"version": 3}), expected_version=2)
    assert repository.get(record.id).download_count == 1


def test_listing_shows_ready_exports_newest_first_filtered(
    repository: ExportRepository,
) -> None:
    repository.add(_record("exp-pending-0000"))
    _add_ready(repository, _record("exp-a-00000000"), minutes=1)
    _add_ready(repository, _record("exp-b-00000000", department="93"), minutes=2)
    _add_ready(repository, _record("exp-c-00000000", export_format=ExportFormat.GEOJSON), minutes=3)

    def ids(**query: object) -> list[str]:
        page = repository.list_ready(
            department=query.get("department"),  # type: ignore[arg-type]
            export_format=query.get("export_format"),  # type: ignore[arg-type]
            limit=10,
            cursor=None,
        )
        return [record.id for record in page.records]

    assert ids() == ["exp-c-00000000", "exp-b-00000000", "exp-a-00000000"]
    assert ids(department="75") == ["exp-c-00000000", "exp-a-00000000"]
    assert ids(export_format=ExportFormat.CSV) == ["exp-b-00000000", "exp-a-00000000"]
    assert ids(department="75", export_format=ExportFormat.CSV) == ["exp-a-00000000"]


def test_listing_pages_with_a_cursor(repository: ExportRepository) -> None:
    for minute in range(5):
        _add_ready(repository, _record(f"exp-{minute}-00000000"), minutes=minute)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = repository.list_ready(department=None, export_format=None, limit=2, cursor=cursor)
        seen += [record.id for record in page.records]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"exp-{minute}-00000000" for minute in reversed(range(5))]


@pytest.mark.parametrize("cursor", ["!!!", "e30", "eyJhIjogMX0"])
def test_a_malformed_cursor_is_invalid_input(repository: ExportRepository, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        repository.list_ready(department=None, export_format=None, limit=2, cursor=cursor)
