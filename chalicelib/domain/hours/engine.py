"""Opening-hours engine: is a place (or one of its services) open at an instant, until when, and
when does it open next.

Pure domain code: the caller gives the instant (see ``chalicelib.domain.clock``), nothing here
reads the clock, the network or a database.

Rules
-----
* Slots are local wall-clock times of the schedule's time zone. A slot belongs to the day it
  starts on: a Monday 22:00-02:00 slot is Monday's, even though it is open early on Tuesday.
* Within a day, the day's hours are, in order of precedence: a temporary closure covering the
  date (closed), else a public holiday when the policy in force is CLOSED (closed), else a
  service's own temporary hours when their dates cover the date, else the temporary hours
  when their dates cover the date, else the regular weekly hours. A holiday policy of OPEN or
  UNKNOWN keeps the weekday's slots.
* A temporary closure also cuts the previous day's slot that crosses midnight: the closure wins
  everywhere inside its dates. A public holiday does not cut it: the holiday policy decides
  whether the slots *of the holiday* happen, and that slot belongs to the day before.
* Temporary hours with an UNKNOWN holiday policy (the default) inherit the regular policy (a
  service's own temporary hours too: the policy of the regular hours the service follows).
* An open-ended slot ("dès 20h30", no end) counts as open until midnight of its day.
* Local wall-clock times are turned into instants with one rule: *the first instant at which the
  wall clock reads that time or later*. Hence:
  - a time skipped by the spring-forward gap moves to the end of the gap: on 2026-03-29 in
    Europe/Paris, 02:30 is read as 03:00 CEST, a slot 02:00-04:00 lasts one real hour, and a
    slot 02:00-03:00 is empty that day;
  - a time repeated by the autumn fall-back is its first occurrence (summer time): on
    2026-10-25, 02:30 is 02:30 CEST, a slot 01:00-04:00 lasts four real hours.
  The rule is monotonic, so the slots of one day never overlap once placed on the time line.
* All comparisons and arithmetic happen in UTC: two datetimes sharing one ``ZoneInfo`` compare
  by wall clock, which is wrong inside the repeated autumn hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.hours.holidays import holiday_name
from chalicelib.domain.hours.models import (
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TimeSlot,
    Weekday,
    WeeklyHours,
)
from chalicelib.domain.places.models import DEFAULT_TIMEZONE, Place, PlaceStatus, Service

DaySource = Literal["regular", "temporary", "holiday_closed", "temporarily_closed"]

# How far next_opening looks ahead.
SEARCH_DAYS = 366
# How many days an interval overlapping the asked window is followed beyond it to find its
# real end (or start). A place open without a break for longer than that (24/7 shelters) gets
# an interval cut at the horizon and no closes_at.
CONTINUATION_DAYS = 7

_ONE_DAY = timedelta(days=1)
_MINUTES_PER_DAY = 1440

_Span: TypeAlias = tuple[datetime, datetime]  # UTC instants, start < end


class OpenStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    TEMPORARILY_CLOSED = "temporarily_closed"
    PERMANENTLY_CLOSED = "permanently_closed"


@dataclass(frozen=True)
class Schedule:
    """Everything the engine needs about one place or service, decoupled from ``Place``."""

    hours: WeeklyHours
    temporary_hours: TemporaryHours | None = None
    # A service's own temporary hours: within their dates they win over ``temporary_hours``
    # (the place's, for a service that follows the place) and over ``hours``.
    own_temporary_hours: TemporaryHours | None = None
    # The place's closure and the service's own closure; any of them closes the day.
    closures: tuple[TemporaryClosure, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    department_code: str | None = None
    permanently_closed: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        # ZoneInfo keeps its own cache by key, so this does not reload the tz database.
        return ZoneInfo(self.timezone)

    def closures_covering(self, day: date) -> tuple[TemporaryClosure, ...]:
        return tuple(closure for closure in self.closures if closure.covers(day))

    def is_temporarily_closed(self, day: date) -> bool:
        return any(closure.covers(day) for closure in self.closures)

    def has_any_slot(self) -> bool:
        if not self.hours.is_empty():
            return True
        return any(
            temporary is not None and not temporary.hours.is_empty()
            for temporary in (self.own_temporary_hours, self.temporary_hours)
        )


def schedule_for_place(place: Place) -> Schedule:
    return Schedule(
        hours=place.hours,
        temporary_hours=place.temporary_hours,
        closures=_present(place.temporary_closure),
        timezone=place.timezone,
        department_code=place.address.department_code,
        permanently_closed=place.status is PlaceStatus.PERMANENTLY_CLOSED,
    )


def schedule_for_service(place: Place, service: Service) -> Schedule:
    """The schedule of one service of ``place``.

    A service without hours of its own (``hours is None``) follows the place entirely: regular
    and temporary hours. A service with its own hours keeps them even while the place has
    temporary hours: the place's temporary hours are written against the place's week (summer
    hours of the reception desk, say) and nothing says how they would translate to a shower
    open two mornings a week, so applying them would invent hours. Closures are different: a
    closed place closes every service in it, so the place's closure always applies, on top of
    the service's own; and a permanently closed place has no open service.
    An explicit, empty ``WeeklyHours`` is hours of its own (never open), not "same as the place".

    A service's own temporary hours apply to that service within their dates, and there they
    win over its regular hours (its own or the place's) and over the place's temporary hours:
    they were written for this service. Outside their dates the rules above hold. Closures
    still win over them (the place's and the service's), as over any hours. Their holiday
    policy, when UNKNOWN, is the policy of the regular hours the service follows, as for the
    place's temporary hours.
    """
    if service.hours is None:
        hours, temporary_hours = place.hours, place.temporary_hours
    else:
        hours, temporary_hours = service.hours, None
    return Schedule(
        hours=hours,
        temporary_hours=temporary_hours,
        own_temporary_hours=service.temporary_hours,
        closures=_present(place.temporary_closure) + _present(service.temporary_closure),
        timezone=place.timezone,
        department_code=place.address.department_code,
        permanently_closed=place.status is PlaceStatus.PERMANENTLY_CLOSED,
    )


def _present(closure: TemporaryClosure | None) -> tuple[TemporaryClosure, ...]:
    return () if closure is None else (closure,)


@dataclass(frozen=True)
class Interval:
    """An opening interval [start, end), both aware datetimes in the schedule's time zone.

    Compare or subtract them through ``contains``/``duration`` (or after ``astimezone(UTC)``):
    Python compares datetimes that share a tzinfo by wall clock.
    """

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        _require_aware(at, "at")
        return self.start.astimezone(UTC) <= at.astimezone(UTC) < self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


@dataclass(frozen=True)
class DayHours:
    """The hours in force on one local date.

    ``intervals`` are those starting on that date (a slot crossing midnight ends the next day),
    in time order; ``slots`` are the slots in force that day, for display (empty when closed).
    ``holiday`` is the name of the public holiday on that date, whatever the policy.
    """

    day: date
    intervals: tuple[Interval, ...]
    source: DaySource
    holiday: str | None
    slots: tuple[TimeSlot, ...]
    carried_over: Interval | None = None
    """An opening that began the day before and is still going at this day's midnight (an
    overnight slot): the day's hours show it ("jusqu'à 9h"), so that they never read "fermé"
    while the place is open. Set by ``state_at``; ``day_hours`` leaves it None."""

    @property
    def is_closed(self) -> bool:
        return not self.intervals


@dataclass(frozen=True)
class HoursState:
    status: OpenStatus
    open_now: bool
    today: DayHours
    closes_at: datetime | None
    next_opening: datetime | None
    holiday: str | None


def day_hours(schedule: Schedule, day: date) -> DayHours:
    """The hours in force on the local date ``day`` (see the module docstring for precedence).

    A permanently closed schedule has no hours: its days are reported closed, source "regular".
    """
    source, holiday, slots = _day_plan(schedule, day)
    zone = schedule.zone
    intervals = tuple(
        Interval(start.astimezone(zone), end.astimezone(zone))
        for start, end in _slot_spans(schedule, day, slots)
    )
    return DayHours(day=day, intervals=intervals, source=source, holiday=holiday, slots=slots)


def open_intervals(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """Every opening interval overlapping [start, end), merged, sorted, in the schedule's zone.

    Intervals are not cut to the window: one overlapping it is followed up to
    ``CONTINUATION_DAYS`` beyond it to report its real start and end.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    spans, _ = _spans_overlapping(schedule, start.astimezone(UTC), end.astimezone(UTC))
    zone = schedule.zone
    return [Interval(s.astimezone(zone), e.astimezone(zone)) for s, e in spans]


