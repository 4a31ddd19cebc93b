"""Randomized comparison: OpenSearch (evaluator) against the DynamoDB backend's service (over the
in-memory search records, which pass the same record-source contract as DynamoDB's search
cells), on synthetic places, random searches at random instants, every page of each.

Searches where a place lies within 5 cm of the radius, or two places' distances differ by less
than 5 cm, are skipped: there OpenSearch's 32-bit point encoding may legitimately differ
(docs/opensearch.md, "Known, bounded differences"); the test counts how few they are.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.models import (
    AUDIENCE_VALUES,
    ModalityFilter,
    OpenFilter,
    SearchQuery,
    Territory,
)
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.search.service import SearchService
from chalicelib.domain.search.text import words
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import leaflet_places, synthetic_places
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords
from tests.opensearch_eval import Cluster
from tests.opensearch_support import evaluator_index

NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
TOLERANCE_M = 0.05


def near_a_boundary(query: SearchQuery, places: list[Place]) -> bool:
    if query.center is None:
        return False
    distances = sorted(
        haversine_m(query.center, place.location)
        for place in places
        if place.status is PlaceStatus.ONLINE
    )
    if any(abs(distance - query.radius_m) < TOLERANCE_M for distance in distances):
        return True
    inside = [distance for distance in distances if distance <= query.radius_m]
    return any(0 < later - earlier < TOLERANCE_M for earlier, later in itertools.pairwise(inside))


def random_query(rng: random.Random, places: list[Place], vocabulary: list[str]) -> SearchQuery:
    place = rng.choice(places)
    fields: dict[str, object] = {}
    if rng.random() < 0.7:
        fields["center"] = GeoPoint(
            lat=place.location.lat + rng.uniform(-0.02, 0.02),
            lon=place.location.lon + rng.uniform(-0.02, 0.02),
        )
        fields["radius_m"] = rng.choice([500.0, 2000.0, 5000.0, 30000.0])
    else:
        kind = rng.choice(list(TerritoryKind))
        address = place.address
        code = {
            TerritoryKind.DEPARTMENT: address.department_code,
            TerritoryKind.POSTAL_CODE: address.postal_code,
            TerritoryKind.CITY_CODE: address.city_code or "75101",
        }[kind]
        fields["territory"] = Territory(kind, code)
    if rng.random() < 0.4:
        categories = [category.id for category in default_taxonomy().all()]
        fields["categories"] = tuple(rng.sample(categories, rng.randint(1, 2)))
    if rng.random() < 0.5:
        chosen = rng.sample(vocabulary, rng.randint(1, 2))
        typed = [
            w if rng.random() < 0.5 else (w[:-1] if rng.random() < 0.5 else w[:4]) for w in chosen
        ]
        fields["text"] = " ".join(typed)
    fields["open"] = rng.choice(list(OpenFilter))
    if rng.random() < 0.2:
        fields["audiences"] = (rng.choice(AUDIENCE_VALUES),)
    if rng.random() < 0.2:
        fields["modalities"] = (rng.choice(list(ModalityFilter)),)
    if rng.random() < 0.1:
        fields["languages"] = (rng.choice(["fr", "en", "ar"]),)
    fields["limit"] = rng.choice([3, 10, 50])
    return SearchQuery(**fields)  # type: ignore[arg-type]


def test_opensearch_gives_the_dynamodb_backends_pages_on_random_searches() -> None:
    rng = random.Random(20261201)  # noqa: S311 - test data
    clock = FixedClock(NOW)
    places = [
        *synthetic_places(120, seed=3, now=NOW, departments=["75", "93", "48"]),
        *leaflet_places(NOW),
    ]
    taxonomy = default_taxonomy()
    index = evaluator_index(clock, cluster=Cluster(validate_bodies=False))
    index.add(places)
    repository = InMemoryPlaceRepository()
    repository.load_fresh(places)
    reference = SearchService(
        InMemorySearchRecords(repository.places), taxonomy, clock, "https://x"
    )
    opensearch = OpenSearchPlaceSearch(index.index, taxonomy, clock, "https://x")
    vocabulary = sorted({w for p in places for w in words(p.name) + words(p.organisation or "")})
    compared = skipped = pages = 0
    for _ in range(40):
        clock.set(NOW + timedelta(minutes=rng.randint(-600, 3 * 24 * 60)))
        query = random_query(rng, places, vocabulary)
        if near_a_boundary(query, places):
            skipped += 1
            continue
        compared += 1
        expected_query = actual_query = query
        for _ in range(5):
            expected = reference.search(expected_query)
            actual = opensearch.search(actual_query)
            pages += 1
            assert [r.id for r in actual.results] == [r.id for r in expected.results], query
            assert actual.results == expected.results
            assert (actual.total, actual.facets) == (expected.total, expected.facets)
            assert (actual.next_cursor is None) == (expected.next_cursor is None)
            if expected.next_cursor is None:
                break
            expected_query = replace(query, cursor=expected.next_cursor)
            actual_query = replace(query, cursor=actual.next_cursor)
        if rng.random() < 0.15:
            department = rng.choice(["75", "93", "48"])
            arguments = (department, query.categories, query.open, 5)
            assert opensearch.department_listing(*arguments) == reference.department_listing(
                *arguments
            )
    assert compared >= 36 and skipped <= 4
    assert pages > compared
    index.close()
