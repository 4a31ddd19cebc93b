"""The compiled hours give exactly the engine's open state.

Search evaluates "open now", "open today" and "closed today" on compiled schedules (plain
integers, chalicelib/domain/hours/compact.py) instead of ``engine.state_at`` on a ``Place``.
The property: for generated places (weekly hours with overnight, open-ended and midnight
slots, holiday policies, temporary hours with and without end, temporary closures with and
without end on the place and on services, services with hours and temporary hours of their
own) in several time
zones and departments, at instants around both DST changes, public holidays and midnights,
both answer the same for the place and for each of its services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.hours.compact import OpenStateContext, compile_schedule, open_state
from chalicelib.domain.hours.engine import (
    HoursState,
    OpenStatus,
    Schedule,
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
from chalicelib.domain.places.models import Place, Service
from chalicelib.domain.search.records import (
    RecordTable,
    SearchRecord,
    record_schedule,
    search_record,
    service_schedules,
)
from tests.builders import make_place

# Paris and overseas zones of French departments, one with DST (Saint-Pierre-et-Miquelon),
# and two zones whose DST changes happen at midnight (a slot's day shifts with them).
ZONES = [
    "Europe/Paris",
    "Europe/Paris",
    "America/Guadeloupe",
    "Indian/Reunion",
    "America/Miquelon",
    "America/Havana",
    "America/Santiago",
]
DEPARTMENTS = ["75", "57", "67", "971", "974", "976"]
# Days where something happens: both 2026 DST changes in Paris, in Havana and Santiago,
# French holidays (and St Stephen, a holiday in 57/67/68 only), month and year ends.
KEY_DAYS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 5, 1),
    date(2026, 5, 8),
    date(2026, 7, 14),
    date(2026, 12, 25),
    date(2026, 12, 26),
    date(2026, 12, 31),
    date(2026, 5, 27),
    date(2026, 12, 20),
    # The day after a holiday: last night's slot belongs to a holiday.
    date(2026, 5, 2),
    date(2026, 7, 15),
    date(2026, 12, 27),
]
# Wall-clock minutes where things break: midnight, the DST hours, a minute either side.
SPECIAL_MINUTES = [0, 1, 59, 60, 61, 119, 120, 121, 150, 179, 180, 181, 1380, 1438, 1439]

CATEGORIES = ("shower", "laundry", "toilets")  # one a service: a filter picks exactly one


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(draw: st.DrawFn, low: int, high: int) -> int:
    special = [minute for minute in SPECIAL_MINUTES if low <= minute <= high]
    if len(special) > 0 and draw(st.booleans()):
        return draw(st.sampled_from(special))
    return draw(st.integers(min_value=low, max_value=high))


@st.composite
def day_slots(draw: st.DrawFn) -> list[TimeSlot]:
    """Up to three non-overlapping slots: plain, overnight, open-ended, to midnight."""
    slots: list[TimeSlot] = []
    cursor = _minute(draw, 0, 1380)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if cursor >= 1439:
            break
        start = _minute(draw, cursor, min(cursor + 600, 1438))
        kind = draw(st.sampled_from(["plain", "plain", "overnight", "open", "midnight"]))
        if kind == "open":
            slots.append(TimeSlot(start=_hhmm(start)))
            break  # lasts until midnight: nothing can follow it that day
        if kind == "midnight":
            slots.append(TimeSlot(start=_hhmm(start), end="24:00"))
            break
        if kind == "overnight":
            end = _minute(draw, 0, max(0, start - 1))
            if end == start:
                break
            slots.append(TimeSlot(start=_hhmm(start), end=_hhmm(end)))
            break  # runs past midnight: the last slot of its day
        end = _minute(draw, start + 1, min(start + 720, 1439))
        slots.append(TimeSlot(start=_hhmm(start), end=_hhmm(end)))
        cursor = end
    return slots


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    days = {day.value: draw(day_slots()) for day in WEEKDAYS}
    return WeeklyHours(**days, public_holidays=draw(st.sampled_from(list(HolidayPolicy))))


def _around(draw: st.DrawFn, anchor: date) -> date:
    return anchor + timedelta(days=draw(st.integers(min_value=-2, max_value=2)))


@st.composite
def period(draw: st.DrawFn, anchor: date) -> tuple[date, date | None]:
    start = _around(draw, anchor)
    end = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=2)))
    return start, None if end is None else start + timedelta(days=end)


@st.composite
def places_and_instants(draw: st.DrawFn) -> tuple[Place, datetime]:
    anchor = draw(st.sampled_from(KEY_DAYS))
    fields: dict[str, Any] = {"hours": draw(weekly_hours())}
    if draw(st.booleans()):
        start, end = draw(period(anchor))
        fields["temporary_hours"] = TemporaryHours(
            start_date=start, end_date=end, hours=draw(weekly_hours())
        )
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        start, end = draw(period(anchor))
        fields["temporary_closure"] = TemporaryClosure(start_date=start, end_date=end)
    services = []
    for number, category in enumerate(CATEGORIES[: draw(st.integers(min_value=1, max_value=3))]):
        service: dict[str, Any] = {"id": f"s{number}", "category": category}
        if draw(st.booleans()):
            service["hours"] = draw(weekly_hours())
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            start, end = draw(period(anchor))
            service["temporary_closure"] = TemporaryClosure(start_date=start, end_date=end)
        if draw(st.integers(min_value=0, max_value=2)) == 0:
            # Its own temporary hours win over its hours and the place's temporary hours.
            start, end = draw(period(anchor))
            service["temporary_hours"] = TemporaryHours(
                start_date=start, end_date=end, hours=draw(weekly_hours())
            )
        services.append(Service(**service))
    fields["services"] = services
    fields["timezone"] = draw(st.sampled_from(ZONES))
    place = make_place("p", department=draw(st.sampled_from(DEPARTMENTS)), **fields)
    return place, draw(instants(place, anchor))


@st.composite
def instants(draw: st.DrawFn, place: Place, anchor: date) -> datetime:
    """Often exactly on (or a second around) a slot boundary of the place, in its zone."""
    zone = ZoneInfo(place.timezone)
    day = anchor + timedelta(days=draw(st.integers(min_value=-1, max_value=1)))
    weeks = [place.hours, *(s.hours for s in place.services if s.hours is not None)]
    if place.temporary_hours is not None:
        weeks.append(place.temporary_hours.hours)
    weeks += [s.temporary_hours.hours for s in place.services if s.temporary_hours is not None]
    boundaries = [
        minute
        for week in weeks
        for slots in (week.slots(WEEKDAYS[d.weekday()]) for d in (day, day - timedelta(days=1)))
        for slot in slots
        for minute in (slot.start_minute, slot.end_minute or 1440)
    ]
    minute = draw(
        st.sampled_from(boundaries + SPECIAL_MINUTES)
        if len(boundaries) > 0 and draw(st.booleans())
        else st.integers(min_value=0, max_value=2879)
    )
    extra_days, minute = divmod(minute, 1440)
    wall = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60))
    local = wall.replace(tzinfo=zone, fold=draw(st.integers(min_value=0, max_value=1)))
    nudge = draw(st.sampled_from([0, 0, 0, -1, 1, 30, -60]))
    return local.astimezone(UTC) + timedelta(seconds=nudge)


def _schedule_of(record: SearchRecord) -> list[Any]:
    (stored,) = RecordTable.of([record]).records()  # through the stored columns
    return record_schedule(
        stored.hours, str(stored.closed_from or ""), str(stored.closed_until or "")
    )


def _engine(schedule: Schedule, at: datetime) -> tuple[bool, bool, bool]:
    """(open now, open now or later today, temporarily closed today) as search reads them."""
    state: HoursState = state_at(schedule, at)
    later = state.status is OpenStatus.CLOSED and any(
        interval.end > at for interval in state.today.intervals
    )
    closed = state.status is OpenStatus.TEMPORARILY_CLOSED
    return state.open_now, state.open_now or later, closed


def _compact(schedule: list[Any], place: Place, at: datetime) -> tuple[bool, bool, bool]:
    context = OpenStateContext(at)
    record = search_record(place)
    local = context.local_day(record.zone)
    now, today = open_state(schedule, local, context.holidays(record.department, local.today))
    closed = any(
        start <= local.today and (end is None or local.today <= end) for start, end in schedule[2]
    )
    return now, today, closed


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(places_and_instants())
def test_compiled_hours_give_the_engines_open_state(case: tuple[Place, datetime]) -> None:
    place, at = case
    record = search_record(place)
    assert _compact(_schedule_of(record), place, at) == _engine(schedule_for_place(place), at)
    table = RecordTable.of([record])
    for service in place.services:
        (compiled,) = service_schedules(table, 0, frozenset({service.category}))
        assert _compact(compiled, place, at) == _engine(schedule_for_service(place, service), at)


def test_compile_schedule_is_plain_json() -> None:
    hours = WeeklyHours(
        monday=[TimeSlot(start="09:00", end="12:30"), TimeSlot(start="22:00", end="02:00")],
        tuesday=[TimeSlot(start="20:30")],
        public_holidays=HolidayPolicy.CLOSED,
    )
    compiled = compile_schedule(hours, None, (None,))

    assert compiled == [[1, [540, 750, 1320, 1560], [1230, 1440], [], [], [], [], []], None, []]


def _both(place: Place, at: datetime) -> tuple[tuple[bool, bool, bool], tuple[bool, bool, bool]]:
    return _compact(_schedule_of(search_record(place)), place, at), _engine(
        schedule_for_place(place), at
    )


def test_at_the_end_of_the_last_slot_a_place_is_closed_for_the_rest_of_the_day() -> None:
    place = make_place("p", hours=WeeklyHours(monday=[TimeSlot(start="09:00", end="12:00")]))
    noon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # Monday 12:00 in Paris

    compact, engine = _both(place, noon)

    assert compact == engine == (False, False, False)
    assert _both(place, noon - timedelta(seconds=1))[0] == (True, True, False)


def test_a_slot_inside_the_spring_forward_gap_never_opens_that_day() -> None:
    # 2026-03-29 in Paris: 02:00 becomes 03:00; a 02:10-02:50 slot lasts no time at all.
    place = make_place("p", hours=WeeklyHours(sunday=[TimeSlot(start="02:10", end="02:50")]))
    before = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 CET, the same Sunday

    compact, engine = _both(place, before)

    assert compact == engine == (False, False, False)


def test_the_repeated_autumn_hour_is_read_as_its_first_occurrence() -> None:
    # 2026-10-25 in Paris: 02:00-02:45 means 02:00-02:45 CEST; at 02:30 CET it is over.
    place = make_place("p", hours=WeeklyHours(sunday=[TimeSlot(start="01:00", end="02:45")]))
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET

    assert _both(place, first) == ((True, True, False), (True, True, False))
    assert _both(place, second) == ((False, False, False), (False, False, False))


def test_last_nights_slot_follows_yesterdays_holiday_policy() -> None:
    # Friday 1 May 2026 is a holiday; the place closes on holidays. Its Friday night slot
    # does not happen, so at 01:00 on Saturday it is closed; on a plain Friday it is open.
    hours = WeeklyHours(
        friday=[TimeSlot(start="22:00", end="02:00")], public_holidays=HolidayPolicy.CLOSED
    )
    place = make_place("p", hours=hours)

    assert _both(place, datetime(2026, 5, 1, 23, 0, tzinfo=UTC))[0][0] is False
    assert _both(place, datetime(2026, 5, 8, 23, 0, tzinfo=UTC))[0][0] is False  # 8 May too
    assert _both(place, datetime(2026, 5, 15, 23, 0, tzinfo=UTC)) == (
        (True, True, False),
        (True, True, False),
    )


def test_a_service_without_temporary_data_keeps_the_services_column_as_it_was() -> None:
    """The search's stored bytes do not change for places without service-level temporary
    hours (the hot path is benchmarked on them): the fourth item appears only when needed."""
    plain = make_place("p", services=[Service(id="s0", category="shower")])
    closed = make_place(
        "p",
        services=[
            Service(
                id="s0",
                category="shower",
                temporary_closure=TemporaryClosure(start_date=date(2026, 5, 1)),
            )
        ],
    )
    assert search_record(plain).services == ""
    assert search_record(closed).services == '[["shower",null,[739737,null]]]'


def test_a_services_own_temporary_hours_win_over_the_places_in_search() -> None:
    # Place: temporary hours 1-31 May, every day 09:00-12:00. The shower's own temporary
    # hours, 10-12 May, 14:00-16:00 only. On Monday 11 May 2026 at 10:00 (Paris) the place is
    # open, the shower is not; at 15:00 the shower is, the place is not.
    every_morning = WeeklyHours(
        **{day.value: [TimeSlot(start="09:00", end="12:00")] for day in WEEKDAYS}
    )
    afternoons = WeeklyHours(
        **{day.value: [TimeSlot(start="14:00", end="16:00")] for day in WEEKDAYS}
    )
    shower = Service(
        id="s0",
        category="shower",
        temporary_hours=TemporaryHours(
            start_date=date(2026, 5, 10), end_date=date(2026, 5, 12), hours=afternoons
        ),
    )
    place = make_place(
        "p",
        services=[shower, Service(id="s1", category="laundry")],
        temporary_hours=TemporaryHours(
            start_date=date(2026, 5, 1), end_date=date(2026, 5, 31), hours=every_morning
        ),
    )
    table = RecordTable.of([search_record(place)])
    (compiled,) = service_schedules(table, 0, frozenset({"shower"}))
    (laundry,) = service_schedules(table, 0, frozenset({"laundry"}))
    morning = datetime(2026, 5, 11, 8, 0, tzinfo=UTC)
    afternoon = datetime(2026, 5, 11, 13, 0, tzinfo=UTC)

    assert _compact(compiled, place, morning)[0] is False
    assert _compact(laundry, place, morning)[0] is True
    assert _compact(compiled, place, afternoon)[0] is True
    assert _compact(laundry, place, afternoon)[0] is False
    assert _engine(schedule_for_service(place, shower), afternoon)[0] is True
    # The day after, the shower follows the place's temporary hours again.
    assert _compact(compiled, place, morning + timedelta(days=2))[0] is True