def state_at(schedule: Schedule, at: datetime) -> HoursState:
    """Open or closed at the instant ``at`` (any time zone, not naive), and what comes next.

    ``closes_at`` is None when the current interval goes on beyond ``CONTINUATION_DAYS``.
    ``next_opening`` is only given when closed now; it is None when nothing opens within
    ``SEARCH_DAYS``, in particular during a closure without end date.
    """
    _require_aware(at, "at")
    zone = schedule.zone
    at_utc = at.astimezone(UTC)
    today = day_hours(schedule, at_utc.astimezone(zone).date())

    if schedule.permanently_closed:
        status = OpenStatus.PERMANENTLY_CLOSED
        return HoursState(status, False, today, None, None, today.holiday)
    if schedule.is_temporarily_closed(today.day):
        next_opening = _next_opening(schedule, at_utc, today.day)
        status = OpenStatus.TEMPORARILY_CLOSED
        return HoursState(status, False, today, None, next_opening, today.holiday)

    today = _with_carried_over(schedule, today)
    current, truncated = _spans_overlapping(schedule, at_utc, at_utc + timedelta(microseconds=1))
    if current:
        closes_at = None if truncated else current[0][1].astimezone(zone)
        return HoursState(OpenStatus.OPEN, True, today, closes_at, None, today.holiday)
    next_opening = _next_opening(schedule, at_utc, today.day)
    return HoursState(OpenStatus.CLOSED, False, today, None, next_opening, today.holiday)


