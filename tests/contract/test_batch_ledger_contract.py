"""BatchLedger contract: the in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.backoffice_models import BatchLedgerRecord
from chalicelib.adapters.dynamodb.batch_ledger import DynamoBatchLedger
from chalicelib.domain.batch.models import PlaceResult, PlannedPlace, ResultStatus
from chalicelib.domain.batch.ports import BatchLedger
from chalicelib.domain.places.history import FieldChange
from tests.backoffice_fakes import InMemoryBatchLedger, fresh_tables

AT = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> BatchLedger:
    if request.param == "memory":
        return InMemoryBatchLedger()
    request.getfixturevalue("_moto")
    fresh_tables(BatchLedgerRecord)
    return DynamoBatchLedger()


def plan(count: int) -> list[PlannedPlace]:
    return [PlannedPlace(place_id=f"p{number:03d}", version=number % 7) for number in range(count)]


def test_an_unknown_batch_loads_as_none(ledger: BatchLedger) -> None:
    assert ledger.load("nope") is None


def test_begin_records_the_plan_in_order(ledger: BatchLedger) -> None:
    state = ledger.begin("b1", fingerprint="f1", plan=plan(123), chunk_size=50, at=AT)

    loaded = ledger.load("b1")
    assert loaded is not None
    assert loaded.plan == plan(123) == state.plan
    assert (loaded.fingerprint, loaded.chunk_size, loaded.done) == ("f1", 50, {})
    assert loaded.created_at == AT
    assert loaded.completed_at is None
    assert [len(chunk) for chunk in loaded.chunks()] == [50, 50, 23]


def test_a_second_begin_keeps_the_first_plan(ledger: BatchLedger) -> None:
    ledger.begin("b1", fingerprint="f1", plan=plan(3), chunk_size=2, at=AT)

    state = ledger.begin("b1", fingerprint="f2", plan=plan(9), chunk_size=5, at=AT)

    assert (state.fingerprint, len(state.plan), state.chunk_size) == ("f1", 3, 2)
    loaded = ledger.load("b1")
    assert loaded is not None
    assert loaded.plan == plan(3)


def test_recorded_chunks_and_completion_are_loaded(ledger: BatchLedger) -> None:
    ledger.begin("b1", fingerprint="f1", plan=plan(4), chunk_size=2, at=AT)
    results = [
        PlaceResult(
            place_id="p000",
            status=ResultStatus.APPLIED,
            version=2,
            changes=[FieldChange(field="status", before="online", after="offline")],
        ),
        PlaceResult(place_id="p001", status=ResultStatus.CONFLICT, version=5, message="moved"),
    ]

    ledger.record_chunk("b1", 0, results)
    ledger.record_chunk("b1", 0, results)  # a second run records the same results again
    middle = ledger.load("b1")
    ledger.complete("b1", AT)

    assert middle is not None
    assert middle.done == {0: results}
    assert middle.completed_at is None
    done = ledger.load("b1")
    assert done is not None
    assert done.completed_at == AT
    assert done.done == {0: results}


def test_an_empty_plan_is_a_batch_too(ledger: BatchLedger) -> None:
    ledger.begin("b1", fingerprint="f1", plan=[], chunk_size=50, at=AT)

    loaded = ledger.load("b1")
    assert loaded is not None
    assert (loaded.plan, loaded.chunks()) == ([], [])
