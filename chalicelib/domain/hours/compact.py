"""Opening hours compiled to plain integers, and the open state computed from them.

Search evaluates "open now" and "open today" for thousands of places per request. Building a
``Schedule`` from a validated ``Place`` and asking ``engine.state_at`` costs ~100 µs a place;
this module answers the same two questions from a compiled form (lists of integers, JSON-able,
stored in the search record) in about a microsecond, with the engine's own rules:

* precedence of a day: a temporary closure covering it → a public holiday with an effective
  policy "closed" → temporary hours covering it → the weekly hours;
* a slot belongs to the day it starts on; an open-ended slot lasts until midnight of its day;
  a slot spilling into a temporarily closed date stops at that date's midnight;
* wall-clock times become instants through ``engine.local_instant`` itself (memoised per
  search), so the DST gap and overlap are resolved exactly as the engine resolves them.

``tests/unit/hours/test_compact.py`` holds a hypothesis property that compares both on
generated schedules (closures with and without end, temporary hours, overnight and open-ended
slots, holidays per department, both DST changes, services with their own hours).

Compiled forms (all JSON-able):

* week: ``[holiday_closed, monday, ..., sunday]``; ``holiday_closed`` is 1 when the week's
  effective public-holiday policy is CLOSED; each day is a flat list ``[start, end, ...]`` of
  minutes after that day's midnight, sorted by start (``end`` > 1440 crosses midnight; an
  open-ended slot ends at 1440);
* period: ``[first_day, last_day]`` as ``date.toordinal()``, ``last_day`` None for "until lifted";
* temporary: ``[first_day, last_day, week]``;
* schedule: ``[week, temporary, closures]`` or ``[week, temporary, closures, own_temporary]``:
  ``temporary`` is a temporary or None, ``closures`` a list of periods (the place's closure,
  and the service's own), ``own_temporary`` a service's own temporary hours (present only for
  a service that has some: within its dates it wins over ``temporary``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from chalicelib.domain.hours.engine import local_instant
from chalicelib.domain.hours.holidays import holiday_name
from chalicelib.domain.hours.models import (
    WEEKDAYS,
    DatedPeriod,
    HolidayPolicy,
    TemporaryHours,
    WeeklyHours,
)
from chalicelib.domain.places.models import DEFAULT_TIMEZONE

CompiledWeek: TypeAlias = list[Any]
CompiledPeriod: TypeAlias = list[Any]
CompiledSchedule: TypeAlias = list[Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MIDNIGHT = 1440


def compile_week(hours: WeeklyHours, holiday_closed: bool) -> CompiledWeek:
    days: list[list[int]] = []
    for weekday in WEEKDAYS:
        flat: list[int] = []
        for slot in sorted(hours.slots(weekday), key=lambda s: s.start_minute):
            end = slot.end_minute
            flat.extend((slot.start_minute, _MIDNIGHT if end is None else end))
        days.append(flat)
    return [1 if holiday_closed else 0, *days]


def compile_period(period: DatedPeriod | None) -> CompiledPeriod | None:
    if period is None:
        return None
    end = period.end_date
    return [period.start_date.toordinal(), None if end is None else end.toordinal()]


def compile_temporary(
    temporary_hours: TemporaryHours | None, regular: WeeklyHours
) -> CompiledPeriod | None:
    """``[first_day, last_day, week]`` of temporary hours, or None; ``regular`` are the
    regular hours they stand in for (their holiday policy is inherited when UNKNOWN)."""
    if temporary_hours is None:
        return None
    policy = temporary_hours.hours.public_holidays
    # Temporary hours without a policy inherit the regular one (engine._day_plan).
    closed = policy is HolidayPolicy.CLOSED or (
        policy is HolidayPolicy.UNKNOWN and regular.public_holidays is HolidayPolicy.CLOSED
    )
    return [
        temporary_hours.start_date.toordinal(),
        None if temporary_hours.end_date is None else temporary_hours.end_date.toordinal(),
        compile_week(temporary_hours.hours, closed),
    ]


def compile_schedule(
    hours: WeeklyHours,
    temporary_hours: TemporaryHours | None,
    closures: tuple[DatedPeriod | None, ...],
    own_temporary_hours: TemporaryHours | None = None,
) -> CompiledSchedule:
    """The compiled form of what ``engine.Schedule`` describes (not permanently closed)."""
    regular_closed = hours.public_holidays is HolidayPolicy.CLOSED
    temporary = compile_temporary(temporary_hours, hours)
    periods = [compiled for c in closures if (compiled := compile_period(c)) is not None]
    schedule = [compile_week(hours, regular_closed), temporary, periods]
    if own_temporary_hours is not None:
        schedule.append(compile_temporary(own_temporary_hours, hours))
    return schedule


def covers(period: CompiledPeriod, day: int) -> bool:
    last = period[1]
    return period[0] <= day and (last is None or day <= last)


def closed_on(closures: list[CompiledPeriod], day: int) -> bool:
    """Whether a temporary closure covers the day (an ordinal)."""
    for period in closures:
        last = period[1]
        if period[0] <= day and (last is None or day <= last):
            return True
    return False


class LocalDay:
    """One time zone at one instant: today's date and the instants of its wall-clock times.

    ``instant(offset, minute)`` is ``engine.local_instant(today + offset, minute)`` in
    microseconds since the epoch, memoised: a search asks for the same few slot boundaries
    thousands of times.
    """

    __slots__ = ("_instants", "_zone", "at", "today", "weekday")

    def __init__(self, zone: ZoneInfo, at: datetime) -> None:
        self._zone = zone
        self.at = (at.astimezone(UTC) - _EPOCH) // _MICROSECOND
        local = at.astimezone(zone).date()
        self.today = local.toordinal()
        self.weekday = local.weekday()
        self._instants: dict[tuple[int, int], int] = {}

    def instant(self, offset: int, minute: int) -> int:
        key = (offset, minute)
        found = self._instants.get(key)
        if found is None:
            day = date.fromordinal(self.today + offset)
            found = (local_instant(day, minute, self._zone) - _EPOCH) // _MICROSECOND
            self._instants[key] = found
        return found


class OpenStateContext:
    """Everything an evaluation at one instant shares across places: local days per time zone
    and public holidays (yesterday and today) per department."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("at must be a timezone-aware datetime")
        self._at = at
        self._days: dict[str | None, LocalDay] = {}
        self._holidays: dict[tuple[str | None, int], tuple[bool, bool]] = {}

    def local_day(self, zone: str | None) -> LocalDay:
        found = self._days.get(zone)
        if found is None:
            found = LocalDay(ZoneInfo(zone or DEFAULT_TIMEZONE), self._at)
            self._days[zone] = found
        return found

    def holidays(self, department: str | None, today: int) -> tuple[bool, bool]:
        """(yesterday is a public holiday, today is one) in the department."""
        key = (department, today)
        found = self._holidays.get(key)
        if found is None:
            found = (
                holiday_name(date.fromordinal(today - 1), department) is not None,
                holiday_name(date.fromordinal(today), department) is not None,
            )
            self._holidays[key] = found
        return found


