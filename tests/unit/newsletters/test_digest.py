"""The weekly digest of a department, from a scripted week of changes (fixed instants)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.newsletters.models import DigestExport, IssueWeek
from chalicelib.domain.places.models import PlaceStatus
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.newsletter_support import FixedExports, write

WEEK = IssueWeek.parse("2026-W47")  # Monday 16 to Sunday 22 November 2026
BEFORE = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # the first instant of the week
TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SUNDAY_LATE = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # already the next week
CLOSURE = {"start_date": date(2026, 11, 18), "end_date": date(2026, 11, 30), "reason": "Travaux"}
EXPORT = DigestExport(
    title="Où manger à Paris",
    format="pdf",
    url="https://api.repere.example.org/exports/75-pdf/download",
    data_date=date(2026, 11, 16),
)


def scripted_week() -> InMemoryPlaceRepository:
    store = InMemoryPlaceRepository()

    def place(place_id: str, status: PlaceStatus = PlaceStatus.ONLINE, **fields: Any) -> None:
        write(store, make_place(place_id, name=f"Lieu {place_id}", status=status, **fields), BEFORE)

    place("a-closes")
    place("b-ends", city="Paris")
    place("c-draft", PlaceStatus.DRAFT)
    place("d-offline", PlaceStatus.OFFLINE)
    place("e-message")
    place("f-hours")
    place("g-reopens", temporary_closure=CLOSURE | {"start_date": date(2026, 11, 1)})
    place("j-blip")
    place("k-untouched")
    place("m-other-dep", department="93", postal_code="93200", city_code="93066")
    place("p-draft-closure", PlaceStatus.DRAFT)

    write(store, make_place("n-new", name="Lieu n-new"), TUESDAY)  # created online this week
    write(store, store.get("c-draft"), MONDAY, status=PlaceStatus.ONLINE)
    write(store, store.get("d-offline"), TUESDAY, status=PlaceStatus.ONLINE)
    write(store, store.get("g-reopens"), TUESDAY, temporary_closure=None)
    write(store, store.get("a-closes"), TUESDAY, temporary_closure=CLOSURE)
    write(store, store.get("b-ends"), FRIDAY, status=PlaceStatus.PERMANENTLY_CLOSED)
    write(
        store,
        store.get("e-message"),
        FRIDAY,
        temporary_message={"start_date": date(2026, 11, 20), "text": "Distribution à 14 h"},
    )
    write(
        store,
        store.get("f-hours"),
        SUNDAY_LATE,
        temporary_hours={"start_date": date(2026, 11, 23), "hours": {}},
    )
    # Closed and reopened within the week: no news.
    write(store, store.get("j-blip"), TUESDAY, temporary_closure=CLOSURE)
    write(store, store.get("j-blip"), FRIDAY, temporary_closure=None)
    write(store, store.get("m-other-dep"), TUESDAY, temporary_closure=CLOSURE)
    write(store, store.get("p-draft-closure"), TUESDAY, temporary_closure=CLOSURE)
    # After the week: belongs to the next issue, and does not undo this one's news.
    write(store, store.get("f-hours"), NEXT_MONDAY, temporary_hours=None)
    write(store, store.get("k-untouched"), NEXT_MONDAY, temporary_closure=CLOSURE)
    return store


def sections(store: InMemoryPlaceRepository, department: str = "75") -> dict[str, list[str]]:
    builder = DigestBuilder(store, FixedExports([EXPORT]), site_url="https://repere.example.org")
    digest = builder.build(department, WEEK)
    return {s.key: [p.id for p in s.places] for s in digest.sections}


def test_the_digest_lists_each_kind_of_change_of_the_week() -> None:
    assert sections(scripted_week()) == {
        "newly_online": ["c-draft", "n-new"],
        "reopened": ["d-offline", "g-reopens"],
        "temporarily_closed": ["a-closes"],
        "permanently_closed": ["b-ends"],
        "temporary_messages": ["e-message"],
        "temporary_hours": ["f-hours"],
    }


def test_the_digest_counts_links_places_and_exports() -> None:
    store = scripted_week()
    builder = DigestBuilder(store, FixedExports([EXPORT]), site_url="https://repere.example.org")
    digest = builder.build("75", WEEK)
    assert digest.issue_id == "newsletter:75:2026-W47"
    assert (digest.week_start, digest.week_end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert digest.total == 8
    assert {s.key: s.count for s in digest.sections}["reopened"] == 2
    closed = next(s for s in digest.sections if s.key == "temporarily_closed").places[0]
    assert closed.url == "https://repere.example.org/fiche/a-closes"
    assert closed.detail == "2026-11-18 → 2026-11-30 : Travaux"
    message = next(s for s in digest.sections if s.key == "temporary_messages").places[0]
    assert message.detail == "2026-11-20 → : Distribution à 14 h"
    assert digest.exports == [EXPORT]


def test_another_department_gets_its_own_changes_only() -> None:
    assert sections(scripted_week(), "93") == {
        "newly_online": [],
        "reopened": [],
        "temporarily_closed": ["m-other-dep"],
        "permanently_closed": [],
        "temporary_messages": [],
        "temporary_hours": [],
    }


def test_weeks_are_iso_weeks_and_monday_sends_the_last_complete_one() -> None:
    assert IssueWeek.before(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)).label == "2026-W47"
    assert WEEK.start == MONDAY
    assert WEEK.end == NEXT_MONDAY
    with pytest.raises(InvalidInput):
        IssueWeek.parse("2026-W60")
    with pytest.raises(InvalidInput):
        IssueWeek.parse("2026-47")