def _with_carried_over(schedule: Schedule, today: DayHours) -> DayHours:
    """``today`` with the opening that spills into it from the day before, as the engine
    itself sees it at midnight (same rules as ``open_now``: holidays, temporary hours and
    closures included). A spill that a slot of the day starting at midnight covers entirely
    is that slot, already shown."""
    zone = schedule.zone
    midnight = datetime.combine(today.day, time(0), tzinfo=zone).astimezone(UTC)
    spans, _ = _spans_overlapping(schedule, midnight, midnight + timedelta(microseconds=1))
    for start, end in spans:
        if not start < midnight < end:
            continue
        if any(
            interval.start.astimezone(UTC) == midnight and interval.end.astimezone(UTC) >= end
            for interval in today.intervals
        ):
            return today  # the day's own slot from midnight already shows all of it
        carried = Interval(start.astimezone(zone), end.astimezone(zone))
        return replace(today, carried_over=carried)
    return today


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _day_plan(schedule: Schedule, day: date) -> tuple[DaySource, str | None, tuple[TimeSlot, ...]]:
    holiday = holiday_name(day, schedule.department_code)
    if schedule.permanently_closed:
        return "regular", holiday, ()
    if schedule.is_temporarily_closed(day):
        return "temporarily_closed", holiday, ()
    own, temporary = schedule.own_temporary_hours, schedule.temporary_hours
    if own is not None and own.covers(day):
        temporary = own  # a service's own temporary hours win over the place's
    source: DaySource
    if temporary is not None and temporary.covers(day):
        weekly, source = temporary.hours, "temporary"
        policy = weekly.public_holidays
        # Temporary hours are usually typed without a holiday policy (UNKNOWN by default);
        # "closed on public holidays" stated for the place still holds during them.
        if policy is HolidayPolicy.UNKNOWN:
            policy = schedule.hours.public_holidays
    else:
        weekly, source = schedule.hours, "regular"
        policy = weekly.public_holidays
    if holiday is not None and policy is HolidayPolicy.CLOSED:
        return "holiday_closed", holiday, ()
    slots = tuple(sorted(weekly.slots(Weekday.of(day)), key=lambda slot: slot.start_minute))
    return source, holiday, slots


def _slot_spans(schedule: Schedule, day: date, slots: tuple[TimeSlot, ...]) -> list[_Span]:
    if not slots:
        return []
    zone = schedule.zone
    # A slot spilling into a temporarily closed date stops at that date's midnight.
    limit = (
        local_instant(day, _MINUTES_PER_DAY, zone)
        if schedule.is_temporarily_closed(day + _ONE_DAY)
        else None
    )
    spans: list[_Span] = []
    for slot in slots:
        end_minute = slot.end_minute
        start = local_instant(day, slot.start_minute, zone)
        end = local_instant(day, _MINUTES_PER_DAY if end_minute is None else end_minute, zone)
        if limit is not None:
            end = min(end, limit)
        # Empty when the slot lies inside the spring-forward gap.
        if end > start:
            spans.append((start, end))
    return spans