def _day_slots(
    schedule: CompiledSchedule, day: int, weekday: int, holiday: bool
) -> list[int] | None:
    """The slots in force on ``day`` (engine._day_plan), None when the day is closed."""
    if closed_on(schedule[2], day):
        return None
    # A service's own temporary hours (4th element, when it has some) win over the others.
    own = schedule[3] if len(schedule) > 3 else None
    temporary = own if own is not None and covers(own, day) else schedule[1]
    week = temporary[2] if temporary is not None and covers(temporary, day) else schedule[0]
    if holiday and week[0]:
        return None
    slots: list[int] = week[1 + weekday]
    return slots


def open_state(
    schedule: CompiledSchedule, local: LocalDay, holidays: tuple[bool, bool]
) -> tuple[bool, bool]:
    """(open now, open now or opening later today) at the context's instant.

    Both are False on a day a temporary closure covers, as ``state_at`` reports it
    temporarily closed (and ``OpenFilter.TODAY`` asks for a CLOSED status to look ahead).
    """
    today = local.today
    closures = schedule[2]
    if closed_on(closures, today):
        return False, False
    at = local.at
    # Yesterday's slots that run past midnight (yesterday is not closed: today is not).
    yesterday = _day_slots(schedule, today - 1, (local.weekday - 1) % 7, holidays[0])
    if yesterday:
        for index in range(0, len(yesterday), 2):
            if yesterday[index + 1] <= _MIDNIGHT:
                # Ends by today's first instant (local_instant is monotonic, and ``at``, whose
                # wall clock reads today, is at or after the first instant that reads today).
                continue
            start = local.instant(-1, yesterday[index])
            end = local.instant(-1, yesterday[index + 1])
            if start <= at < end:
                return True, True
    slots = _day_slots(schedule, today, local.weekday, holidays[1])
    if not slots:
        return False, False
    # engine._slot_spans stops a slot at midnight when tomorrow is closed. For an instant of
    # today the cut changes neither answer (midnight is after it); kept so both build the
    # very same intervals.
    limit = local.instant(0, _MIDNIGHT) if closed_on(closures, today + 1) else None
    later_today = False
    for index in range(0, len(slots), 2):
        start = local.instant(0, slots[index])
        end = local.instant(0, slots[index + 1])
        if limit is not None and end > limit:
            end = limit
        if end <= start:
            continue  # empty: inside the spring-forward gap
        if start <= at < end:
            return True, True
        if end > at:
            later_today = True
    return False, later_today
