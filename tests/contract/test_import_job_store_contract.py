"""ImportJobStore contract: the in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.imports import DynamoImportJobStore, ImportJobRecord
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.imports.models import ImportFormat, ImportJob, ImportStatus, ReportSummary
from chalicelib.domain.imports.ports import ImportJobStore
from tests.backoffice_fakes import fresh_tables
from tests.import_fakes import InMemoryImportJobStore

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> ImportJobStore:
    if request.param == "memory":
        return InMemoryImportJobStore()
    request.getfixturevalue("_moto")
    fresh_tables(ImportJobRecord)
    return DynamoImportJobStore()


def job(version: int = 1, status: ImportStatus = ImportStatus.AWAITING_UPLOAD) -> ImportJob:
    return ImportJob(
        id="job-1",
        format=ImportFormat.SOLIGUIDE_JSON,
        source="soliguide",
        department="93",
        status=status,
        version=version,
        created_at=AT,
        updated_at=AT,
        created_by="admin-1",
    )


def test_a_job_reads_back_as_stored(store: ImportJobStore) -> None:
    store.add(job())
    assert store.get("job-1") == job()


def test_an_id_is_taken_once(store: ImportJobStore) -> None:
    store.add(job())
    with pytest.raises(Conflict):
        store.add(job(version=5))
    assert store.get("job-1").version == 1


def test_a_save_needs_the_version_read(store: ImportJobStore) -> None:
    store.add(job())
    ready = job(version=2, status=ImportStatus.READY).model_copy(
        update={"summary": ReportSummary(records=3, new=2, rejected=1)}
    )
    store.save(ready, expected_version=1)
    assert store.get("job-1") == ready

    with pytest.raises(VersionConflict) as stale:
        store.save(job(version=2, status=ImportStatus.APPLIED), expected_version=1)
    assert stale.value.current_version == 2
    assert store.get("job-1") == ready


def test_an_unknown_job_is_not_found(store: ImportJobStore) -> None:
    with pytest.raises(NotFound):
        store.get("nope")
    with pytest.raises(NotFound):
        store.save(job(version=2), expected_version=1)
