"""Batch update: dry run equals apply, per-place results, idempotent replay, crash and
resume, time budget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.batch.models import BatchRequest, ResultStatus, batch_id_for
from chalicelib.domain.batch.service import BatchUpdateService
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.places.history import Action, Channel
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceWrite
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.backoffice_fakes import Crash, CrashingPlaceStore, InMemoryBatchLedger
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.place_writes import update

NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75",))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))
CLOSURE = {"start_date": "2020-03-17", "reason": "Confinement"}


@pytest.fixture
def store() -> InMemoryPlaceRepository:
    return InMemoryPlaceRepository()


@pytest.fixture
def ledger() -> InMemoryBatchLedger:
    return InMemoryBatchLedger()


def service(store: Any, ledger: InMemoryBatchLedger, chunk_size: int = 50) -> BatchUpdateService:
    return BatchUpdateService(
        store, ledger, FixedClock(NOW), default_taxonomy(), chunk_size=chunk_size
    )


def request(
    *,
    ids: list[str] | None = None,
    filter: dict[str, Any] | None = None,
    patch: dict[str, Any] | None = None,
    dry_run: bool = False,
    key: str | None = "lockdown-2020-03-17",
) -> BatchRequest:
    selection: dict[str, Any] = {"ids": ids} if ids is not None else {"filter": filter}
    return BatchRequest.model_validate(
        {
            "idempotency_key": key,
            "selection": selection,
            "patch": patch if patch is not None else {"temporary_closure": CLOSURE},
            "dry_run": dry_run,
            "comment": "confinement",
        }
    )


def seed(store: InMemoryPlaceRepository, count: int, **fields: Any) -> list[str]:
    places = [make_place(f"p{number:03d}", **fields) for number in range(count)]
    store.load_fresh(places)
    return [place.id for place in places]


def snapshot(store: InMemoryPlaceRepository) -> dict[str, Place]:
    return {place_id: place.model_copy(deep=True) for place_id, place in store.places.items()}


def test_dry_run_reports_what_apply_then_does(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 7)
    store.load_fresh(
        [
            make_place(
                "closed-already",
                temporary_closure={"start_date": date(2020, 3, 17), "reason": "Confinement"},
            ),
            make_place("p13", department="13", postal_code="13001", city_code=None),
        ]
    )
    selection = [*ids, "closed-already", "p13", "ghost"]
    before = snapshot(store)

    dry = service(store, ledger).run(MODERATOR, request(ids=selection, dry_run=True))

    assert snapshot(store) == before  # nothing written
    assert ledger.batches == {}
    applied = service(store, ledger).run(MODERATOR, request(ids=selection))
    assert [result.model_dump() for result in dry.results] == [
        result.model_dump() for result in applied.results
    ]
    assert dry.counts == applied.counts
    assert dry.counts[ResultStatus.APPLIED] == 7
    assert dry.counts[ResultStatus.UNCHANGED] == 1
    # p13 (outside the moderator's 75) and "ghost" (nowhere) answer alike.
    assert dry.counts.get(ResultStatus.FORBIDDEN, 0) == 0
    assert dry.counts[ResultStatus.NOT_FOUND] == 2
    assert (dry.dry_run, applied.dry_run, applied.complete, applied.replayed) == (
        True,
        False,
        True,
        False,
    )
    first = applied.results[0]
    assert (first.place_id, first.version, [c.field for c in first.changes]) == (
        "p000",
        2,
        ["temporary_closure"],
    )


def test_apply_writes_each_place_with_a_batch_history_entry(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 3)

    report = service(store, ledger).run(ADMIN, request(ids=ids, patch={"status": "offline"}))

    batch_id = batch_id_for("admin-1", "lockdown-2020-03-17")
    assert report.batch_id == batch_id
    for place_id in ids:
        assert store.get(place_id).status is PlaceStatus.OFFLINE
        entry = store.history_entry(place_id, 2)
        assert entry is not None
        assert (entry.channel, entry.action, entry.batch_id, entry.comment) == (
            Channel.BATCH,
            Action.BATCH_UPDATED,
            batch_id,
            "confinement",
        )


def test_the_same_key_never_applies_twice(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 4)
    first = service(store, ledger).run(ADMIN, request(ids=ids))
    # Someone lifts a closure by hand; replaying the batch must not close the place again.
    read = store.get("p001")
    update(
        store,
        PlaceWrite(
            read,
            read.model_copy(update={"temporary_closure": None, "version": 3}),
            store.history_entry("p001", 2).model_copy(update={"version": 3}),  # type: ignore[union-attr]
        ),
    )

    replay = service(store, ledger).run(ADMIN, request(ids=ids))

    assert replay.replayed
    assert replay.results == first.results
    assert store.get("p001").temporary_closure is None
    assert store.get("p001").version == 3
    assert sorted(store.history_entries["p000"]) == [2]


def test_a_key_reused_for_another_batch_is_a_conflict(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 2)
    service(store, ledger).run(ADMIN, request(ids=ids))

    with pytest.raises(Conflict) as raised:
        service(store, ledger).run(ADMIN, request(ids=ids, patch={"status": "offline"}))

    assert raised.value.code == "idempotency_key_reused"
    # Another caller may use the same key for its own batch.
    other = Principal(subject="admin-2", role=Role.ADMIN)
    assert service(store, ledger).run(other, request(ids=ids, patch={"status": "offline"}))


@pytest.mark.parametrize("crash_after", [1, 5, 10, 11, 24])
def test_a_crashed_batch_resumes_and_applies_each_place_once(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger, crash_after: int
) -> None:
    ids = seed(store, 25)
    crashing = CrashingPlaceStore(store, crash_after=crash_after)

    with pytest.raises(Crash):
        service(crashing, ledger, chunk_size=10).run(ADMIN, request(ids=ids))
    written_before_crash = sum(1 for place_id in ids if store.get(place_id).version == 2)
    assert written_before_crash == crash_after

    report = service(store, ledger, chunk_size=10).run(ADMIN, request(ids=ids))

    assert report.complete
    assert report.counts[ResultStatus.APPLIED] == 25
    for place_id in ids:
        place = store.get(place_id)
        assert place.version == 2  # written exactly once
        assert sorted(store.history_entries[place_id]) == [2]
    replay = service(store, ledger, chunk_size=10).run(ADMIN, request(ids=ids))
    assert replay.replayed
    assert replay.results == report.results


def test_a_resumed_batch_keeps_its_first_selection(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    """Filter "online" then take offline: after a crash the filter no longer matches the
    places already done, but the recorded plan does."""
    ids = seed(store, 12)
    crashing = CrashingPlaceStore(store, crash_after=5)
    by_filter = request(
        filter={"department": "75", "status": "online"}, patch={"status": "offline"}
    )

    with pytest.raises(Crash):
        service(crashing, ledger, chunk_size=4).run(ADMIN, by_filter)
    report = service(store, ledger, chunk_size=4).run(ADMIN, by_filter)

    assert report.selected == 12
    assert report.counts[ResultStatus.APPLIED] == 12
    assert {store.get(place_id).status for place_id in ids} == {PlaceStatus.OFFLINE}


def test_a_place_edited_between_crash_and_resume_is_a_conflict(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 6)
    with pytest.raises(Crash):
        service(CrashingPlaceStore(store, crash_after=2), ledger, chunk_size=3).run(
            ADMIN, request(ids=ids)
        )
    # p004 (not yet done) is edited by someone else before the resume.
    read = store.get("p004")
    edited = read.model_copy(update={"name": "Edited", "version": 2})
    entry = store.history_entry("p000", 2).model_copy(  # type: ignore[union-attr]
        update={"place_id": "p004", "batch_id": None}
    )
    update(store, PlaceWrite(read, edited, entry))

    report = service(store, ledger, chunk_size=3).run(ADMIN, request(ids=ids))

    statuses = {result.place_id: result.status for result in report.results}
    assert statuses["p004"] is ResultStatus.CONFLICT
    assert [s for p, s in statuses.items() if p != "p004"] == [ResultStatus.APPLIED] * 5
    assert store.get("p004").temporary_closure is None


def test_should_stop_leaves_an_incomplete_batch_that_resumes(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 10)
    asked = iter([False, False, True])

    partial = service(store, ledger, chunk_size=3).run(
        ADMIN, request(ids=ids), should_stop=lambda: next(asked)
    )
    rest = service(store, ledger, chunk_size=3).run(ADMIN, request(ids=ids))

    assert (partial.complete, len(partial.results)) == (False, 6)
    assert (rest.complete, rest.replayed, len(rest.results)) == (True, False, 10)
    assert rest.counts[ResultStatus.APPLIED] == 10


def test_a_moderator_filter_selects_its_territory_only(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    seed(store, 3, organisation="Restos du Cœur")
    store.load_fresh(
        [
            make_place(
                "p13", department="13", postal_code="13001", city_code=None, organisation="Restos"
            ),
            make_place(
                "p13b",
                department="13",
                postal_code="13001",
                city_code=None,
                organisation="restos du coeur",
            ),
        ]
    )

    report = service(store, ledger).run(
        MODERATOR, request(filter={"organisation": "Restos du coeur"}, dry_run=True)
    )

    assert sorted(result.place_id for result in report.results) == ["p000", "p001", "p002"]
    with pytest.raises(Forbidden):
        service(store, ledger).run(MODERATOR, request(filter={"department": "13"}, dry_run=True))


def test_volunteers_cannot_run_batches(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    with pytest.raises(Forbidden):
        service(store, ledger).run(VOLUNTEER, request(ids=["p1"], dry_run=True))


def test_max_places_refuses_large_selections_before_writing(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 5)

    with pytest.raises(InvalidInput) as by_ids:
        service(store, ledger).run(ADMIN, request(ids=ids), max_places=4)
    with pytest.raises(InvalidInput) as by_filter:
        service(store, ledger).run(ADMIN, request(filter={"department": "75"}), max_places=4)

    assert by_ids.value.code == by_filter.value.code == "batch_too_large"
    assert ledger.batches == {}
    assert {store.get(place_id).version for place_id in ids} == {1}


def test_patching_regular_and_temporary_hours(
    store: InMemoryPlaceRepository, ledger: InMemoryBatchLedger
) -> None:
    ids = seed(store, 2)
    hours = {"monday": [{"start": "09:00", "end": "12:00"}], "public_holidays": "closed"}
    patch = {
        "hours": hours,
        "temporary_hours": {"start_date": "2020-03-17", "hours": hours},
        "temporary_message": {"start_date": "2020-03-17", "text": "Sur rendez-vous"},
    }

    report = service(store, ledger).run(ADMIN, request(ids=ids, patch=patch))

    assert [c.field for c in report.results[0].changes] == [
        "hours",
        "temporary_hours",
        "temporary_message",
    ]
    assert store.get("p000").temporary_message.text == "Sur rendez-vous"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "payload",
    [
        {"selection": {"ids": ["p1"]}, "patch": {"status": "offline"}},  # no key
        {"idempotency_key": "k", "selection": {"ids": ["p1"]}, "patch": {"status": "offline"}},
        {"idempotency_key": "key-12345", "selection": {}, "patch": {"status": "offline"}},
        {
            "idempotency_key": "key-12345",
            "selection": {"ids": ["p1"], "filter": {"department": "75"}},
            "patch": {"status": "offline"},
        },
        {"idempotency_key": "key-12345", "selection": {"ids": []}, "patch": {"status": "offline"}},
        {"idempotency_key": "key-12345", "selection": {"ids": ["bad id"]}, "patch": {}},
        {"idempotency_key": "key-12345", "selection": {"ids": ["p1"]}, "patch": {}},
        {"idempotency_key": "key-12345", "selection": {"ids": ["p1"]}, "patch": {"status": None}},
        {"idempotency_key": "key-12345", "selection": {"ids": ["p1"]}, "patch": {"name": "x"}},
        {
            "idempotency_key": "key-12345",
            "selection": {"filter": {}},
            "patch": {"status": "offline"},
        },
        {
            "idempotency_key": "key-12345",
            "selection": {"filter": {"category": "shower"}},
            "patch": {"status": "offline"},
        },
    ],
)
def test_bad_batch_requests_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises((InvalidInput, ValueError)):
        BatchRequest.model_validate(payload)
