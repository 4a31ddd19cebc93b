"""SearchRecordSource contract: the in-memory fake and DynamoDB's search cells find the same
places, and the whole places read through them (``RecordCandidates``) are the stored ones.

Records around a point may include places beyond the radius (cells are boxes), never miss one
within it, and are exactly ``search_record`` of the stored place; candidates are exactly the
online places within the radius, so results are compared with a brute force over the stored
places.
"""

from __future__ import annotations

import math
import random

import pytest

from chalicelib.adapters.dynamodb.geo_cells import cell_box, encode
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.ports import Candidates, RecordScan, TerritoryKind
from chalicelib.domain.search.records import search_record
from tests.builders import destination_point, make_place, offset_point
from tests.conftest import PlaceStore

PARIS = GeoPoint(lat=48.8867, lon=2.3795)
LOZERE = GeoPoint(lat=44.52, lon=3.50)
NOT_ONLINE = [PlaceStatus.DRAFT, PlaceStatus.OFFLINE, PlaceStatus.PERMANENTLY_CLOSED]
SEARCH_CENTERS = [
    PARIS,
    LOZERE,
    offset_point(PARIS, 2_345, -3_210),
    offset_point(LOZERE, -7_000, 4_500),
    GeoPoint(lat=48.8671875, lon=2.3291015625),  # a geohash corner itself
]
SEARCH_RADII_M = [500, 1_000, 5_000, 30_000, 80_000]


def _ids(candidates: Candidates) -> list[str]:
    return [place.id for place in candidates.places]


def _random_point(rng: random.Random, center: GeoPoint, max_m: float) -> GeoPoint:
    distance = max_m * math.sqrt(rng.random())  # uniform over the disc
    bearing = rng.uniform(0, 2 * math.pi)
    return offset_point(center, distance * math.cos(bearing), distance * math.sin(bearing))


def _synthetic_places() -> list[Place]:
    """~330 places: dense around both centres, sparse up to 90 km, some not online, some
    exactly on geohash cell corners near the centres, and some just inside the edge of each
    searched circle (where an off-by-one or a covering a little short would show)."""
    rng = random.Random(20240314)  # noqa: S311 - reproducible data, not secrets
    places: list[Place] = []

    def add(point: GeoPoint, department: str, postal_code: str, status: PlaceStatus) -> None:
        places.append(
            make_place(
                f"s{len(places):03d}",
                lat=point.lat,
                lon=point.lon,
                status=status,
                department=department,
                postal_code=postal_code,
                city_code=None,
            )
        )

    for center, department, postal_code in ((PARIS, "75", "75019"), (LOZERE, "48", "48000")):
        for _ in range(75):
            add(_random_point(rng, center, 8_000), department, postal_code, PlaceStatus.ONLINE)
        for _ in range(40):
            add(_random_point(rng, center, 90_000), department, postal_code, PlaceStatus.ONLINE)
        for status in NOT_ONLINE * 4:
            add(_random_point(rng, center, 6_000), department, postal_code, status)
        for precision in (4, 5, 6, 7):
            south, west, north, east = cell_box(encode(center.lat, center.lon, precision))
            for lat in (south, north):
                for lon in (west, east):
                    add(GeoPoint(lat=lat, lon=lon), department, postal_code, PlaceStatus.ONLINE)
    for center in SEARCH_CENTERS:
        department, postal_code = ("75", "75019") if center.lat > 47 else ("48", "48000")
        for radius_m in SEARCH_RADII_M:
            for _ in range(2):
                edge = destination_point(center, rng.uniform(0, 2 * math.pi), radius_m * 0.99999)
                add(edge, department, postal_code, PlaceStatus.ONLINE)
    return places


def _record_ids(scan: RecordScan) -> list[str]:
    return sorted(record.id for record in scan.table.records())


def _within(places: list[Place], center: GeoPoint, radius_m: float) -> set[str]:
    return {
        place.id
        for place in places
        if place.status is PlaceStatus.ONLINE and haversine_m(center, place.location) <= radius_m
    }


def test_near_records_hold_every_online_place_within_the_radius(
    place_store: PlaceStore,
) -> None:
    places = _synthetic_places()
    by_id = {place.id: place for place in places}
    place_store.repository.load_fresh(places)
    for center in SEARCH_CENTERS:
        for radius_m in SEARCH_RADII_M:
            scan = place_store.records.near(center, radius_m)
            ids = _record_ids(scan)
            assert len(ids) == len(set(ids)), "a record is returned twice"
            assert _within(places, center, radius_m) <= set(ids), (center, radius_m)
            assert all(by_id[place_id].status is PlaceStatus.ONLINE for place_id in ids)
            assert all(record == search_record(by_id[record.id]) for record in scan.table.records())
            assert scan.queries >= 1


