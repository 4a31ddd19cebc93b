"""ChangeLog contract: the in-memory fake and the DynamoDB adapter number and file pending
writes alike (dense numbers per feed, each write once, each place's versions in order)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.changes import ChangeRecord, DynamoChangeLog, add_pending
from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.changes.models import NATIONAL, ChangeType, PendingChange, pending_change
from chalicelib.domain.changes.ports import ChangeLog
from chalicelib.domain.places.models import PlaceStatus
from tests.backoffice_fakes import fresh_tables
from tests.builders import make_place
from tests.change_fakes import InMemoryChangeLog

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Log:
    log: ChangeLog
    add: Callable[[PendingChange], None]


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def log(request: pytest.FixtureRequest) -> Log:
    if request.param == "memory":
        memory = InMemoryChangeLog()
        return Log(memory, memory.add_pending)
    request.getfixturevalue("_moto")
    fresh_tables(ChangeRecord)

    def add(pending: PendingChange) -> None:
        transaction = Transaction(ChangeRecord._get_connection().connection)
        add_pending(transaction, pending)
        assert transaction.commit() is None

    return Log(DynamoChangeLog(), add)


def write(place_id: str, version: int, *, minutes: int, department: str = "75") -> PendingChange:
    before = make_place(place_id, version=max(1, version - 1), department=department)
    after = make_place(
        place_id,
        version=version,
        department=department,
        updated_at=AT + timedelta(minutes=minutes),
    )
    pending = pending_change(before if version > 1 else None, after)
    assert pending is not None
    return pending


def test_pending_writes_are_numbered_densely_per_feed(log: Log) -> None:
    log.add(write("a", 1, minutes=0))
    log.add(write("b", 1, minutes=1, department="93"))
    log.add(write("c", 1, minutes=2))
    assert log.log.sequence_pending(100) == 3
    paris = log.log.read("75", 0, 10)
    assert [(c.seq, c.place_id) for c in paris] == [(1, "a"), (2, "c")]
    france = log.log.read(NATIONAL, 0, 10)
    assert [(c.seq, c.place_id) for c in france] == [(1, "a"), (2, "b"), (3, "c")]
    assert log.log.last_seq("75") == 2
    assert log.log.first_seq("75") == 1
    assert log.log.last_seq("13") == 0
    assert log.log.first_seq("13") is None
    assert [c.seq for c in log.log.read(NATIONAL, 1, 1)] == [2]
    assert log.log.sequence_pending(100) == 0  # nothing filed twice


def test_a_place_s_versions_are_filed_in_order_even_when_its_clock_went_back(log: Log) -> None:
    log.add(write("a", 3, minutes=1))
    log.add(write("a", 2, minutes=5))  # a container whose clock ran ahead wrote version 2
    log.add(write("b", 1, minutes=2))
    log.log.sequence_pending(100)
    versions = [(c.place_id, c.version) for c in log.log.read(NATIONAL, 0, 10)]
    assert versions.index(("a", 2)) < versions.index(("a", 3))


def test_a_bounded_run_files_a_prefix_of_each_place_s_versions(log: Log) -> None:
    for version in range(1, 6):
        log.add(write("a", version, minutes=version))
    assert log.log.sequence_pending(2) == 2
    assert [c.version for c in log.log.read("75", 0, 10)] == [1, 2]
    assert log.log.sequence_pending(100) == 3
    assert [c.version for c in log.log.read("75", 0, 10)] == [1, 2, 3, 4, 5]


def test_a_move_is_a_tombstone_in_the_old_department_and_an_upsert_elsewhere(log: Log) -> None:
    before = make_place("a", version=1, department="75")
    after = make_place(
        "a",
        version=2,
        department="93",
        postal_code="93000",
        city_code="93008",
        updated_at=AT,
    )
    pending = pending_change(before, after)
    assert pending is not None
    log.add(pending)
    log.log.sequence_pending(10)
    (left,) = log.log.read("75", 0, 10)
    assert (left.type, left.reason, left.place) == (ChangeType.DELETE, "moved", None)
    (arrived,) = log.log.read("93", 0, 10)
    assert arrived.type is ChangeType.UPSERT
    assert arrived.place is not None
    assert arrived.place["id"] == "a"
    assert [c.type for c in log.log.read(NATIONAL, 0, 10)] == [ChangeType.UPSERT]


def test_taking_a_place_offline_is_a_tombstone_without_its_content(log: Log) -> None:
    before = make_place("a", version=1)
    after = make_place("a", version=2, status=PlaceStatus.OFFLINE, updated_at=AT)
    pending = pending_change(before, after)
    assert pending is not None
    log.add(pending)
    log.log.sequence_pending(10)
    (gone,) = log.log.read("75", 0, 10)
    assert (gone.type, gone.reason, gone.place) == (ChangeType.DELETE, "offline", None)


def test_two_sequencers_at_once_file_every_write_once() -> None:
    with mock_aws():
        fresh_tables(ChangeRecord)
        writes = [write(f"p{index:03d}", 1, minutes=index) for index in range(60)]
        for pending in writes:
            transaction = Transaction(ChangeRecord._get_connection().connection)
            add_pending(transaction, pending)
            assert transaction.commit() is None
        logs = [DynamoChangeLog(), DynamoChangeLog()]
        threads = [threading.Thread(target=log.sequence_pending, args=(100,)) for log in logs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        logs[0].sequence_pending(100)  # whatever a cancelled round left
        filed = logs[0].read(NATIONAL, 0, 500)
        assert [c.seq for c in filed] == list(range(1, 61))
        assert sorted(c.place_id for c in filed) == [f"p{index:03d}" for index in range(60)]
