"""PlaceEditor: create, edit, verify, soft delete, history and listing, with their rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound, VersionConflict
from chalicelib.domain.hours.models import TemporaryClosure, TemporaryMessage
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import ListRequest, NewPlace, PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Action, Channel, FieldChange
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import FIXED_INSTANT, make_place
from tests.fakes import InMemoryPlaceRepository

NOW = datetime(2026, 3, 17, 11, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN, display_name="Alice")
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75",))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))


@pytest.fixture
def store() -> InMemoryPlaceRepository:
    return InMemoryPlaceRepository()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def editor(store: InMemoryPlaceRepository, clock: FixedClock) -> PlaceEditor:
    return PlaceEditor(store, clock, SequentialIds("new-"), default_taxonomy())


def new_place(**fields: Any) -> NewPlace:
    data: dict[str, Any] = {
        "name": "Halte Solidaire",
        "address": {
            "street": "3 rue de Flandre",
            "postal_code": "75019",
            "city": "Paris",
            "department_code": "75",
        },
        "location": {"lat": 48.886, "lon": 2.372},
        "services": [{"id": "s1", "category": "food_distribution"}],
    }
    data.update(fields)
    return NewPlace.model_validate(data)


def seeded(store: InMemoryPlaceRepository, place_id: str = "p1", **fields: Any) -> None:
    store.load_fresh([make_place(place_id, **fields)])


def test_create_makes_a_draft_with_its_creation_entry(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    place = editor.create(VOLUNTEER, new_place(), comment="vu sur le terrain")

    assert (place.id, place.slug, place.status, place.version) == (
        "new-1",
        "halte-solidaire",
        PlaceStatus.DRAFT,
        1,
    )
    assert (place.created_by, place.created_at, place.updated_at) == ("vol-1", NOW, NOW)
    [entry] = store.history("new-1", limit=5).entries
    assert (entry.action, entry.channel, entry.comment) == (
        Action.CREATED,
        Channel.ADMIN,
        "vu sur le terrain",
    )
    assert (entry.actor.subject, entry.actor.role) == ("vol-1", "volunteer")


@pytest.mark.parametrize(
    ("principal", "department", "status", "allowed"),
    [
        (ADMIN, "13", PlaceStatus.ONLINE, True),
        (MODERATOR, "75", PlaceStatus.ONLINE, True),
        (MODERATOR, "13", PlaceStatus.DRAFT, False),
        (VOLUNTEER, "75", PlaceStatus.DRAFT, True),
        (VOLUNTEER, "75", PlaceStatus.ONLINE, False),
        (VOLUNTEER, "13", PlaceStatus.DRAFT, False),
    ],
)
def test_create_follows_the_scope(
    editor: PlaceEditor,
    principal: Principal,
    department: str,
    status: PlaceStatus,
    allowed: bool,
) -> None:
    postal = {"75": "75019", "13": "13001"}[department]
    request = new_place(
        status=status,
        address={
            "street": "1 rue",
            "postal_code": postal,
            "city": "X",
            "department_code": department,
        },
    )
    if allowed:
        assert editor.create(principal, request).status is status
    else:
        with pytest.raises(Forbidden):
            editor.create(principal, request)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": None}, "name"),
        ({"status": "offline"}, "status"),
        ({"services": [{"id": "s1", "category": "no_such_category"}]}, "services.category"),
    ],
)
def test_create_rejects_bad_input(editor: PlaceEditor, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        editor.create(ADMIN, new_place(**fields))
    assert refused.value.field == field


def test_edit_replaces_field_groups_and_records_the_diff(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store)
    closure = TemporaryClosure(start_date=date(2026, 3, 17), reason="Confinement")

    place = editor.edit(
        ADMIN,
        "p1",
        expected_version=1,
        patch=PlacePatch(temporary_closure=closure, name="Nouveau"),
        comment="appel du 17/03",
    )

    assert (place.version, place.name, place.temporary_closure, place.updated_at) == (
        2,
        "Nouveau",
        closure,
        NOW,
    )
    entry = store.history_entry("p1", 2)
    assert entry is not None
    assert (entry.action, entry.actor.display_name, entry.comment) == (
        Action.EDITED,
        "Alice",
        "appel du 17/03",
    )
    assert [change.field for change in entry.changes] == ["name", "temporary_closure"]
    assert entry.changes[1] == FieldChange(
        field="temporary_closure",
        before=None,
        after={"start_date": "2026-03-17", "end_date": None, "reason": "Confinement"},
    )


def test_null_lifts_a_temporary_closure_and_clears_a_message(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(
        store,
        temporary_closure=TemporaryClosure(start_date=date(2026, 3, 1)),
        temporary_message=TemporaryMessage(start_date=date(2026, 3, 1), text="Fermé"),
    )

    place = editor.edit(
        MODERATOR,
        "p1",
        expected_version=1,
        patch=PlacePatch.model_validate({"temporary_closure": None, "temporary_message": None}),
    )

    assert (place.temporary_closure, place.temporary_message) == (None, None)


def test_an_edit_that_changes_nothing_writes_nothing(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, name="Même")

    place = editor.edit(ADMIN, "p1", expected_version=1, patch=PlacePatch(name="Même"))

    assert place.version == 1
    assert store.history("p1", limit=5).entries == []


def test_a_stale_edit_is_a_version_conflict(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, version=4)

    with pytest.raises(VersionConflict) as raised:
        editor.edit(ADMIN, "p1", expected_version=3, patch=PlacePatch(name="x"))

    assert raised.value.current_version == 4


@pytest.mark.parametrize(
    "payload",
    [{}, {"name": None}, {"services": None}, {"status": None}, {"unknown": 1}, {"name": ""}],
)
def test_bad_patches_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises((InvalidInput, ValueError)):
        PlacePatch.model_validate(payload)


def test_volunteers_edit_their_own_drafts_only(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "mine", status=PlaceStatus.DRAFT, created_by="vol-1")
    seeded(store, "theirs", status=PlaceStatus.DRAFT, created_by="vol-2")

    edited = editor.edit(VOLUNTEER, "mine", expected_version=1, patch=PlacePatch(name="Ok"))
    assert edited.name == "Ok"
    with pytest.raises(Forbidden):
        editor.edit(VOLUNTEER, "theirs", expected_version=1, patch=PlacePatch(name="No"))
    with pytest.raises(Forbidden) as publish:
        editor.edit(
            VOLUNTEER, "mine", expected_version=2, patch=PlacePatch(status=PlaceStatus.ONLINE)
        )
    assert publish.value.code == "role_required"


def test_moderators_cannot_move_a_place_out_of_their_territory(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store)
    elsewhere = {
        "street": "1 La Canebière",
        "postal_code": "13001",
        "city": "Marseille",
        "department_code": "13",
    }

    with pytest.raises(Forbidden):
        editor.edit(
            MODERATOR,
            "p1",
            expected_version=1,
            patch=PlacePatch.model_validate({"address": elsewhere}),
        )
    moved = editor.edit(
        ADMIN, "p1", expected_version=1, patch=PlacePatch.model_validate({"address": elsewhere})
    )
    assert moved.address.department_code == "13"
    with pytest.raises(Forbidden):
        editor.get(MODERATOR, "p1")


def test_verify_moves_only_verified_at(editor: PlaceEditor, store: InMemoryPlaceRepository) -> None:
    seeded(store, verified_at=FIXED_INSTANT)

    place = editor.verify(MODERATOR, "p1", expected_version=1)

    assert (place.verified_at, place.version) == (NOW, 2)
    entry = store.history_entry("p1", 2)
    assert entry is not None
    assert entry.action is Action.VERIFIED
    assert [change.field for change in entry.changes] == ["verified_at"]
    with pytest.raises(Forbidden):
        editor.verify(VOLUNTEER, "p1", expected_version=2)


def test_delete_takes_the_place_offline(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store)

    place = editor.delete(MODERATOR, "p1", expected_version=1, comment="fermé définitivement ?")

    assert place.status is PlaceStatus.OFFLINE
    assert store.get("p1").status is PlaceStatus.OFFLINE
    entry = store.history_entry("p1", 2)
    assert entry is not None
    assert entry.action is Action.DELETED
    assert entry.changes == [FieldChange(field="status", before="online", after="offline")]


def test_unknown_and_out_of_scope_places(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "p13", department="13", postal_code="13001", city_code=None)

    with pytest.raises(NotFound):
        editor.get(ADMIN, "nope")
    with pytest.raises(Forbidden):
        editor.get(MODERATOR, "p13")
    with pytest.raises(Forbidden):
        editor.history(MODERATOR, "p13", limit=10)
    with pytest.raises(Forbidden):
        editor.delete(VOLUNTEER, "p13", expected_version=1)


def test_history_lists_every_change_newest_first(
    editor: PlaceEditor, store: InMemoryPlaceRepository, clock: FixedClock
) -> None:
    place = editor.create(ADMIN, new_place())
    for number in range(3):
        clock.set(NOW + timedelta(minutes=number + 1))
        place = editor.edit(
            ADMIN, place.id, expected_version=place.version, patch=PlacePatch(name=f"v{number}")
        )

    page = editor.history(ADMIN, place.id, limit=10)

    assert [entry.version for entry in page.entries] == [4, 3, 2, 1]
    assert [entry.at for entry in page.entries] == [
        NOW + timedelta(minutes=3),
        NOW + timedelta(minutes=2),
        NOW + timedelta(minutes=1),
        NOW,
    ]


# Listing ---------------------------------------------------------------------------------


def listing(**fields: Any) -> ListRequest:
    return ListRequest(limit=50, **fields)


def test_a_moderator_with_one_department_lists_it_by_default(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "p75")
    seeded(store, "p93", department="93", postal_code="93200", city_code=None)

    page = editor.list(MODERATOR, listing())

    assert [row.id for row in page.places] == ["p75"]
    with pytest.raises(Forbidden):
        editor.list(MODERATOR, listing(department="93"))


def test_a_moderator_listing_an_organisation_sees_its_territory_only(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "p75", organisation="Restos du Cœur")
    seeded(
        store, "p93", department="93", postal_code="93200", city_code=None, organisation="Restos"
    )
    seeded(
        store,
        "p93b",
        department="93",
        postal_code="93200",
        city_code=None,
        organisation="restos du coeur",
    )
    two = Principal(subject="m", role=Role.TERRITORY_MODERATOR, departments=("13", "75"))

    page = editor.list(two, listing(organisation="RESTOS DU COEUR"))
    admin_page = editor.list(ADMIN, listing(organisation="RESTOS DU COEUR"))

    assert [row.id for row in page.places] == ["p75"]
    assert sorted(row.id for row in admin_page.places) == ["p75", "p93b"]


def test_volunteers_list_their_own_drafts(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "mine", status=PlaceStatus.DRAFT, created_by="vol-1")
    seeded(store, "theirs", status=PlaceStatus.DRAFT, created_by="vol-2")
    seeded(store, "online", created_by="vol-1")

    page = editor.list(VOLUNTEER, listing())

    assert [row.id for row in page.places] == ["mine"]
    with pytest.raises(InvalidInput):
        editor.list(VOLUNTEER, listing(status=PlaceStatus.ONLINE))


def test_listing_filters_freshness_category_and_text(
    editor: PlaceEditor, store: InMemoryPlaceRepository
) -> None:
    seeded(store, "old", verified_at=datetime(2026, 1, 1, tzinfo=UTC), name="Bains douches")
    seeded(store, "new", verified_at=datetime(2026, 3, 1, tzinfo=UTC), categories=("shower",))
    seeded(store, "never", categories=("seated_meal",))

    stale = editor.list(ADMIN, listing(department="75", not_verified_since=date(2026, 2, 1)))
    food = editor.list(ADMIN, listing(department="75", category="food"))
    text = editor.list(ADMIN, listing(department="75", q="BAINS-Douches"))

    assert [row.id for row in stale.places] == ["never", "old"]
    assert sorted(row.id for row in food.places) == ["never", "old"]
    assert [row.id for row in text.places] == ["old"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "department"),
        ({"department": "75", "q": "!!!"}, "q"),
        ({"department": "75", "organisation": "---"}, "organisation"),
        ({"department": "75", "category": "nope"}, "category"),
    ],
)
def test_listing_bad_requests(editor: PlaceEditor, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        editor.list(ADMIN, listing(**fields))
    assert refused.value.field == field
