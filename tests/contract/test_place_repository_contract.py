"""PlaceRepository contract: the in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_record
from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.search.records import RecordBatch, RecordTable, search_record
from tests.builders import make_full_place, make_place
from tests.conftest import PlaceStore


def test_add_then_get_round_trips_every_field(place_store: PlaceStore) -> None:
    place = make_full_place("full-1")
    # Guard: the builder must really fill every field, or this test proves less than it says.
    unset = [name for name, value in place if value is None]
    assert unset == []

    place_store.repository.add(place)

    stored = place_store.repository.get("full-1")
    assert stored == place
    assert stored.model_dump(mode="json") == place.model_dump(mode="json")
    assert stored.updated_at.utcoffset() is not None


@pytest.mark.parametrize("status", list(PlaceStatus))
def test_round_trip_keeps_every_status(place_store: PlaceStore, status: PlaceStatus) -> None:
    place = make_place("p1", status=status, city_code=None)
    place_store.repository.add(place)
    assert place_store.repository.get("p1") == place


def test_get_unknown_id_is_not_found(place_store: PlaceStore) -> None:
    with pytest.raises(NotFound):
        place_store.repository.get("nope")


def test_add_twice_is_a_conflict_and_keeps_the_first(place_store: PlaceStore) -> None:
    first = make_place("p1", name="Premier")
    place_store.repository.add(first)

    with pytest.raises(Conflict) as raised:
        place_store.repository.add(make_place("p1", name="Second"))

    assert not isinstance(raised.value, VersionConflict)
    assert place_store.repository.get("p1") == first


def test_save_replaces_when_the_version_matches(place_store: PlaceStore) -> None:
    repository = place_store.repository
    repository.add(make_place("p1", name="Avant"))

    repository.save(make_place("p1", name="Après", version=2), expected_version=1)
    repository.save(make_place("p1", name="Encore", version=3), expected_version=2)

    stored = repository.get("p1")
    assert (stored.name, stored.version) == ("Encore", 3)


def test_stale_save_is_a_version_conflict_and_never_overwrites(place_store: PlaceStore) -> None:
    repository = place_store.repository
    repository.add(make_place("p1", name="v1"))
    repository.save(make_place("p1", name="v2 by Alice", version=2), expected_version=1)

    # Bob edited version 1 too and saves after Alice.
    with pytest.raises(VersionConflict) as raised:
        repository.save(make_place("p1", name="v2 by Bob", version=2), expected_version=1)

    assert raised.value.current_version == 2
    assert raised.value.code == "version_conflict"
    assert repository.get("p1").name == "v2 by Alice"


def test_save_ahead_of_the_stored_version_is_a_version_conflict(place_store: PlaceStore) -> None:
    repository = place_store.repository
    repository.add(make_place("p1"))

    with pytest.raises(VersionConflict) as raised:
        repository.save(make_place("p1", name="from the future", version=6), expected_version=5)

    assert raised.value.current_version == 1
    assert repository.get("p1").version == 1


def test_save_of_an_unknown_id_is_not_found_and_creates_nothing(place_store: PlaceStore) -> None:
    with pytest.raises(NotFound):
        place_store.repository.save(make_place("ghost", version=2), expected_version=1)

    with pytest.raises(NotFound):
        place_store.repository.get("ghost")


@pytest.mark.parametrize(("version", "expected_version"), [(1, 1), (3, 1), (2, 0)])
def test_save_requires_the_next_version(
    place_store: PlaceStore, version: int, expected_version: int
) -> None:
    repository = place_store.repository
    repository.add(make_place("p1", name="Original"))

    with pytest.raises(ValueError, match="version"):
        repository.save(
            make_place("p1", name="Bad", version=version), expected_version=expected_version
        )

    assert repository.get("p1").name == "Original"


def test_returned_places_are_copies(place_store: PlaceStore) -> None:
    repository = place_store.repository
    place = make_place("p1", languages=["fr"])
    repository.add(place)

    place.languages.append("en")  # the caller keeps using its object
    repository.get("p1").languages.append("de")

    assert repository.get("p1").languages == ["fr"]


def test_load_fresh_writes_every_place_and_counts_them(place_store: PlaceStore) -> None:
    places = (make_place(f"p{number}", name=f"Lieu {number}") for number in range(60))

    # More than two DynamoDB batches (25 items each), given as a generator.
    assert place_store.repository.load_fresh(places) == 60

    assert place_store.repository.get("p0").name == "Lieu 0"
    assert place_store.repository.get("p59").name == "Lieu 59"


def test_load_fresh_rejects_a_repeated_id_before_writing(place_store: PlaceStore) -> None:
    places = [make_place("p1"), make_place("p2"), make_place("p1", name="again")]

    with pytest.raises(ValueError, match="p1"):
        place_store.repository.load_fresh(places)

    with pytest.raises(NotFound):
        place_store.repository.get("p2")


def test_load_fresh_places_are_then_versioned_normally(place_store: PlaceStore) -> None:
    repository = place_store.repository
    repository.load_fresh([make_place("p1", version=4)])

    with pytest.raises(VersionConflict):
        repository.save(make_place("p1", version=2), expected_version=1)
    repository.save(make_place("p1", version=5), expected_version=4)

    assert repository.get("p1").version == 5


@pytest.mark.usefixtures("dynamodb_tables")
def test_dynamodb_table_layout() -> None:
    """The layout the code relies on; infra/ must create the same (names aside)."""
    table = PlaceRecord.describe_table()

    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    indexes = {
        index["IndexName"]: (
            [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]],
            index["Projection"]["ProjectionType"],
        )
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        # Search records only (search by postal or INSEE code; geo and department search read
        # the search-cells table).
        "by_postal_code": ([("postal_code", "HASH"), ("id", "RANGE")], "INCLUDE"),
        "by_city_code": ([("city_code", "HASH"), ("id", "RANGE")], "INCLUDE"),
        # Back office (docs/backoffice.md): every status, listing rows only.
        "admin_department": ([("admin_department", "HASH"), ("verified_key", "RANGE")], "INCLUDE"),
        "admin_organisation": (
            [("organisation_key", "HASH"), ("verified_key", "RANGE")],
            "INCLUDE",
        ),
        "admin_status": ([("status", "HASH"), ("verified_key", "RANGE")], "INCLUDE"),
    }
    projected = {
        index["IndexName"]: index["Projection"].get("NonKeyAttributes")
        for index in table["GlobalSecondaryIndexes"]
    }
    assert projected["by_postal_code"] == projected["by_city_code"] == ["sr"]


@pytest.mark.usefixtures("dynamodb_tables")
def test_dynamodb_search_cells_layout() -> None:
    table = SearchCellRecord.describe_table()

    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    indexes = {
        index["IndexName"]: (
            [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]],
            index["Projection"],
        )
        for index in table["GlobalSecondaryIndexes"]
    }
    only_rows = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["c"]}
    assert indexes == {
        "cells_by_region": ([("g3", "HASH"), ("sk", "RANGE")], only_rows),
    }


def test_dynamodb_item_carries_index_attributes_only_when_online() -> None:
    place = make_place("p1", organisation="Les Restos du Cœur")
    online = to_record(place).attribute_values
    draft = to_record(make_place("p2", status=PlaceStatus.DRAFT)).attribute_values

    assert (online["postal_code"], online["city_code"]) == ("75019", "75119")
    assert RecordTable([RecordBatch.joined(online["sr"])]).records() == [search_record(place)]
    assert online["organisation_key"] == "les-restos-du-coeur"
    assert online["status"] == "online"
    assert online["version"] == 1
    index_attributes = {"sr", "postal_code", "city_code"}
    assert not index_attributes & {name for name, value in draft.items() if value is not None}
    assert draft["status"] == "draft"
