"""Opening-hours engine at fixed instants: midnight, DST, holidays, temporary hours, closures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.hours.engine import (
    CONTINUATION_DAYS,
    DayHours,
    Interval,
    OpenStatus,
    Schedule,
    day_hours,
    local_instant,
    open_intervals,
    schedule_for_place,
    schedule_for_service,
    state_at,
)
from chalicelib.domain.hours.models import (
    WEEKDAYS,
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import Address, GeoPoint, Place, PlaceStatus, Service
from chalicelib.domain.places.views import open_state

PARIS = ZoneInfo("Europe/Paris")
GUADELOUPE = ZoneInfo("America/Guadeloupe")
_SHORT = {day.value[:3]: day for day in WEEKDAYS}


def slot(text: str) -> TimeSlot:
    """``"09:00-12:30"``, or ``"20:30+"`` for an open-ended slot."""
    if text.endswith("+"):
        return TimeSlot(start=text[:-1])
    start, end = text.split("-")
    return TimeSlot(start=start, end=end)


def week(
    spec: dict[str, list[str]], holidays: HolidayPolicy = HolidayPolicy.UNKNOWN
) -> WeeklyHours:
    """``week({"mon-fri": ["09:00-12:00"], "sun": ["20:30+"]})``; keys may list days with ','."""
    days: dict[str, list[TimeSlot]] = {}
    for key, texts in spec.items():
        for item in key.split(","):
            first, _, last = item.partition("-")
            start = WEEKDAYS.index(_SHORT[first])
            stop = WEEKDAYS.index(_SHORT[last or first])
            for day in WEEKDAYS[start : stop + 1]:
                days[day.value] = [slot(text) for text in texts]
    return WeeklyHours.model_validate({**days, "public_holidays": holidays})


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def closure(start: date, end: date | None = None) -> TemporaryClosure:
    return TemporaryClosure(start_date=start, end_date=end)


def in_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


OFFICE = week({"mon-fri": ["09:00-12:00", "14:00-17:00"]})
NIGHT = week({"mon": ["22:00-02:00"]})


# --- around midnight ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_now", "closes_at", "next_opening"),
    [
        (paris(2026, 3, 2, 21, 59), False, None, paris(2026, 3, 2, 22)),
        (paris(2026, 3, 2, 22), True, paris(2026, 3, 3, 2), None),
        (paris(2026, 3, 2, 23, 59), True, paris(2026, 3, 3, 2), None),
        (paris(2026, 3, 3, 0), True, paris(2026, 3, 3, 2), None),
        (paris(2026, 3, 3, 1, 59), True, paris(2026, 3, 3, 2), None),
        (paris(2026, 3, 3, 2), False, None, paris(2026, 3, 9, 22)),
    ],
)
def test_slot_crossing_midnight_is_open_after_midnight_next_day(
    at: datetime, open_now: bool, closes_at: datetime | None, next_opening: datetime | None
) -> None:
    state = state_at(Schedule(hours=NIGHT), at)

    assert state.open_now is open_now
    assert state.status is (OpenStatus.OPEN if open_now else OpenStatus.CLOSED)
    assert in_utc(state.closes_at) == in_utc(closes_at)
    assert in_utc(state.next_opening) == in_utc(next_opening)


def test_today_is_the_local_date_even_when_open_from_the_previous_day() -> None:
    state = state_at(Schedule(hours=NIGHT), paris(2026, 3, 3, 1))

    assert state.today.day == date(2026, 3, 3)
    assert state.today.intervals == ()
    assert state.today.source == "regular"


def test_todays_hours_show_the_opening_carried_over_from_the_night_before() -> None:
    """Issue 18: Tuesday at 1h, open since Monday 22h: today's hours read "jusqu'à 2h", not
    "fermé" beside "open now"; still so at 3h (it was open until 2h today)."""
    for hour in (1, 3):
        state = state_at(Schedule(hours=NIGHT), paris(2026, 3, 3, hour))
        assert state.today.carried_over is not None
        assert in_utc(state.today.carried_over.start) == in_utc(paris(2026, 3, 2, 22))
        assert in_utc(state.today.carried_over.end) == in_utc(paris(2026, 3, 3, 2))
        view = open_state(state).today
        assert (view.text, view.carried_over_until, view.slots) == ("jusqu'à 2h", "02:00", [])
    # Monday itself shows its own slot; Wednesday carries nothing over.
    monday = open_state(state_at(Schedule(hours=NIGHT), paris(2026, 3, 2, 23))).today
    assert (monday.text, monday.carried_over_until) == ("22h-2h", None)
    assert state_at(Schedule(hours=NIGHT), paris(2026, 3, 4, 1)).today.carried_over is None


def test_an_opening_lasting_past_today_reads_open_all_day() -> None:
    always = week({"mon": ["22:00-02:00"], "tue": ["00:00-24:00"], "wed": ["00:00-08:00"]})
    monday_night = state_at(Schedule(hours=always), paris(2026, 3, 3, 12))
    assert open_state(monday_night).today.text != "fermé"
    slots = week({"mon": ["20:00-06:00"], "tue": ["10:00-12:00"]})
    tuesday = open_state(state_at(Schedule(hours=slots), paris(2026, 3, 3, 5))).today
    assert tuesday.text == "jusqu'à 6h - 10h-12h"


def test_slot_ending_at_24_merges_with_next_day_slot_starting_at_midnight() -> None:
    schedule = Schedule(hours=week({"mon": ["20:00-24:00"], "tue": ["00:00-01:00"]}))

    state = state_at(schedule, paris(2026, 3, 2, 23))

    assert state.open_now
    assert in_utc(state.closes_at) == in_utc(paris(2026, 3, 3, 1))
    intervals = open_intervals(schedule, paris(2026, 3, 2), paris(2026, 3, 4))
    assert [(in_utc(i.start), in_utc(i.end)) for i in intervals] == [
        (in_utc(paris(2026, 3, 2, 20)), in_utc(paris(2026, 3, 3, 1)))
    ]


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        (paris(2026, 3, 2, 20, 29), False),
        (paris(2026, 3, 2, 20, 30), True),
        (paris(2026, 3, 2, 23, 59), True),
        (paris(2026, 3, 3, 0, 0), False),
    ],
)
def test_open_ended_slot_is_open_until_midnight_of_its_day(at: datetime, open_now: bool) -> None:
    state = state_at(Schedule(hours=week({"mon": ["20:30+"]})), at)

    assert state.open_now is open_now
    if open_now:
        assert in_utc(state.closes_at) == in_utc(paris(2026, 3, 3))


def test_open_ended_slot_keeps_its_flag_in_day_hours() -> None:
    today = day_hours(Schedule(hours=week({"mon": ["20:30+"]})), date(2026, 3, 2))

    assert today.slots == (TimeSlot(start="20:30"),)
    assert today.slots[0].end is None


def test_day_hours_lists_slots_in_time_order() -> None:
    hours = WeeklyHours(monday=[slot("14:00-17:00"), slot("09:00-12:00")])

    today = day_hours(Schedule(hours=hours), date(2026, 3, 2))

    assert [s.start for s in today.slots] == ["09:00", "14:00"]
    assert [i.start.hour for i in today.intervals] == [9, 14]


# --- daylight saving time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        # Spring forward, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        (utc(2026, 3, 29, 7, 30), True),  # 09:30 CEST
        (utc(2026, 3, 29, 9, 59), True),  # 11:59 CEST
        (utc(2026, 3, 29, 10, 30), False),  # 12:30 CEST; would be 11:30 with the winter offset
        (utc(2026, 3, 28, 10, 30), True),  # 11:30 CET the day before
        # Fall back, Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC).
        (utc(2026, 10, 25, 10, 30), True),  # 11:30 CET; would be 12:30 with the summer offset
        (utc(2026, 10, 25, 7, 30), False),  # 08:30 CET
        (utc(2026, 10, 24, 9, 30), True),  # 11:30 CEST the day before
        (utc(2026, 10, 24, 10, 30), False),  # 12:30 CEST
    ],
)
def test_regular_slot_follows_the_local_clock_on_dst_days(at: datetime, open_now: bool) -> None:
    schedule = Schedule(hours=week({"mon-sun": ["09:00-12:00"]}))

    assert state_at(schedule, at).open_now is open_now


def test_slot_in_spring_forward_gap_lasts_one_real_hour() -> None:
    schedule = Schedule(hours=week({"sun": ["02:00-04:00"]}))

    (interval,) = day_hours(schedule, date(2026, 3, 29)).intervals

    assert interval.duration == timedelta(hours=1)
    assert in_utc(interval.start) == utc(2026, 3, 29, 1)  # 03:00 CEST, end of the gap
    assert in_utc(interval.end) == utc(2026, 3, 29, 2)  # 04:00 CEST


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        (utc(2026, 3, 29, 0, 59), False),  # 01:59 CET
        (utc(2026, 3, 29, 1, 0), True),  # 03:00 CEST
        (utc(2026, 3, 29, 1, 59), True),  # 03:59 CEST
        (utc(2026, 3, 29, 2, 0), False),  # 04:00 CEST
    ],
)
def test_slot_starting_in_spring_forward_gap_opens_at_end_of_gap(
    at: datetime, open_now: bool
) -> None:
    schedule = Schedule(hours=week({"sun": ["02:00-04:00"]}))

    assert state_at(schedule, at).open_now is open_now


def test_next_opening_before_spring_forward_gap_is_end_of_gap() -> None:
    schedule = Schedule(hours=week({"sun": ["02:30-04:00"]}))

    state = state_at(schedule, paris(2026, 3, 29, 1, 30))

    assert in_utc(state.next_opening) == utc(2026, 3, 29, 1)
    assert state.next_opening is not None
    assert (state.next_opening.hour, state.next_opening.minute) == (3, 0)


def test_slot_entirely_inside_spring_forward_gap_never_opens_that_day() -> None:
    schedule = Schedule(hours=week({"sun": ["02:00-03:00"]}))

    assert day_hours(schedule, date(2026, 3, 29)).intervals == ()
    assert len(day_hours(schedule, date(2026, 4, 5)).intervals) == 1


def test_slot_crossing_midnight_into_spring_forward_gap_closes_at_end_of_gap() -> None:
    schedule = Schedule(hours=week({"sat": ["22:00-02:30"]}))

    state = state_at(schedule, utc(2026, 3, 28, 23))  # 00:00 CET on Sunday

    assert state.open_now
    assert in_utc(state.closes_at) == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert state_at(schedule, utc(2026, 3, 29, 1)).open_now is False


def test_slot_over_fall_back_lasts_four_real_hours_for_three_on_the_clock() -> None:
    schedule = Schedule(hours=week({"sun": ["01:00-04:00"]}))

    (interval,) = day_hours(schedule, date(2026, 10, 25)).intervals

    assert interval.duration == timedelta(hours=4)
    assert in_utc(interval.start) == utc(2026, 10, 24, 23)  # 01:00 CEST
    assert in_utc(interval.end) == utc(2026, 10, 25, 3)  # 04:00 CET


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        (utc(2026, 10, 24, 23, 59), False),  # 01:59 CEST
        (utc(2026, 10, 25, 0, 0), True),  # 02:00 CEST, first occurrence
        (utc(2026, 10, 25, 0, 29), True),  # 02:29 CEST
        (utc(2026, 10, 25, 0, 30), False),  # 02:30 CEST
        (utc(2026, 10, 25, 1, 15), False),  # 02:15 CET, second occurrence
    ],
)
def test_repeated_wall_times_at_fall_back_use_their_first_occurrence(
    at: datetime, open_now: bool
) -> None:
    schedule = Schedule(hours=week({"sun": ["02:00-02:30"]}))

    assert state_at(schedule, at).open_now is open_now


def test_slot_crossing_midnight_over_fall_back_closes_on_winter_time() -> None:
    schedule = Schedule(hours=week({"sat": ["22:00-03:00"]}))

    state = state_at(schedule, utc(2026, 10, 25, 1, 30))  # 02:30 CET, second occurrence

    assert state.open_now
    assert in_utc(state.closes_at) == utc(2026, 10, 25, 2)  # 03:00 CET
    (interval,) = day_hours(schedule, date(2026, 10, 24)).intervals
    assert interval.duration == timedelta(hours=6)


def test_local_instant_resolves_gap_and_fold_times() -> None:
    assert local_instant(date(2026, 3, 29), 2 * 60 + 30, PARIS) == utc(2026, 3, 29, 1)
    assert local_instant(date(2026, 10, 25), 2 * 60 + 30, PARIS) == utc(2026, 10, 25, 0, 30)
    assert local_instant(date(2026, 3, 28), 26 * 60, PARIS) == utc(2026, 3, 29, 1)
    assert local_instant(date(2026, 7, 1), 1440, PARIS) == utc(2026, 7, 1, 22)


# --- public holidays ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "open_now", "source"),
    [
        (HolidayPolicy.CLOSED, False, "holiday_closed"),
        (HolidayPolicy.OPEN, True, "regular"),
        (HolidayPolicy.UNKNOWN, True, "regular"),
    ],
)
def test_labour_day_follows_the_holiday_policy(
    policy: HolidayPolicy, open_now: bool, source: str
) -> None:
    schedule = Schedule(hours=week({"mon-fri": ["09:00-17:00"]}, policy), department_code="75")

    state = state_at(schedule, paris(2026, 5, 1, 10))  # a Friday

    assert state.open_now is open_now
    assert state.holiday == "Fête du Travail"
    assert state.today.holiday == "Fête du Travail"
    assert state.today.source == source


def test_closed_on_holiday_reopens_after_the_weekend() -> None:
    schedule = Schedule(hours=week({"mon-fri": ["09:00-17:00"]}, HolidayPolicy.CLOSED))

    state = state_at(schedule, paris(2026, 5, 1, 10))

    assert state.status is OpenStatus.CLOSED
    assert state.today.slots == ()
    assert in_utc(state.next_opening) == in_utc(paris(2026, 5, 4, 9))


@pytest.mark.parametrize(
    ("department", "holiday", "open_now"),
    [
        ("57", "Saint-Étienne", False),
        ("67", "Saint-Étienne", False),
        ("75", None, True),
        (None, None, True),
    ],
)
def test_st_stephen_is_a_holiday_in_alsace_moselle_only(
    department: str | None, holiday: str | None, open_now: bool
) -> None:
    hours = week({"sat": ["10:00-12:00"]}, HolidayPolicy.CLOSED)
    schedule = Schedule(hours=hours, department_code=department)

    state = state_at(schedule, paris(2026, 12, 26, 11))  # a Saturday

    assert state.holiday == holiday
    assert state.open_now is open_now


def test_slot_crossing_midnight_into_a_closed_holiday_stays_open() -> None:
    schedule = Schedule(hours=week({"thu": ["22:00-02:00"]}, HolidayPolicy.CLOSED))

    state = state_at(schedule, paris(2026, 5, 1, 1))

    assert state.open_now
    assert state.holiday == "Fête du Travail"
    assert in_utc(state.closes_at) == in_utc(paris(2026, 5, 1, 2))


def test_holiday_in_overseas_department_uses_local_calendar_and_zone() -> None:
    hours = week({"wed": ["08:00-12:00"]}, HolidayPolicy.CLOSED)
    guadeloupe = Schedule(hours=hours, timezone="America/Guadeloupe", department_code="971")
    paris_schedule = Schedule(hours=hours, department_code="75")
    at = datetime(2026, 5, 27, 9, tzinfo=GUADELOUPE)  # abolition of slavery day in 971

    assert state_at(guadeloupe, at).holiday == "Abolition de l'esclavage"
    assert state_at(guadeloupe, at).open_now is False
    assert state_at(guadeloupe, at + timedelta(days=7)).open_now is True
    assert state_at(paris_schedule, paris(2026, 5, 27, 9)).open_now is True


def test_temporary_hours_without_holiday_policy_keep_the_regular_closed_policy() -> None:
    temporary = TemporaryHours(
        start_date=date(2026, 4, 20),
        end_date=date(2026, 5, 31),
        hours=week({"fri": ["10:00-12:00"]}),
    )
    schedule = Schedule(
        hours=week({"mon-fri": ["09:00-17:00"]}, HolidayPolicy.CLOSED), temporary_hours=temporary
    )

    today = day_hours(schedule, date(2026, 5, 1))

    assert today.source == "holiday_closed"
    assert day_hours(schedule, date(2026, 5, 8)).source == "holiday_closed"
    assert day_hours(schedule, date(2026, 5, 15)).source == "temporary"


def test_temporary_hours_open_on_holidays_override_regular_closed_policy() -> None:
    temporary = TemporaryHours(
        start_date=date(2026, 4, 20),
        end_date=date(2026, 5, 31),
        hours=week({"fri": ["10:00-12:00"]}, HolidayPolicy.OPEN),
    )
    schedule = Schedule(
        hours=week({"mon-fri": ["09:00-17:00"]}, HolidayPolicy.CLOSED), temporary_hours=temporary
    )

    assert state_at(schedule, paris(2026, 5, 1, 11)).open_now


# --- temporary hours ------------------------------------------------------------------------

SUMMER = TemporaryHours(
    start_date=date(2026, 7, 1),
    end_date=date(2026, 8, 31),
    hours=week({"mon-fri": ["10:00-13:00"], "sat": ["10:00-12:00"]}),
)


@pytest.mark.parametrize(
    ("at", "open_now", "source"),
    [
        (paris(2026, 6, 30, 15), True, "regular"),  # Tuesday before the summer
        (paris(2026, 7, 1, 15), False, "temporary"),  # first day: summer hours
        (paris(2026, 7, 1, 11), True, "temporary"),
        (paris(2026, 7, 4, 11), True, "temporary"),  # Saturday: only in summer
        (paris(2026, 8, 31, 12, 30), True, "temporary"),  # last day, Monday
        (paris(2026, 8, 31, 15), False, "temporary"),
        (paris(2026, 9, 1, 15), True, "regular"),  # back to regular hours
        (paris(2026, 9, 5, 11), False, "regular"),  # Saturday, closed again
    ],
)
def test_temporary_hours_override_regular_hours_inside_their_dates_only(
    at: datetime, open_now: bool, source: str
) -> None:
    schedule = Schedule(hours=OFFICE, temporary_hours=SUMMER)

    state = state_at(schedule, at)

    assert state.open_now is open_now
    assert state.today.source == source


def test_temporary_hours_slots_are_the_ones_shown_for_the_day() -> None:
    today = day_hours(Schedule(hours=OFFICE, temporary_hours=SUMMER), date(2026, 7, 6))

    assert today.slots == (slot("10:00-13:00"),)


# --- temporary closures ---------------------------------------------------------------------

APRIL_CLOSURE = closure(date(2026, 4, 13), date(2026, 4, 19))  # Monday to Sunday


@pytest.mark.parametrize(
    "at",
    [paris(2026, 4, 13, 0), paris(2026, 4, 15, 10), paris(2026, 4, 19, 23, 59)],
)
def test_temporary_closure_with_end_date_reopens_the_day_after(at: datetime) -> None:
    state = state_at(Schedule(hours=OFFICE, closures=(APRIL_CLOSURE,)), at)

    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert state.open_now is False
    assert state.today.source == "temporarily_closed"
    assert state.today.intervals == ()
    assert in_utc(state.next_opening) == in_utc(paris(2026, 4, 20, 9))


@pytest.mark.parametrize(
    ("at", "status"),
    [
        (paris(2026, 4, 10, 10), OpenStatus.OPEN),
        (paris(2026, 4, 20, 10), OpenStatus.OPEN),
        (paris(2026, 4, 20, 13), OpenStatus.CLOSED),
    ],
)
def test_temporary_closure_has_no_effect_outside_its_dates(
    at: datetime, status: OpenStatus
) -> None:
    assert state_at(Schedule(hours=OFFICE, closures=(APRIL_CLOSURE,)), at).status is status


def test_temporary_closure_without_end_date_has_no_next_opening() -> None:
    schedule = Schedule(hours=OFFICE, closures=(closure(date(2026, 4, 13)),))

    state = state_at(schedule, paris(2027, 1, 4, 10))

    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert state.next_opening is None
    assert open_intervals(schedule, paris(2026, 4, 12), paris(2026, 6, 1)) == []


def test_next_opening_is_none_when_a_closure_without_end_date_starts_before_it() -> None:
    schedule = Schedule(hours=week({"mon": ["09:00-12:00"]}), closures=(closure(date(2026, 4, 7)),))

    state = state_at(schedule, paris(2026, 4, 6, 13))  # Monday afternoon, before the closure

    assert state.status is OpenStatus.CLOSED
    assert state.next_opening is None


def test_temporary_closure_cuts_slot_crossing_midnight_at_its_first_midnight() -> None:
    schedule = Schedule(hours=NIGHT, closures=(closure(date(2026, 3, 3), date(2026, 3, 3)),))

    (interval,) = open_intervals(schedule, paris(2026, 3, 2, 12), paris(2026, 3, 3, 12))
    state = state_at(schedule, paris(2026, 3, 3, 0, 30))

    assert in_utc(interval.end) == in_utc(paris(2026, 3, 3))
    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert state.open_now is False
    assert state_at(schedule, paris(2026, 3, 2, 23, 59)).open_now
    assert in_utc(state_at(schedule, paris(2026, 3, 2, 23)).closes_at) == in_utc(paris(2026, 3, 3))


def test_slot_crossing_midnight_after_a_closure_opens_on_its_first_day_back() -> None:
    schedule = Schedule(hours=NIGHT, closures=(closure(date(2026, 3, 1), date(2026, 3, 2)),))

    state = state_at(schedule, paris(2026, 3, 3, 1))

    assert state.status is OpenStatus.CLOSED
    assert in_utc(state.next_opening) == in_utc(paris(2026, 3, 9, 22))


def test_next_opening_skips_chained_place_and_service_closures() -> None:
    closures = (
        closure(date(2026, 4, 13), date(2026, 4, 15)),
        closure(date(2026, 4, 15), date(2026, 4, 21)),
    )
    schedule = Schedule(hours=OFFICE, closures=closures)

    state = state_at(schedule, paris(2026, 4, 14, 10))

    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert in_utc(state.next_opening) == in_utc(paris(2026, 4, 22, 9))


def test_next_opening_after_a_closure_ending_friday_is_monday() -> None:
    schedule = Schedule(hours=OFFICE, closures=(closure(date(2026, 4, 6), date(2026, 4, 10)),))

    state = state_at(schedule, paris(2026, 4, 8, 10))

    assert in_utc(state.next_opening) == in_utc(paris(2026, 4, 13, 9))


# --- next opening, closes at ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "next_opening"),
    [
        (paris(2026, 3, 6, 17), paris(2026, 3, 9, 9)),  # Friday at closing time
        (paris(2026, 3, 7, 12), paris(2026, 3, 9, 9)),  # Saturday
        (paris(2026, 3, 8, 23, 59), paris(2026, 3, 9, 9)),  # Sunday night
        (paris(2026, 3, 9, 12), paris(2026, 3, 9, 14)),  # lunch break
        (paris(2026, 3, 9, 8, 59), paris(2026, 3, 9, 9)),
    ],
)
def test_next_opening_across_the_weekend_and_the_lunch_break(
    at: datetime, next_opening: datetime
) -> None:
    state = state_at(Schedule(hours=OFFICE), at)

    assert state.status is OpenStatus.CLOSED
    assert state.closes_at is None
    assert in_utc(state.next_opening) == in_utc(next_opening)


def test_open_state_gives_closing_time_and_no_next_opening() -> None:
    state = state_at(Schedule(hours=OFFICE), paris(2026, 3, 9, 10))

    assert state.status is OpenStatus.OPEN
    assert in_utc(state.closes_at) == in_utc(paris(2026, 3, 9, 12))
    assert state.next_opening is None


def test_next_opening_is_reported_in_the_schedule_time_zone() -> None:
    state = state_at(Schedule(hours=OFFICE), utc(2026, 3, 7, 12))

    assert state.next_opening is not None
    assert state.next_opening.tzinfo == PARIS
    assert (state.next_opening.day, state.next_opening.hour) == (9, 9)


def test_instant_in_another_time_zone_gives_the_same_state() -> None:
    at = datetime(2026, 3, 9, 4, 30, tzinfo=ZoneInfo("America/New_York"))  # 10:30 in Paris

    state = state_at(Schedule(hours=OFFICE), at)

    assert state.open_now
    assert state.today.day == date(2026, 3, 9)


def test_no_hours_at_all_is_closed_with_no_next_opening() -> None:
    state = state_at(Schedule(hours=WeeklyHours()), paris(2026, 3, 9, 10))

    assert state.status is OpenStatus.CLOSED
    assert state.next_opening is None


def test_open_all_week_round_the_clock_has_no_closing_time() -> None:
    schedule = Schedule(hours=week({"mon-sun": ["00:00-24:00"]}))

    state = state_at(schedule, paris(2026, 3, 9, 10))

    assert state.open_now
    assert state.closes_at is None


def test_closing_time_found_several_days_ahead_when_open_without_break() -> None:
    schedule = Schedule(hours=week({"mon-fri": ["00:00-24:00"]}))

    state = state_at(schedule, paris(2026, 3, 9, 10))

    assert state.closes_at is not None
    assert in_utc(state.closes_at) == in_utc(paris(2026, 3, 14))
    assert CONTINUATION_DAYS >= 5


def test_only_temporary_hours_still_give_a_next_opening() -> None:
    temporary = TemporaryHours(
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 31),
        hours=week({"wed": ["10:00-12:00"]}),
    )
    schedule = Schedule(hours=WeeklyHours(), temporary_hours=temporary)

    state = state_at(schedule, paris(2026, 6, 1, 10))

    assert in_utc(state.next_opening) == in_utc(paris(2026, 7, 1, 10))


def test_next_opening_is_none_beyond_the_search_horizon() -> None:
    temporary = TemporaryHours(
        start_date=date(2028, 1, 1),
        end_date=date(2028, 1, 31),
        hours=week({"mon": ["10:00-12:00"]}),
    )
    schedule = Schedule(hours=WeeklyHours(), temporary_hours=temporary)

    assert state_at(schedule, paris(2026, 6, 1, 10)).next_opening is None


# --- open_intervals -------------------------------------------------------------------------


def test_open_intervals_include_previous_day_spill_and_are_sorted() -> None:
    schedule = Schedule(hours=week({"sun": ["21:00-01:00"], "mon": ["09:00-12:00"]}))

    intervals = open_intervals(schedule, paris(2026, 3, 9), paris(2026, 3, 10))

    assert [(in_utc(i.start), in_utc(i.end)) for i in intervals] == [
        (in_utc(paris(2026, 3, 8, 21)), in_utc(paris(2026, 3, 9, 1))),
        (in_utc(paris(2026, 3, 9, 9)), in_utc(paris(2026, 3, 9, 12))),
    ]


def test_open_intervals_leave_out_intervals_outside_the_window() -> None:
    intervals = open_intervals(Schedule(hours=OFFICE), paris(2026, 3, 9, 12), paris(2026, 3, 9, 14))

    assert intervals == []


def test_open_intervals_are_in_the_schedule_time_zone_and_cover_a_week() -> None:
    intervals = open_intervals(Schedule(hours=OFFICE), utc(2026, 3, 9), utc(2026, 3, 16))

    assert len(intervals) == 10
    assert all(i.start.tzinfo == PARIS for i in intervals)
    assert intervals[0] == Interval(paris(2026, 3, 9, 9), paris(2026, 3, 9, 12))


def test_interval_contains_compares_instants_not_wall_clocks() -> None:
    # 02:00 CEST - 02:30 CET on 2026-10-25: 90 real minutes across the repeated hour.
    interval = Interval(
        utc(2026, 10, 25, 0).astimezone(PARIS), utc(2026, 10, 25, 1, 30).astimezone(PARIS)
    )

    assert interval.contains(utc(2026, 10, 25, 1, 15))  # 02:15 CET
    assert interval.duration == timedelta(minutes=90)


# --- permanently closed, invalid input ------------------------------------------------------


def test_permanently_closed_is_never_open() -> None:
    schedule = Schedule(hours=OFFICE, permanently_closed=True)

    state = state_at(schedule, paris(2026, 3, 9, 10))

    assert state.status is OpenStatus.PERMANENTLY_CLOSED
    assert state.open_now is False
    assert state.closes_at is None
    assert state.next_opening is None
    assert state.today == DayHours(date(2026, 3, 9), (), "regular", None, ())
    assert open_intervals(schedule, paris(2026, 3, 9), paris(2026, 3, 16)) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: state_at(Schedule(hours=OFFICE), datetime(2026, 3, 9, 10)),
        lambda: open_intervals(Schedule(hours=OFFICE), datetime(2026, 3, 9), utc(2026, 3, 10)),
        lambda: open_intervals(Schedule(hours=OFFICE), utc(2026, 3, 9), datetime(2026, 3, 10)),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Schedule(hours=OFFICE, timezone="Europe/Atlantis")


# --- place and services ---------------------------------------------------------------------


def make_place(**changes: object) -> Place:
    base: dict[str, object] = {
        "id": "p1",
        "slug": "accueil-de-jour",
        "name": "Accueil de jour",
        "address": Address(
            street="1 rue de la Paix", postal_code="57000", city="Metz", department_code="57"
        ),
        "location": GeoPoint(lat=49.12, lon=6.18),
        "services": [Service(id="s1", category="food_distribution")],
        "hours": OFFICE,
        "created_at": utc(2026, 1, 1),
        "updated_at": utc(2026, 1, 1),
        "status": PlaceStatus.ONLINE,
    }
    return Place.model_validate({**base, **changes})


SHOWER = Service(id="shower", category="shower", hours=week({"tue,thu": ["08:00-10:00"]}))


def test_schedule_for_place_carries_zone_department_and_temporary_information() -> None:
    place = make_place(temporary_hours=SUMMER, temporary_closure=APRIL_CLOSURE)

    schedule = schedule_for_place(place)

    assert schedule == Schedule(
        hours=OFFICE,
        temporary_hours=SUMMER,
        closures=(APRIL_CLOSURE,),
        timezone="Europe/Paris",
        department_code="57",
        permanently_closed=False,
    )


def test_service_without_own_hours_follows_place_hours_and_temporary_hours() -> None:
    place = make_place(temporary_hours=SUMMER)
    service = place.services[0]

    schedule = schedule_for_service(place, service)

    assert schedule.hours == OFFICE
    assert schedule.temporary_hours == SUMMER
    assert state_at(schedule, paris(2026, 7, 4, 11)).open_now  # summer Saturday


def test_service_with_own_hours_ignores_place_temporary_hours() -> None:
    place = make_place(temporary_hours=SUMMER, services=[SHOWER])

    schedule = schedule_for_service(place, SHOWER)

    assert schedule.temporary_hours is None
    assert state_at(schedule, paris(2026, 7, 7, 9)).open_now  # Tuesday in summer
    assert not state_at(schedule, paris(2026, 7, 6, 11)).open_now  # place open, shower not


def test_place_temporary_closure_closes_its_services() -> None:
    place = make_place(temporary_closure=APRIL_CLOSURE, services=[SHOWER])

    state = state_at(schedule_for_service(place, SHOWER), paris(2026, 4, 14, 9))

    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert in_utc(state.next_opening) == in_utc(paris(2026, 4, 21, 8))


def test_service_closure_applies_on_top_of_place_closure_but_not_to_the_place() -> None:
    shower = SHOWER.model_copy(update={"temporary_closure": closure(date(2026, 4, 20))})
    place = make_place(temporary_closure=APRIL_CLOSURE, services=[shower])

    service_schedule = schedule_for_service(place, shower)

    assert service_schedule.closures == (APRIL_CLOSURE, closure(date(2026, 4, 20)))
    assert state_at(service_schedule, paris(2026, 4, 14, 9)).next_opening is None
    assert state_at(schedule_for_place(place), paris(2026, 4, 21, 9)).open_now


def test_permanently_closed_place_makes_every_service_permanently_closed() -> None:
    place = make_place(status=PlaceStatus.PERMANENTLY_CLOSED, services=[SHOWER])

    state = state_at(schedule_for_service(place, SHOWER), paris(2026, 4, 14, 9))

    assert state.status is OpenStatus.PERMANENTLY_CLOSED
    assert state_at(schedule_for_place(place), paris(2026, 4, 14, 9)).open_now is False


def test_place_in_moselle_is_closed_on_st_stephen_when_closed_on_holidays() -> None:
    hours = week({"mon-sat": ["09:00-17:00"]}, HolidayPolicy.CLOSED)
    place = make_place(hours=hours)

    state = state_at(schedule_for_place(place), paris(2026, 12, 26, 10))

    assert state.holiday == "Saint-Étienne"
    assert state.today.source == "holiday_closed"
    assert in_utc(state.next_opening) == in_utc(paris(2026, 12, 28, 9))


# --- a service's own temporary hours (issue 18, point 7) ------------------------------------

# The shower's own temporary hours, 6-10 July 2026 (Monday to Friday): afternoons only.
SHOWER_JULY = TemporaryHours(
    start_date=date(2026, 7, 6),
    end_date=date(2026, 7, 10),
    hours=week({"mon-fri": ["15:00-18:00"]}),
)
JULY_CLOSURE = closure(date(2026, 7, 9), date(2026, 7, 9))  # Thursday
CLOSED_ON_HOLIDAYS = week({"mon-fri": ["09:00-12:00", "14:00-17:00"]}, HolidayPolicy.CLOSED)
# 14 July 2026 (a Tuesday) is Bastille Day.
BASTILLE_WEEK = TemporaryHours(
    start_date=date(2026, 7, 13),
    end_date=date(2026, 7, 17),
    hours=week({"mon-fri": ["15:00-18:00"]}),
)


def _service(**fields: object) -> Service:
    return Service.model_validate({"id": "shower", "category": "shower", **fields})


@pytest.mark.parametrize(
    ("case", "place_fields", "service_fields", "at", "open_now", "source"),
    [
        # Follows the place (no hours of its own): own temporary hours win over the place's
        # regular hours...
        (
            "own over place regular",
            {},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 6, 10),
            False,
            "temporary",
        ),
        (
            "own slot open",
            {},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 6, 16),
            True,
            "temporary",
        ),
        # ... and over the place's temporary hours (SUMMER: 10:00-13:00 in July).
        (
            "own over place temporary",
            {"temporary_hours": SUMMER},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 7, 11),
            False,
            "temporary",
        ),
        (
            "own over place temporary, open",
            {"temporary_hours": SUMMER},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 7, 16),
            True,
            "temporary",
        ),
        # Outside its dates the service follows the place's temporary hours again.
        (
            "place temporary after own",
            {"temporary_hours": SUMMER},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 13, 11),
            True,
            "temporary",
        ),
        (
            "place regular before own",
            {},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 3, 10),
            True,
            "regular",
        ),
        # With hours of its own: own temporary hours win over them within their dates only.
        (
            "own over own regular",
            {},
            {"hours": week({"mon-fri": ["08:00-10:00"]}), "temporary_hours": SHOWER_JULY},
            paris(2026, 7, 6, 9),
            False,
            "temporary",
        ),
        (
            "own regular after",
            {},
            {"hours": week({"mon-fri": ["08:00-10:00"]}), "temporary_hours": SHOWER_JULY},
            paris(2026, 7, 13, 9),
            True,
            "regular",
        ),
        # Closures win over own temporary hours: the place's and the service's.
        (
            "place closure wins",
            {"temporary_closure": JULY_CLOSURE},
            {"temporary_hours": SHOWER_JULY},
            paris(2026, 7, 9, 16),
            False,
            "temporarily_closed",
        ),
        (
            "service closure wins",
            {},
            {"temporary_hours": SHOWER_JULY, "temporary_closure": JULY_CLOSURE},
            paris(2026, 7, 9, 16),
            False,
            "temporarily_closed",
        ),
        # Holidays: UNKNOWN policy inherits the regular one (the place's, followed)...
        (
            "holiday inherited closed",
            {"hours": CLOSED_ON_HOLIDAYS},
            {"temporary_hours": BASTILLE_WEEK},
            paris(2026, 7, 14, 16),
            False,
            "holiday_closed",
        ),
        (
            "day after holiday",
            {"hours": CLOSED_ON_HOLIDAYS},
            {"temporary_hours": BASTILLE_WEEK},
            paris(2026, 7, 15, 16),
            True,
            "temporary",
        ),
        # ... or the service's own regular hours' policy when it has some.
        (
            "holiday inherited from own hours",
            {"hours": CLOSED_ON_HOLIDAYS},
            {
                "hours": week({"mon-fri": ["08:00-10:00"]}, HolidayPolicy.OPEN),
                "temporary_hours": BASTILLE_WEEK,
            },
            paris(2026, 7, 14, 16),
            True,
            "temporary",
        ),
        # An explicit OPEN policy on the temporary hours overrides an inherited CLOSED one.
        (
            "explicit open on holiday",
            {"hours": CLOSED_ON_HOLIDAYS},
            {
                "temporary_hours": BASTILLE_WEEK.model_copy(
                    update={"hours": week({"mon-fri": ["15:00-18:00"]}, HolidayPolicy.OPEN)}
                )
            },
            paris(2026, 7, 14, 16),
            True,
            "temporary",
        ),
    ],
)
def test_a_services_own_temporary_hours_precedence(
    *,
    case: str,
    place_fields: dict[str, object],
    service_fields: dict[str, object],
    at: datetime,
    open_now: bool,
    source: str,
) -> None:
    service = _service(**service_fields)
    place = make_place(services=[service], **place_fields)

    state = state_at(schedule_for_service(place, service), at)

    assert (state.open_now, state.today.source) == (open_now, source), case


def test_a_services_own_temporary_hours_leave_the_place_and_other_services_alone() -> None:
    shower = _service(temporary_hours=SHOWER_JULY)
    other = Service(id="s1", category="food_distribution")
    place = make_place(services=[shower, other], temporary_hours=SUMMER)
    morning = paris(2026, 7, 7, 11)

    assert state_at(schedule_for_place(place), morning).open_now is True
    assert state_at(schedule_for_service(place, other), morning).open_now is True
    assert state_at(schedule_for_service(place, shower), morning).open_now is False
    assert in_utc(state_at(schedule_for_service(place, shower), morning).next_opening) == in_utc(
        paris(2026, 7, 7, 15)
    )


def test_a_permanently_closed_place_has_no_service_open_on_its_own_temporary_hours() -> None:
    shower = _service(temporary_hours=SHOWER_JULY)
    place = make_place(services=[shower], status=PlaceStatus.PERMANENTLY_CLOSED)

    state = state_at(schedule_for_service(place, shower), paris(2026, 7, 6, 16))

    assert state.status is OpenStatus.PERMANENTLY_CLOSED
    assert state.open_now is False


def test_only_own_temporary_hours_still_give_a_next_opening() -> None:
    shower = _service(hours=WeeklyHours(), temporary_hours=SHOWER_JULY)
    place = make_place(services=[shower])

    state = state_at(schedule_for_service(place, shower), paris(2026, 7, 1, 10))

    assert in_utc(state.next_opening) == in_utc(paris(2026, 7, 6, 15))
