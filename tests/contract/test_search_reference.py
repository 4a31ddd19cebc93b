"""The record-based search gives exactly what the Place-based search gave.

``SearchService`` now filters, orders and counts compact search records and decodes only the
page's places; ``tests/reference_search.py`` is the search as it was, every candidate a
``Place`` and every open filter the hours engine's ``state_at``. On synthetic places and the
leaflet's, random searches at random instants (including both DST changes and public
holidays) must give the same ids, order, summaries, totals, facets and cursors, page after page
— over the in-memory records, and over DynamoDB's search cells on moto.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.ports import PlaceSearch, SearchRecordSource
from chalicelib.domain.search.service import SearchService
from chalicelib.domain.search.text import words
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import leaflet_places, synthetic_places
from tests.contract.test_search_differential import random_query
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository, InMemorySearchRecords
from tests.reference_search import ReferenceSearch

NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
INSTANTS = [
    NOW,
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # spring forward in Paris (01:00 UTC)
    datetime(2026, 3, 29, 1, 10, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 40, tzinfo=UTC),  # fall back (01:00 UTC): 02:40 CEST
    datetime(2026, 10, 25, 1, 40, tzinfo=UTC),  # 02:40 CET, the repeated hour
    datetime(2026, 5, 1, 10, 0, tzinfo=UTC),  # Fête du Travail
    datetime(2026, 12, 26, 10, 0, tzinfo=UTC),  # St Stephen: a holiday in 57, 67, 68 only
    datetime(2026, 12, 25, 22, 59, tzinfo=UTC),  # Christmas night, a minute to midnight
]


def _places() -> list[Place]:
    """Synthetic places of six departments (Alsace-Moselle's extra holidays included), the
    leaflet's, and 30 moved to Guadeloupe (another time zone, another holiday calendar)."""
    places = [
        *synthetic_places(240, seed=11, now=NOW, departments=["75", "93", "57", "67", "48"]),
        *leaflet_places(NOW),
    ]
    overseas = [
        place.model_copy(
            update={
                "id": f"gp-{number}",
                "timezone": "America/Guadeloupe",
                "address": place.address.model_copy(
                    update={"department_code": "971", "postal_code": "97110", "city_code": None}
                ),
            }
        )
        for number, place in enumerate(synthetic_places(30, seed=12, now=NOW))
    ]
    return places + overseas


def _compare(
    records: SearchRecordSource, places: list[Place], searches: int, seed: int
) -> tuple[int, int]:
    rng = random.Random(seed)  # noqa: S311 - test data
    clock = FixedClock(NOW)
    taxonomy = default_taxonomy()
    memory = InMemoryPlaceRepository()
    memory.load_fresh(places)
    expected_engine: PlaceSearch = ReferenceSearch(
        InMemoryCandidateSource(memory.places), taxonomy, clock, "https://x"
    )
    actual_engine: PlaceSearch = SearchService(records, taxonomy, clock, "https://x")
    vocabulary = sorted({w for p in places for w in words(p.name) + words(p.organisation or "")})
    pages = results = 0
    for _ in range(searches):
        instant = rng.choice(INSTANTS) + timedelta(minutes=rng.choice([0, 0, 17, -45, 600]))
        clock.set(instant)
        query = random_query(rng, places, vocabulary)
        expected_query = actual_query = query
        for _ in range(4):
            expected = expected_engine.search(expected_query)
            actual = actual_engine.search(actual_query)
            pages += 1
            results += len(expected.results)
            assert [r.id for r in actual.results] == [r.id for r in expected.results], (
                query,
                instant,
            )
            assert actual.results == expected.results
            assert (actual.total, actual.facets) == (expected.total, expected.facets)
            assert actual.next_cursor == expected.next_cursor
            if expected.next_cursor is None:
                break
            expected_query = actual_query = replace(query, cursor=expected.next_cursor)
        if rng.random() < 0.2:
            department = rng.choice(["75", "93", "57", "67", "971"])
            arguments = (department, query.categories, query.open, 4)
            assert actual_engine.department_listing(
                *arguments
            ) == expected_engine.department_listing(*arguments)
    return pages, results


def test_in_memory_records_search_like_the_place_based_reference() -> None:
    places = _places()
    repository = InMemoryPlaceRepository()
    repository.load_fresh(places)
    pages, results = _compare(InMemorySearchRecords(repository.places), places, 160, seed=1)
    assert pages > 160
    assert results > 1000  # the searches really return places


@pytest.mark.usefixtures("dynamodb_tables")
def test_dynamodb_search_cells_search_like_the_place_based_reference() -> None:
    places = _places()
    DynamoPlaceRepository().load_fresh(places)
    pages, results = _compare(DynamoSearchRecords(), places, 60, seed=2)
    assert pages > 60
    assert results > 300
