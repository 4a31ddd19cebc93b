"""``open_today`` counts a place whose service opens that day on its own temporary hours
(issue 18, point 7), as it counts one whose service has hours of its own."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.hours.models import TemporaryHours, TimeSlot, WeeklyHours
from chalicelib.domain.places.models import Service
from chalicelib.domain.stats.snapshot import is_open_on
from tests.builders import make_place

SUNDAY = date(2026, 12, 6)
WEEKDAYS_ONLY = WeeklyHours(monday=[TimeSlot(start="09:00", end="12:00")])


def test_a_service_open_on_its_own_temporary_hours_makes_the_place_open_that_day() -> None:
    sunday_distribution = TemporaryHours(
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
        hours=WeeklyHours(sunday=[TimeSlot(start="12:00", end="14:00")]),
    )
    plain = make_place("p", hours=WEEKDAYS_ONLY)
    with_own = make_place(
        "p",
        hours=WEEKDAYS_ONLY,
        services=[
            Service(id="s1", category="food_distribution", temporary_hours=sunday_distribution)
        ],
    )

    assert is_open_on(plain, SUNDAY) is False
    assert is_open_on(with_own, SUNDAY) is True
    assert is_open_on(with_own, date(2027, 1, 3)) is False  # a Sunday after their dates
