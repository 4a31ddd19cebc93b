"""Properties of the opening-hours engine over random weeks, closures and instants of 2026."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain.hours.engine import (
    OpenStatus,
    Schedule,
    day_hours,
    open_intervals,
    state_at,
)
from chalicelib.domain.hours.models import (
    WEEKDAYS,
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TimeSlot,
    Weekday,
    WeeklyHours,
)
from chalicelib.domain.places.views import open_state as open_state_view

PARIS = ZoneInfo("Europe/Paris")
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def hhmm(quarter: int) -> str:
    minutes = quarter * 15
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_slots(draw: st.DrawFn) -> list[TimeSlot]:
    """0-3 non-overlapping slots on quarter hours; the last may cross midnight or be open-ended."""
    count = draw(st.integers(0, 3))
    if count == 0:
        return []
    # Quarter 96 is 24:00; quarters in the 02:00-03:00 range exercise the spring-forward gap.
    bounds = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    slots = [
        TimeSlot(start=hhmm(a), end=hhmm(b)) for a, b in zip(bounds[::2], bounds[1::2], strict=True)
    ]
    last = slots[-1]
    kind = draw(st.sampled_from(["plain", "plain", "open_ended", "crossing"]))
    if kind == "open_ended":
        slots[-1] = TimeSlot(start=last.start)
    elif kind == "crossing" and last.start_minute > 0:
        end = draw(st.integers(0, last.start_minute // 15 - 1))
        slots[-1] = TimeSlot(start=last.start, end=hhmm(end))
    return slots


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    days = {day.value: draw(day_slots()) for day in WEEKDAYS}
    policy = draw(st.sampled_from(list(HolidayPolicy)))
    return WeeklyHours.model_validate({**days, "public_holidays": policy})


def dates_2026() -> st.SearchStrategy[date]:
    return st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def closures(draw: st.DrawFn) -> TemporaryClosure:
    start = draw(dates_2026())
    length = draw(st.one_of(st.none(), st.integers(0, 20)))
    end = None if length is None else start + timedelta(days=length)
    return TemporaryClosure(start_date=start, end_date=end)


@st.composite
def temporary_hours(draw: st.DrawFn) -> TemporaryHours:
    start = draw(dates_2026())
    end = start + timedelta(days=draw(st.integers(0, 60)))
    return TemporaryHours(start_date=start, end_date=end, hours=draw(weekly_hours()))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    return Schedule(
        hours=draw(weekly_hours()),
        temporary_hours=draw(st.one_of(st.none(), temporary_hours())),
        # A service's own temporary hours (schedule_for_service), on top of the others.
        own_temporary_hours=draw(st.one_of(st.none(), st.none(), temporary_hours())),
        closures=tuple(draw(st.lists(closures(), max_size=2))),
        department_code=draw(st.sampled_from(["75", "57", None])),
    )


def around(day: date) -> st.SearchStrategy[datetime]:
    """Instants within a day and a half of local midnight of ``day``."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)
    return st.integers(-36 * 60, 36 * 60).map(lambda minutes: midnight + timedelta(minutes=minutes))


def instants() -> st.SearchStrategy[datetime]:
    """Instants of 2026 in UTC, with extra weight on the DST changes and on May 1."""
    anywhere = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda value: value.replace(tzinfo=UTC)
    )
    return st.one_of(anywhere, around(SPRING_FORWARD), around(FALL_BACK), around(date(2026, 5, 1)))


def local_date(at: datetime) -> date:
    return at.astimezone(PARIS).date()