def test_near_returns_exactly_the_online_places_within_the_radius(
    place_store: PlaceStore,
) -> None:
    places = _synthetic_places()
    assert 300 <= len(places) <= 350
    place_store.repository.load_fresh(places)
    checked = 0
    for center in SEARCH_CENTERS:
        for radius_m in SEARCH_RADII_M:
            expected = _within(places, center, radius_m)
            found = place_store.candidates.near(center, radius_m)
            ids = _ids(found)
            assert len(ids) == len(set(ids)), "a place is returned twice"
            assert set(ids) == expected, (center, radius_m, expected ^ set(ids))
            distances = [haversine_m(center, place.location) for place in found.places]
            assert distances == sorted(distances), "nearest first"
            assert found.items_read >= len(ids)
            assert found.queries >= 1
            checked += len(expected)
    assert checked > 500  # the scenario really exercises the search


def test_never_online_places_are_never_candidates(place_store: PlaceStore) -> None:
    for number, status in enumerate(NOT_ONLINE):
        place_store.repository.add(make_place(f"hidden-{number}", status=status))
    place_store.repository.add(make_place("visible", lat=PARIS.lat + 0.001))

    near = place_store.records.near(PARIS, 1_000)
    assert _record_ids(near) == ["visible"]
    # Not even read: only online places have records, hidden places cost nothing.
    assert near.items_read == 1
    assert _ids(place_store.candidates.near(PARIS, 1_000)) == ["visible"]
    for kind, code in (
        (TerritoryKind.DEPARTMENT, "75"),
        (TerritoryKind.POSTAL_CODE, "75019"),
        (TerritoryKind.CITY_CODE, "75119"),
    ):
        found = place_store.records.in_territory(kind, code)
        assert _record_ids(found) == ["visible"]
        assert found.items_read == 1
        assert _ids(place_store.candidates.in_territory(kind, code)) == ["visible"]


def test_a_place_taken_offline_disappears_and_comes_back(place_store: PlaceStore) -> None:
    repository, records = place_store.repository, place_store.records
    repository.add(make_place("p1", version=1))

    def found() -> tuple[bool, ...]:
        results = [
            records.near(PARIS, 2_000),
            records.in_territory(TerritoryKind.DEPARTMENT, "75"),
            records.in_territory(TerritoryKind.CITY_CODE, "75119"),
        ]
        # Found means read, and not found means not even read (sparse indexes).
        assert [result.items_read for result in results] == [len(r.table) for r in results]
        return tuple("p1" in _record_ids(result) for result in results)

    assert found() == (True, True, True)
    repository.save(make_place("p1", status=PlaceStatus.OFFLINE, version=2), expected_version=1)
    assert found() == (False, False, False)
    repository.save(make_place("p1", status=PlaceStatus.ONLINE, version=3), expected_version=2)
    assert found() == (True, True, True)


def test_a_moved_place_is_found_at_its_new_location_only(place_store: PlaceStore) -> None:
    repository = place_store.repository
    repository.add(make_place("p1"))
    repository.save(
        make_place(
            "p1", lat=LOZERE.lat, lon=LOZERE.lon, department="48", postal_code="48000", version=2
        ),
        expected_version=1,
    )

    candidates = place_store.candidates
    assert _ids(candidates.near(PARIS, 5_000)) == []
    assert _ids(candidates.near(LOZERE, 100)) == ["p1"]
    assert _ids(candidates.in_territory(TerritoryKind.DEPARTMENT, "75")) == []
    assert _ids(candidates.in_territory(TerritoryKind.POSTAL_CODE, "48000")) == ["p1"]


def test_a_place_at_the_centre_is_found_with_a_zero_radius(place_store: PlaceStore) -> None:
    place_store.repository.add(make_place("here"))
    place_store.repository.add(make_place("next-door", lat=PARIS.lat + 0.0001))

    assert _ids(place_store.candidates.near(PARIS, 0)) == ["here"]


def test_near_returns_whole_places(place_store: PlaceStore) -> None:
    place = make_place("p1", categories=["food_distribution", "shower"], languages=["fr", "ar"])
    place_store.repository.add(place)

    assert place_store.candidates.near(PARIS, 1_000).places == [place]


@pytest.mark.parametrize("radius_m", [-1.0, 100_001.0, math.nan])
def test_near_rejects_a_radius_out_of_bounds(place_store: PlaceStore, radius_m: float) -> None:
    with pytest.raises(ValueError, match="radius"):
        place_store.candidates.near(PARIS, radius_m)


