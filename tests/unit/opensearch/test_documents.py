"""Documents: the precomputed time ranges answer open=now/today/not_closed exactly as the domain
does at query time, at every instant of the hours window (DST change, midnight, closures)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.adapters.opensearch.documents import hours_window, iso, place_document
from chalicelib.adapters.opensearch.mapping import MAPPINGS
from chalicelib.domain.hours.models import TemporaryClosure, TimeSlot, WeeklyHours
from chalicelib.domain.places.models import PRIVATE_FIELDS, Place, PlaceStatus, Service
from chalicelib.domain.search.models import OpenFilter
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import synthetic_places
from tests.builders import make_full_place, make_place
from tests.opensearch_eval import Mapping, parse_millis
from tests.reference_search import _passes_open_filter

TAXONOMY = default_taxonomy()
DAYS = 8


def contains(ranges: list[dict[str, str]], instant: datetime) -> bool:
    at = parse_millis(iso(instant))
    return any(
        parse_millis(r["gte"]) <= at and ("lt" not in r or at < parse_millis(r["lt"]))
        for r in ranges
    )


def check_place(place: Place, indexed_at: datetime, instants: list[datetime]) -> None:
    document = place_document(place, TAXONOMY, at=indexed_at, days=DAYS)
    window = document["hours_window"]
    for instant in instants:
        assert contains([window], instant), f"{instant} outside the hours window"
        expected = {
            wanted: _passes_open_filter(place, None, wanted, instant)[0]
            for wanted in (OpenFilter.NOW, OpenFilter.TODAY, OpenFilter.NOT_CLOSED)
        }
        assert contains(document["open"], instant) == expected[OpenFilter.NOW], instant
        assert contains(document["open_today"], instant) == expected[OpenFilter.TODAY], instant
        assert (not contains(document["closed"], instant)) == expected[OpenFilter.NOT_CLOSED]
        for service, nested in zip(place.services, document["services"], strict=True):
            for wanted, field in ((OpenFilter.NOW, "open"), (OpenFilter.TODAY, "open_today")):
                passes = _passes_open_filter(place, service, wanted, instant)[0]
                assert contains(nested[field], instant) == passes, (service.id, wanted, instant)
            not_closed = _passes_open_filter(place, service, OpenFilter.NOT_CLOSED, instant)[0]
            assert (not contains(nested["closed"], instant)) == not_closed


def instants_between(start: datetime, end: datetime, seed: int) -> list[datetime]:
    """Every half hour exactly, and once a few seconds off within each half hour."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    found = []
    current = start
    while current < end:
        found += [current, current + timedelta(seconds=rng.randint(1, 1799))]
        current += timedelta(minutes=30)
    return found


def test_time_ranges_agree_with_the_domain_across_a_dst_change() -> None:
    indexed_at = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # the Friday before the change
    synthetic = synthetic_places(30, seed=11, now=indexed_at)
    places = [place for place in synthetic if place.status is PlaceStatus.ONLINE][:8]
    gap_hours = WeeklyHours(
        sunday=[TimeSlot(start="01:00", end="04:00"), TimeSlot(start="22:00", end="02:00")],
        saturday=[TimeSlot(start="23:30", end="02:30")],
    )
    places.append(make_place("gap", hours=gap_hours))
    start, _ = hours_window(indexed_at, DAYS)
    instants = instants_between(
        datetime(2026, 3, 27, 23, 0, tzinfo=UTC), datetime(2026, 3, 30, 2, 0, tzinfo=UTC), 5
    )
    assert start < instants[0]
    for place in places:
        check_place(place, indexed_at, instants)


def test_time_ranges_agree_with_the_domain_around_closures_and_midnight() -> None:
    indexed_at = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
    nights = WeeklyHours(
        **{
            day: [TimeSlot(start="22:00", end="02:00")]
            for day in ("monday", "tuesday", "wednesday")
        }
    )
    once = TemporaryClosure(start_date=date(2026, 12, 3), end_date=date(2026, 12, 3))
    never_lifted = TemporaryClosure(start_date=date(2026, 12, 4))
    shower = Service(
        id="s1", category="shower", hours=WeeklyHours(wednesday=[TimeSlot(start="08:00")])
    )
    meals = Service(
        id="s2",
        category="seated_meal",
        temporary_closure=TemporaryClosure(
            start_date=date(2026, 12, 2), end_date=date(2026, 12, 2)
        ),
    )
    places = [
        make_place("nights", hours=nights, temporary_closure=once),
        make_place("open-ended", hours=nights, temporary_closure=never_lifted),
        make_place("service-hours", services=[shower, meals], hours=nights),
        make_full_place(),
    ]
    instants = instants_between(
        datetime(2026, 11, 30, 23, 0, tzinfo=UTC), datetime(2026, 12, 5, 0, 0, tzinfo=UTC), 6
    )
    for place in places:
        check_place(place, indexed_at, instants)


def test_the_window_covers_the_local_days_of_the_coming_week() -> None:
    indexed_at = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
    document = place_document(make_place(), TAXONOMY, at=indexed_at, days=DAYS)
    assert document["hours_window"] == {
        "gte": "2026-11-30T23:00:00.000Z",  # midnight of Tuesday 1 December in Paris
        "lt": "2026-12-07T23:00:00.000Z",  # the end of Monday 7 December in Paris
    }


@pytest.mark.parametrize(
    "status", [PlaceStatus.DRAFT, PlaceStatus.OFFLINE, PlaceStatus.PERMANENTLY_CLOSED]
)
def test_a_place_that_is_not_online_becomes_a_bare_tombstone(status: PlaceStatus) -> None:
    place = make_full_place(status=status)
    document = place_document(place, TAXONOMY, at=datetime(2026, 1, 1, tzinfo=UTC), days=DAYS)
    assert document == {"id": place.id, "version": place.version, "status": status.value}


def test_documents_never_carry_private_fields_and_fit_the_strict_mapping() -> None:
    place = make_full_place(internal_note="SECRET-NOTE")
    document = place_document(place, TAXONOMY, at=datetime(2026, 1, 1, tzinfo=UTC), days=DAYS)
    assert "SECRET-NOTE" not in str(document)
    assert "internal_note" not in document["place"]
    Mapping.from_body(MAPPINGS).index(document)  # raises on a field the mapping lacks
    stored = Place.model_validate(document["place"])
    assert stored.model_dump(exclude=set(PRIVATE_FIELDS)) == place.model_dump(
        exclude=set(PRIVATE_FIELDS)
    )
    assert document["category_paths"] == ["food_distribution", "food", "shower", "hygiene"]
    assert document["name_sort"] == "lieu full 1"
    assert document["words_organisation"] == ["les", "restos", "du", "coeur"]
