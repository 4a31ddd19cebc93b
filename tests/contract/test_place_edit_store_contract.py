"""PlaceEditStore contract: history written with every change, per-place outcomes of batched
writes, the back-office listing. The in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.backoffice_models import PlaceHistoryRecord
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, VersionConflict
from chalicelib.domain.places.history import (
    Action,
    Actor,
    Channel,
    FieldChange,
    HistoryEntry,
    diff_places,
)
from chalicelib.domain.places.listing import PlaceFilter, PlaceListQuery
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceCreation, PlaceEditStore, PlaceWrite, WriteStatus
from tests.backoffice_fakes import fresh_tables
from tests.builders import FIXED_INSTANT, make_full_place, make_place
from tests.fakes import InMemoryPlaceRepository
from tests.place_writes import create, update

ALICE = Actor(subject="alice", role="admin")
LATER = FIXED_INSTANT + timedelta(days=1)


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> PlaceEditStore:
    if request.param == "memory":
        return InMemoryPlaceRepository()
    request.getfixturevalue("_moto")
    fresh_tables(PlaceRecord, PlaceHistoryRecord)
    return DynamoPlaceRepository()


def entry_for(
    before: Place | None, after: Place, *, actor: Actor = ALICE, batch_id: str | None = None
) -> HistoryEntry:
    return HistoryEntry(
        place_id=after.id,
        version=after.version,
        at=after.updated_at,
        actor=actor,
        channel=Channel.BATCH if batch_id else Channel.ADMIN,
        action=Action.CREATED if before is None else Action.EDITED,
        changes=diff_places(before, after),
        batch_id=batch_id,
    )


def created(store: PlaceEditStore, place_id: str = "p1", **fields: object) -> Place:
    place = make_place(place_id, **fields)  # type: ignore[arg-type]
    create(store, place, entry_for(None, place))
    return place


def next_version(place: Place, **changes: object) -> Place:
    return place.model_copy(
        update={**changes, "version": place.version + 1, "updated_at": LATER}, deep=True
    )


# Create and update -------------------------------------------------------------------------


def test_create_stores_the_place_and_its_creation_entry(store: PlaceEditStore) -> None:
    place = make_full_place("full-1", version=1)
    create(store, place, entry_for(None, place))

    assert store.get("full-1") == place
    [entry] = store.history("full-1", limit=10).entries
    assert (entry.version, entry.action, entry.actor) == (1, Action.CREATED, ALICE)
    fields = {change.field for change in entry.changes}
    assert {"name", "internal_note", "temporary_closure"} <= fields
    assert all(change.before is None for change in entry.changes)


def test_create_over_an_existing_id_is_a_conflict_and_writes_no_history(
    store: PlaceEditStore,
) -> None:
    created(store, "p1", name="First")
    second = make_place("p1", name="Second")

    with pytest.raises(Conflict):
        create(store, second, entry_for(None, second))

    assert store.get("p1").name == "First"
    assert len(store.history("p1", limit=10).entries) == 1


def test_update_writes_the_place_and_its_entry_together(store: PlaceEditStore) -> None:
    place = created(store)
    renamed = next_version(place, name="Nouveau nom")

    update(store, PlaceWrite(place, renamed, entry_for(place, renamed)))

    assert store.get("p1").name == "Nouveau nom"
    newest = store.history("p1", limit=10).entries[0]
    assert newest.version == 2
    assert newest.changes == [FieldChange(field="name", before="Lieu p1", after="Nouveau nom")]
    assert store.history_entry("p1", 2) == newest


def test_stale_update_is_a_version_conflict_and_writes_nothing(store: PlaceEditStore) -> None:
    place = created(store)
    first = next_version(place, name="Alice")
    update(store, PlaceWrite(place, first, entry_for(place, first)))
    stale = next_version(place, name="Bob")

    with pytest.raises(VersionConflict) as raised:
        update(store, PlaceWrite(place, stale, entry_for(place, stale)))

    assert raised.value.current_version == 2
    assert store.get("p1").name == "Alice"
    assert [entry.actor.subject for entry in store.history("p1", limit=10).entries] == [
        "alice",
        "alice",
    ]
    assert store.history_entry("p1", 2) is not None
    assert store.history_entry("p1", 2).changes[0].after == "Alice"  # type: ignore[union-attr]


def test_update_of_an_unknown_place_is_not_found(store: PlaceEditStore) -> None:
    ghost = make_place("ghost", version=2)

    with pytest.raises(NotFound):
        update(store, PlaceWrite(make_place("ghost"), ghost, entry_for(make_place("ghost"), ghost)))

    assert store.history("ghost", limit=10).entries == []


def test_entry_must_describe_the_written_version(store: PlaceEditStore) -> None:
    place = created(store)
    renamed = next_version(place, name="X")
    wrong = entry_for(place, renamed).model_copy(update={"version": 3})

    with pytest.raises(ValueError, match="history entry"):
        update(store, PlaceWrite(place, renamed, wrong))


def test_two_writers_of_one_version_exactly_one_wins(store: PlaceEditStore) -> None:
    """Alice and Bob both read version 1, then both save: the first write lands, the second
    gets a VersionConflict naming version 2, and the history holds Alice's entry only.

    The writes are issued one after the other on purpose: what makes the loser lose is the
    condition on the stored version, evaluated by the store at write time, whatever the
    interleaving (moto, unlike DynamoDB, does not serialise concurrent requests, so a
    threaded version of this test would exercise moto rather than our code)."""
    place = created(store)
    alice = next_version(place, name="alice")
    bob = next_version(place, name="bob")

    update(
        store,
        PlaceWrite(
            place, alice, entry_for(place, alice, actor=Actor(subject="alice", role="admin"))
        ),
    )
    with pytest.raises(VersionConflict) as raised:
        update(
            store,
            PlaceWrite(place, bob, entry_for(place, bob, actor=Actor(subject="bob", role="admin"))),
        )

    assert raised.value.current_version == 2
    entries = store.history("p1", limit=10).entries
    assert [(entry.version, entry.actor.subject) for entry in entries] == [
        (2, "alice"),
        (1, "alice"),
    ]
    assert store.get("p1").name == "alice"


# Transactions ----------------------------------------------------------------------------


def test_a_transaction_writes_all_its_places_or_none(store: PlaceEditStore) -> None:
    kept, moved = created(store, "p1"), created(store, "p2")
    bob = next_version(moved, name="Bob")
    update(store, PlaceWrite(moved, bob, entry_for(moved, bob)))
    new = make_place("p3")
    renamed = next_version(kept, name="Renommé")
    stale = next_version(moved, name="Trop tard")

    transaction = store.transaction()
    transaction.create(PlaceCreation(new, entry_for(None, new)))
    transaction.write(PlaceWrite(kept, renamed, entry_for(kept, renamed)))
    transaction.write(PlaceWrite(moved, stale, entry_for(moved, stale)))
    with pytest.raises(VersionConflict) as raised:
        transaction.commit()

    assert raised.value.current_version == 2
    assert store.get("p1") == kept
    assert store.history_entry("p1", 2) is None
    with pytest.raises(NotFound):
        store.get("p3")
    assert store.history("p3", limit=10).entries == []

    transaction = store.transaction()
    transaction.create(PlaceCreation(new, entry_for(None, new)))
    transaction.write(PlaceWrite(kept, renamed, entry_for(kept, renamed)))
    transaction.commit()

    assert store.get("p1").name == "Renommé"
    assert store.get("p3") == new
    assert store.history_entry("p3", 1) is not None


def test_a_place_appears_once_in_a_transaction(store: PlaceEditStore) -> None:
    place = created(store)
    first, second = next_version(place, name="a"), next_version(place, name="b")
    transaction = store.transaction()
    transaction.write(PlaceWrite(place, first, entry_for(place, first)))

    with pytest.raises(ValueError, match="twice"):
        transaction.write(PlaceWrite(place, second, entry_for(place, second)))


def test_a_transaction_is_committed_once(store: PlaceEditStore) -> None:
    place = created(store)
    renamed = next_version(place, name="a")
    transaction = store.transaction()
    transaction.write(PlaceWrite(place, renamed, entry_for(place, renamed)))
    transaction.commit()

    with pytest.raises(RuntimeError, match="once"):
        transaction.commit()


def test_a_creation_is_version_one_with_its_entry() -> None:
    place = make_place("p1", version=2)
    with pytest.raises(ValueError, match="version 1"):
        PlaceCreation(place, entry_for(None, place))
    first = make_place("p1")
    with pytest.raises(ValueError, match="history entry"):
        PlaceCreation(first, entry_for(None, first).model_copy(update={"place_id": "p2"}))


# update_many ----------------------------------------------------------------------------


def test_update_many_gives_each_write_its_own_outcome(store: PlaceEditStore) -> None:
    places = [created(store, f"p{number}") for number in range(5)]
    moved = next_version(places[2], name="moved by someone")
    update(store, PlaceWrite(places[2], moved, entry_for(places[2], moved)))
    writes = [
        PlaceWrite(old, new, entry_for(old, new))
        for old, new in (
            (place, next_version(place, status=PlaceStatus.OFFLINE)) for place in places
        )
    ]
    ghost = make_place("ghost", version=2)
    writes.append(PlaceWrite(make_place("ghost"), ghost, entry_for(make_place("ghost"), ghost)))

    outcomes = store.update_many(writes)

    assert [(outcome.place_id, outcome.status) for outcome in outcomes] == [
        ("p0", WriteStatus.APPLIED),
        ("p1", WriteStatus.APPLIED),
        ("p2", WriteStatus.CONFLICT),
        ("p3", WriteStatus.APPLIED),
        ("p4", WriteStatus.APPLIED),
        ("ghost", WriteStatus.NOT_FOUND),
    ]
    assert outcomes[2].current_version == 2
    assert store.get("p2").name == "moved by someone"
    assert store.get("p3").status is PlaceStatus.OFFLINE
    assert store.history_entry("p3", 2) is not None


def test_update_many_spans_several_transactions(store: PlaceEditStore) -> None:
    # 53 places: two transactions (50 places each at most).
    places = [created(store, f"p{number:03d}") for number in range(53)]
    writes = [
        PlaceWrite(old, new, entry_for(old, new, batch_id="b1"))
        for old, new in ((place, next_version(place, name="Fermé")) for place in places)
    ]

    outcomes = store.update_many(writes)

    assert {outcome.status for outcome in outcomes} == {WriteStatus.APPLIED}
    assert store.get("p052").name == "Fermé"
    assert store.history_entry("p052", 2).batch_id == "b1"  # type: ignore[union-attr]


def test_update_many_rejects_a_place_twice(store: PlaceEditStore) -> None:
    place = created(store)
    new = next_version(place, name="x")

    with pytest.raises(ValueError, match="twice"):
        store.update_many([PlaceWrite(place, new, entry_for(place, new))] * 2)


def test_get_many_returns_the_existing_places_only(store: PlaceEditStore) -> None:
    created(store, "p1")
    created(store, "p2")

    found = store.get_many(["p2", "nope", "p1", "p2"])

    assert sorted(found) == ["p1", "p2"]
    assert found["p2"].id == "p2"


# History ---------------------------------------------------------------------------------


def test_history_pages_newest_first(store: PlaceEditStore) -> None:
    place = created(store)
    for number in range(2, 8):
        new = next_version(place, name=f"v{number}")
        update(store, PlaceWrite(place, new, entry_for(place, new)))
        place = new

    first = store.history("p1", limit=3)
    second = store.history("p1", limit=3, before=first.next_before)
    third = store.history("p1", limit=3, before=second.next_before)

    assert [entry.version for entry in first.entries] == [7, 6, 5]
    assert [entry.version for entry in second.entries] == [4, 3, 2]
    assert [entry.version for entry in third.entries] == [1]
    assert third.next_before is None
    assert store.history_entry("p1", 9) is None


# Listing ---------------------------------------------------------------------------------


def _listed(store: PlaceEditStore, place_filter: PlaceFilter, limit: int = 100) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = store.list_places(PlaceListQuery(filter=place_filter, limit=limit, cursor=cursor))
        ids.extend(row.id for row in page.places)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def _fill(store: PlaceEditStore) -> None:
    def add(place_id: str, **fields: object) -> None:
        created(store, place_id, **fields)

    add("draft-75", status=PlaceStatus.DRAFT, created_by="vol-1")
    add("online-75", organisation="Restos du Cœur")
    add("offline-75", status=PlaceStatus.OFFLINE, organisation="RESTOS DU CŒUR")
    add(
        "online-93",
        department="93",
        postal_code="93200",
        city_code="93066",
        city="Saint-Denis",
        categories=("shower",),
        organisation="Restos du Coeur",
        verified_at=datetime(2020, 3, 1, tzinfo=UTC),
    )
    add("closed-75", status=PlaceStatus.PERMANENTLY_CLOSED, name="Halte de nuit")
    add("fresh-75", verified_at=datetime(2024, 3, 1, tzinfo=UTC), categories=("shower",))


@pytest.mark.parametrize(
    ("place_filter", "expected"),
    [
        (
            PlaceFilter(department="75"),
            ["closed-75", "draft-75", "offline-75", "online-75", "fresh-75"],
        ),
        (PlaceFilter(status=PlaceStatus.DRAFT), ["draft-75"]),
        (PlaceFilter(status=PlaceStatus.ONLINE, department="75"), ["online-75", "fresh-75"]),
        (
            PlaceFilter(organisation_key="restos-du-coeur"),
            ["offline-75", "online-75", "online-93"],
        ),
        (
            PlaceFilter(organisation_key="restos-du-coeur", departments=("93",)),
            ["online-93"],
        ),
        (PlaceFilter(department="75", categories=("shower",)), ["fresh-75"]),
        (PlaceFilter(status=PlaceStatus.ONLINE, categories=("shower",)), ["online-93", "fresh-75"]),
        (
            PlaceFilter(
                status=PlaceStatus.ONLINE, verified_before=datetime(2024, 1, 1, tzinfo=UTC)
            ),
            ["online-75", "online-93"],
        ),
        (PlaceFilter(department="75", text="halte"), ["closed-75"]),
        (PlaceFilter(department="75", created_by="vol-1"), ["draft-75"]),
        (PlaceFilter(department="75", departments=()), []),
    ],
)
def test_listing_filters(
    store: PlaceEditStore, place_filter: PlaceFilter, expected: list[str]
) -> None:
    _fill(store)

    listed = _listed(store, place_filter)

    # Never verified first (in no particular order among them), then least recently verified.
    never = sorted(place_id for place_id in expected if place_id not in ("online-93", "fresh-75"))
    verified = [place_id for place_id in ("online-93", "fresh-75") if place_id in expected]
    assert sorted(listed[: len(never)]) == never
    assert listed[len(never) :] == verified


def test_listing_pages_cover_every_place_once(store: PlaceEditStore) -> None:
    for number in range(23):
        verified = FIXED_INSTANT - timedelta(days=number % 4) if number % 3 else None
        created(store, f"p{number:02d}", verified_at=verified)

    listed = _listed(store, PlaceFilter(department="75"), limit=5)

    assert sorted(listed) == [f"p{number:02d}" for number in range(23)]
    assert len(listed) == 23
    rows = store.list_places(PlaceListQuery(filter=PlaceFilter(department="75"), limit=23)).places
    keys = [row.verified_at or datetime.min.replace(tzinfo=UTC) for row in rows]
    assert keys == sorted(keys)


def test_listing_rows_carry_the_summary(store: PlaceEditStore) -> None:
    _fill(store)

    [row] = store.list_places(PlaceListQuery(filter=PlaceFilter(department="93"), limit=10)).places

    assert (row.id, row.status, row.department, row.postal_code, row.city) == (
        "online-93",
        PlaceStatus.ONLINE,
        "93",
        "93200",
        "Saint-Denis",
    )
    assert (row.organisation, row.categories, row.version) == ("Restos du Coeur", ["shower"], 1)


def test_listing_follows_edits(store: PlaceEditStore) -> None:
    place = created(store, "p1", status=PlaceStatus.DRAFT)
    published = next_version(place, status=PlaceStatus.ONLINE)
    update(store, PlaceWrite(place, published, entry_for(place, published)))

    assert _listed(store, PlaceFilter(status=PlaceStatus.DRAFT)) == []
    assert _listed(store, PlaceFilter(status=PlaceStatus.ONLINE)) == ["p1"]


def test_a_cursor_of_another_listing_is_rejected(store: PlaceEditStore) -> None:
    for number in range(3):
        created(store, f"p{number}")
    page = store.list_places(PlaceListQuery(filter=PlaceFilter(department="75"), limit=1))
    assert page.next_cursor is not None

    with pytest.raises(InvalidInput, match="another listing"):
        store.list_places(
            PlaceListQuery(
                filter=PlaceFilter(status=PlaceStatus.ONLINE), limit=1, cursor=page.next_cursor
            )
        )
    with pytest.raises(InvalidInput, match="malformed"):
        store.list_places(
            PlaceListQuery(filter=PlaceFilter(department="75"), limit=1, cursor="bm90IGEgY3Vyc29y")
        )


def test_iter_matching_yields_ids_and_versions(store: PlaceEditStore) -> None:
    _fill(store)

    matching = dict(store.iter_matching(PlaceFilter(organisation_key="restos-du-coeur")))

    assert matching == {"offline-75": 1, "online-75": 1, "online-93": 1}


@pytest.mark.usefixtures("_moto")
def test_dynamodb_history_table_layout() -> None:
    fresh_tables(PlaceHistoryRecord)
    table = PlaceHistoryRecord.describe_table()

    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "place_id", "KeyType": "HASH"},
        {"AttributeName": "version", "KeyType": "RANGE"},
    ]