def test_in_territory_matches_codes_exactly(place_store: PlaceStore) -> None:
    place_store.repository.load_fresh(
        [
            make_place("paris-19", department="75", postal_code="75019", city_code="75119"),
            make_place("paris-11", department="75", postal_code="75011", city_code="75111"),
            make_place("paris-no-city", department="75", postal_code="75019", city_code=None),
            make_place("mende", department="48", postal_code="48000", city_code="48095"),
            make_place("ajaccio", department="2A", postal_code="20000", city_code="2A004"),
            make_place(
                "paris-offline",
                department="75",
                postal_code="75019",
                city_code="75119",
                status=PlaceStatus.OFFLINE,
            ),
        ]
    )

    def ids(kind: TerritoryKind, code: str) -> list[str]:
        return _ids(place_store.candidates.in_territory(kind, code))

    assert ids(TerritoryKind.DEPARTMENT, "75") == ["paris-11", "paris-19", "paris-no-city"]
    assert ids(TerritoryKind.DEPARTMENT, "48") == ["mende"]
    assert ids(TerritoryKind.DEPARTMENT, "2A") == ["ajaccio"]
    assert ids(TerritoryKind.POSTAL_CODE, "75019") == ["paris-19", "paris-no-city"]
    assert ids(TerritoryKind.POSTAL_CODE, "75011") == ["paris-11"]
    assert ids(TerritoryKind.CITY_CODE, "75119") == ["paris-19"]
    assert ids(TerritoryKind.CITY_CODE, "2A004") == ["ajaccio"]
    # Exact matches only: a department is not a prefix of postal codes, and no code is
    # a wildcard.
    assert ids(TerritoryKind.POSTAL_CODE, "75") == []
    assert ids(TerritoryKind.DEPARTMENT, "7") == []
    assert ids(TerritoryKind.CITY_CODE, "99999") == []
    assert ids(TerritoryKind.DEPARTMENT, "") == []


def test_in_territory_reads_a_large_territory_to_the_end(place_store: PlaceStore) -> None:
    # 700 places on one point with 3,900 letters of description each that compress badly:
    # ~1.7 MB of records in one cell, so many shards and more than one 1 MB Query page.
    rng = random.Random(5)  # noqa: S311 - reproducible data, not secrets
    letters = "abcdefghijklmnopqrstuvwxyz"
    place_store.repository.load_fresh(
        make_place(
            f"p{number:03d}",
            description=" ".join("".join(rng.choices(letters, k=9)) for _ in range(390)),
        )
        for number in range(700)
    )

    found = place_store.records.in_territory(TerritoryKind.DEPARTMENT, "75")

    assert len({record.id for record in found.table.records()}) == len(found.table.records()) == 700
    if place_store.kind == "dynamodb":
        assert found.items_read > 10  # shards of one cell
        assert found.queries >= 2  # pages
    near = place_store.records.near(PARIS, 10)
    assert len(near.table.records()) == 700
    assert len(place_store.candidates.in_territory(TerritoryKind.DEPARTMENT, "75").places) == 700


@pytest.mark.slow
@pytest.mark.usefixtures("dynamodb_tables")
@pytest.mark.parametrize("center", [PARIS, LOZERE], ids=["paris", "lozere"])
def test_dynamodb_reads_little_more_than_the_circle(center: GeoPoint) -> None:
    """Cost with a uniform density: a few Queries, and records read within the planner's
    area bounds (tests/unit/test_geo_cells.py: small circles read the cells around them
    rather than pay for more Queries).

    2,000 places uniform over a 16 km x 16 km square (about 8 per km², Paris-like).
    """
    rng = random.Random(7)  # noqa: S311 - reproducible data, not secrets
    points = [
        offset_point(center, rng.uniform(-8e3, 8e3), rng.uniform(-8e3, 8e3)) for _ in range(2_000)
    ]
    places = [
        make_place(f"u{number:04d}", lat=point.lat, lon=point.lon)
        for number, point in enumerate(points)
    ]
    repository, records = DynamoPlaceRepository(), DynamoSearchRecords()
    repository.load_fresh(places)
    for radius_m, max_queries, max_ratio in ((1_000, 3, 6.0), (2_000, 4, 3.6), (5_000, 5, 2.4)):
        found = records.near(center, radius_m)
        within = len(_within(places, center, radius_m))
        assert within <= len(found.table.records())
        print(  # noqa: T201 - figures for the report (pytest -s)
            f"{center} r={radius_m} within={within} records={len(found.table.records())} "
            f"cells={found.items_read} ratio={len(found.table.records()) / within:.2f} "
            f"queries={found.queries}"
        )
        assert len(found.table.records()) <= max_ratio * within
        assert found.queries <= max_queries