def _day_spans(schedule: Schedule, day: date) -> list[_Span]:
    _, _, slots = _day_plan(schedule, day)
    return _slot_spans(schedule, day, slots)


@lru_cache(maxsize=8192)
def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of the wall-clock time ``minute`` minutes after the start of ``day``.

    Cached (a pure function of its arguments): the page of a search asks for the same slot
    boundaries of the same few days again and again.

    ``minute`` may exceed 1440 (slots crossing midnight). The result is the first instant at
    which the wall clock reads that time or later: the first occurrence of a repeated time, the
    end of the gap for a skipped time.
    """
    extra_days, minute = divmod(minute, _MINUTES_PER_DAY)
    wall = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60))
    # fold=0: a repeated time resolves to its first occurrence.
    after_gap = wall.replace(tzinfo=zone).astimezone(UTC)
    if _wall_clock(after_gap, zone) == wall:
        return after_gap
    # ``wall`` was skipped. With fold=0 zoneinfo reads it with the offset from before the gap,
    # which lands after the transition; with fold=1, with the offset from after, which lands
    # before it. The transition, on a whole second, lies between: find it.
    before_gap = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = 0, int((after_gap - before_gap).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_clock(before_gap + timedelta(seconds=middle), zone) >= wall:
            high = middle
        else:
            low = middle
    return before_gap + timedelta(seconds=high)


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _merge(spans: list[_Span]) -> list[_Span]:
    merged: list[_Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


def _spans_overlapping(
    schedule: Schedule, start: datetime, end: datetime
) -> tuple[list[_Span], bool]:
    """Merged spans overlapping [start, end) (UTC), and whether the last one was cut short."""
    if end <= start or schedule.permanently_closed:
        return [], False
    zone = schedule.zone
    # The day before may spill past midnight into the window; days before it cannot, as a
    # slot ends before its own start time on the next day.
    first = start.astimezone(zone).date() - _ONE_DAY
    last = end.astimezone(zone).date()
    cache: dict[date, list[_Span]] = {}

    def spans_of(day: date) -> list[_Span]:
        if day not in cache:
            cache[day] = _day_spans(schedule, day)
        return cache[day]

    raw = [span for day in _dates(first, last) for span in spans_of(day)]

    def overlapping() -> list[_Span]:
        return [span for span in _merge(raw) if span[1] > start and span[0] < end]

    hits = overlapping()
    if not hits:
        return [], False

    truncated = False
    high = last
    # Days after ``high`` start at its next midnight; only an interval reaching it can continue.
    while hits[-1][1] >= local_instant(high + _ONE_DAY, 0, zone):
        if (high - last).days >= CONTINUATION_DAYS:
            truncated = True
            break
        high += _ONE_DAY
        raw.extend(spans_of(high))
        hits = overlapping()

    low = first
    while (first - low).days < CONTINUATION_DAYS:
        earlier = spans_of(low - _ONE_DAY)
        if not any(span_end >= hits[0][0] for _, span_end in earlier):
            break
        low -= _ONE_DAY
        raw.extend(earlier)
        hits = overlapping()
    return hits, truncated


def _next_opening(schedule: Schedule, at: datetime, today: date) -> datetime | None:
    if not schedule.has_any_slot():
        return None
    zone = schedule.zone
    horizon = today + timedelta(days=SEARCH_DAYS)
    day = today
    # Intervals of earlier days start before today's midnight, hence before ``at``.
    while day <= horizon:
        covering = schedule.closures_covering(day)
        if covering:
            ends = [closure.end_date for closure in covering]
            if any(end is None for end in ends):
                return None
            day = max(end for end in ends if end is not None) + _ONE_DAY
            continue
        for start, _ in _day_spans(schedule, day):
            if start > at:
                return start.astimezone(zone)
        day += _ONE_DAY
    return None


__all__ = [
    "CONTINUATION_DAYS",
    "SEARCH_DAYS",
    "DayHours",
    "DaySource",
    "HoursState",
    "Interval",
    "OpenStatus",
    "Schedule",
    "day_hours",
    "local_instant",
    "open_intervals",
    "schedule_for_place",
    "schedule_for_service",
    "state_at",
]