def utc_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start.astimezone(UTC), end.astimezone(UTC)


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_day_without_slots_nor_previous_day_spill_is_never_open(
    schedule: Schedule, at: datetime
) -> None:
    today = Weekday.of(local_date(at))
    yesterday = Weekday.of(local_date(at) - timedelta(days=1))
    days = {day.value: schedule.hours.slots(day) for day in WEEKDAYS}
    days[today.value] = []
    days[yesterday.value] = [s for s in days[yesterday.value] if not s.crosses_midnight]
    hours = WeeklyHours.model_validate({**days, "public_holidays": schedule.hours.public_holidays})
    quiet = Schedule(hours=hours, closures=schedule.closures, department_code="75")

    state = state_at(quiet, at)

    assert state.open_now is False
    assert state.status is not OpenStatus.OPEN
    assert state.today.intervals == ()


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants(), days_before=st.integers(0, 5), open_end=st.booleans())
def test_temporary_closure_always_wins_inside_its_dates(
    schedule: Schedule, at: datetime, days_before: int, open_end: bool
) -> None:
    today = local_date(at)
    closure = TemporaryClosure(
        start_date=today - timedelta(days=days_before),
        end_date=None if open_end else today + timedelta(days=days_before),
    )
    closed = Schedule(
        hours=schedule.hours,
        temporary_hours=schedule.temporary_hours,
        own_temporary_hours=schedule.own_temporary_hours,
        closures=(*schedule.closures, closure),
        department_code=schedule.department_code,
    )
    midnight = datetime(today.year, today.month, today.day, tzinfo=PARIS)

    state = state_at(closed, at)

    assert state.status is OpenStatus.TEMPORARILY_CLOSED
    assert state.open_now is False
    assert state.today.source == "temporarily_closed"
    assert open_intervals(closed, midnight, midnight + timedelta(days=1)) == []
    if open_end:
        assert state.next_opening is None


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_open_now_iff_instant_lies_in_an_open_interval(schedule: Schedule, at: datetime) -> None:
    wide = open_intervals(schedule, at - timedelta(days=2), at + timedelta(days=2))
    narrow = open_intervals(schedule, at, at + timedelta(minutes=1))

    state = state_at(schedule, at)

    assert state.open_now is any(interval.contains(at) for interval in wide)
    assert state.open_now is any(interval.contains(at) for interval in narrow)
    assert state.open_now is (state.status is OpenStatus.OPEN)


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_next_opening_is_later_and_open(schedule: Schedule, at: datetime) -> None:
    state = state_at(schedule, at)

    if state.open_now:
        assert state.next_opening is None
    elif state.next_opening is not None:
        assert state.next_opening.astimezone(UTC) > at.astimezone(UTC)
        assert state_at(schedule, state.next_opening).open_now
        # Nothing opens in between: the instant just before is still closed.
        # In UTC: wall-clock arithmetic on an aware local datetime can land in the DST gap.
        just_before = state.next_opening.astimezone(UTC) - timedelta(microseconds=1)
        assert not state_at(schedule, just_before).open_now


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_closes_at_is_later_and_closed(schedule: Schedule, at: datetime) -> None:
    state = state_at(schedule, at)

    if state.closes_at is not None:
        assert state.open_now
        assert state.closes_at.astimezone(UTC) > at.astimezone(UTC)
        assert not state_at(schedule, state.closes_at).open_now
        assert state_at(
            schedule, state.closes_at.astimezone(UTC) - timedelta(microseconds=1)
        ).open_now


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants(), days=st.integers(1, 10))
def test_open_intervals_are_sorted_and_disjoint(
    schedule: Schedule, at: datetime, days: int
) -> None:
    intervals = open_intervals(schedule, at, at + timedelta(days=days))
    spans = [utc_span(interval.start, interval.end) for interval in intervals]

    assert all(start < end for start, end in spans)
    assert all(before[1] < after[0] for before, after in pairwise(spans))
    assert all(end > at and start < at + timedelta(days=days) for start, end in spans)


@PROPERTY_SETTINGS
@given(
    schedule=schedules(), day=st.one_of(dates_2026(), st.just(SPRING_FORWARD), st.just(FALL_BACK))
)
def test_day_intervals_start_on_their_day_in_time_order(schedule: Schedule, day: date) -> None:
    hours = day_hours(schedule, day)
    spans = [utc_span(interval.start, interval.end) for interval in hours.intervals]

    assert all(local_date(start) == day for start, _ in spans)
    assert all(start < end for start, end in spans)
    assert all(before[1] <= after[0] for before, after in pairwise(spans))
    assert len(hours.intervals) <= len(hours.slots)


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_open_now_matches_wall_clock_reading_away_from_dst_changes(
    schedule: Schedule, at: datetime
) -> None:
    local = at.astimezone(PARIS)
    today = local.date()
    assume(not {today, today - timedelta(days=1)} & {SPRING_FORWARD, FALL_BACK})
    minute = local.hour * 60 + local.minute
    yesterday_slots = day_hours(schedule, today - timedelta(days=1)).slots
    today_hours = day_hours(schedule, today)

    in_today_slot = any(
        slot.start_minute <= minute < (slot.end_minute or 1440) for slot in today_hours.slots
    )
    in_yesterday_spill = today_hours.source != "temporarily_closed" and any(
        slot.end_minute is not None and minute < slot.end_minute - 1440 for slot in yesterday_slots
    )

    assert state_at(schedule, at).open_now is (in_today_slot or in_yesterday_spill)


@PROPERTY_SETTINGS
@given(schedule=schedules(), at=instants())
def test_open_now_and_todays_hours_never_contradict_each_other(
    schedule: Schedule, at: datetime
) -> None:
    """Issue 18: an overnight slot begun yesterday is part of today's hours ("jusqu'à 9h"),
    so a place open now never shows today's hours as "fermé", and what today's hours show
    (the day's intervals and the carried-over opening) is open exactly when ``open_now``."""
    state = state_at(schedule, at)
    today = state.today
    shown = [*today.intervals, *([today.carried_over] if today.carried_over else [])]

    assert state.open_now is any(interval.contains(at) for interval in shown)
    if today.carried_over is not None:
        midnight = datetime.combine(today.day, datetime.min.time(), tzinfo=PARIS)
        assert today.carried_over.contains(midnight)
        assert today.carried_over.start.astimezone(UTC) < midnight.astimezone(UTC)
    if state.open_now:
        view = open_state_view(state)
        assert view.today.text != "fermé"


@PROPERTY_SETTINGS
@given(
    schedule=schedules(),
    own=temporary_hours(),
    day=st.one_of(dates_2026(), st.just(SPRING_FORWARD), st.just(FALL_BACK)),
)
def test_own_temporary_hours_win_inside_their_dates_and_nowhere_else(
    schedule: Schedule, own: TemporaryHours, day: date
) -> None:
    """A service's own temporary hours make the day exactly what they would make it as the
    only temporary hours (the place's do not matter there), and outside their dates the day
    is what it was without them. Closures and holidays keep their precedence over both."""
    with_own = replace(schedule, own_temporary_hours=own)
    expected = (
        replace(schedule, temporary_hours=own, own_temporary_hours=None)
        if own.covers(day)
        else replace(schedule, own_temporary_hours=None)
    )

    assert day_hours(with_own, day) == day_hours(expected, day)
