"""Weekly hours as text: the compact French of printed leaflets, and OpenStreetMap syntax.

Both group the days sharing exactly the same slots, in the order of each group's first day
(Monday first). Inside a group, three or more consecutive days make a range ("lundi-mercredi",
"Mo-We"); one or two are listed ("samedi, dimanche", "Sa,Su"). Ranges do not wrap around the
week end: Friday to Monday is "lundi, vendredi-dimanche", which reads unambiguously.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from chalicelib.domain.hours.holidays import holidays_of_year
from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy, TimeSlot, Weekday, WeeklyHours

FRENCH_DAY_NAMES: dict[Weekday, str] = {
    Weekday.MONDAY: "lundi",
    Weekday.TUESDAY: "mardi",
    Weekday.WEDNESDAY: "mercredi",
    Weekday.THURSDAY: "jeudi",
    Weekday.FRIDAY: "vendredi",
    Weekday.SATURDAY: "samedi",
    Weekday.SUNDAY: "dimanche",
}

OSM_DAY_NAMES: dict[Weekday, str] = {
    Weekday.MONDAY: "Mo",
    Weekday.TUESDAY: "Tu",
    Weekday.WEDNESDAY: "We",
    Weekday.THURSDAY: "Th",
    Weekday.FRIDAY: "Fr",
    Weekday.SATURDAY: "Sa",
    Weekday.SUNDAY: "Su",
}

_MIN_RANGE = 3
_Slots = tuple[TimeSlot, ...]


def format_compact_fr(hours: WeeklyHours) -> str:
    """``"lundi-vendredi - 9h-12h30 - 14h-17h30 - fermé les jours fériés"``; ``""`` if no hours."""
    groups = _groups(hours)
    if not groups:
        return ""
    if len(groups) == 1 and len(groups[0][0]) == len(WEEKDAYS):
        parts = [f"tous les jours - {format_day_fr(groups[0][1])}"]
    else:
        parts = [
            f"{_days_text(days, FRENCH_DAY_NAMES, ', ')} - {format_day_fr(slots)}"
            for days, slots in groups
        ]
    if hours.public_holidays is HolidayPolicy.CLOSED:
        parts.append("fermé les jours fériés")
    return " - ".join(parts)


def format_day_fr(slots: Sequence[TimeSlot]) -> str:
    """One day's slots, ``"9h-12h30 - 14h-17h30"``, ``"dès 20h30"``, or ``"fermé"``."""
    if not slots:
        return "fermé"
    return " - ".join(_slot_fr(slot) for slot in _sorted(slots))


def format_today_fr(slots: Sequence[TimeSlot], carried_until: str | None) -> str:
    """A day's hours as a person reads them today: an overnight opening from the day before
    first (``"jusqu'à 9h - 21h-9h"``; ``"ouvert toute la journée"`` when it lasts beyond the
    day), then the day's own slots."""
    if carried_until is None:
        return format_day_fr(slots)
    if carried_until == END_OF_DAY:
        return "ouvert toute la journée"
    carried = f"jusqu'à {_time_fr(carried_until)}"
    return f"{carried} - {format_day_fr(slots)}" if slots else carried


END_OF_DAY = "24:00"


def format_osm(
    hours: WeeklyHours, *, department_code: str | None = None, since: date | None = None
) -> str:
    """OpenStreetMap ``opening_hours`` meaning what the engine means:
    ``"Mo-Fr 09:00-12:30,14:00-17:30; PH off"``.

    ``""`` when there are no hours ("off" would assert a closure nobody stated). The engine
    and OSM readers (opening_hours.js, opening-hours-py) differ on three points, so the string
    is written in the form where they agree:

    - a slot crossing midnight belongs, for the engine, to the day it starts: a holiday
      closes the slots *starting* on it, not the end of the night before; OSM rules replace
      whole calendar days. So night slots are written split at midnight
      (``"Mo-Su 00:00-09:00,21:00-24:00"``) and, with a CLOSED holiday policy, each holiday
      of the department in the year from ``since`` gets a dated rule keeping the previous
      night's part (``"2026 Dec 25 00:00-09:00"``), and the day after it one keeping only its
      own slots (the holiday's night never opened). ``PH`` with a weekday (``"PH Fr"``) would
      be shorter, but readers disagree on it (opening-hours-py reads "PH or Friday");
    - an open-ended slot ("dès 20h30") is open until midnight for the engine; OSM readers
      read ``20:30+`` as "unknown", so it is written ``20:30-24:00``;
    - only a CLOSED holiday policy is written: OPEN is what the weekday rules already say,
      and UNKNOWN has no OSM form. Beyond the dated year, ``PH off`` is read with the
      reader's national calendar.
    """
    rules = _weekday_rules(day_ranges(hours))
    if not rules:
        return ""
    if hours.public_holidays is HolidayPolicy.CLOSED:
        rules.append("PH off")
        if since is not None and _has_night_slots(hours):
            rules.extend(_dated_holiday_rules(hours, department_code, since))
    return "; ".join(rules)


OSM_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HOLIDAY_WINDOW_DAYS = 366


def osm_date(day: date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}"


def _has_night_slots(hours: WeeklyHours) -> bool:
    return any(spilled_ranges(hours, day) for day in WEEKDAYS)


def _dated_holiday_rules(hours: WeeklyHours, department_code: str | None, since: date) -> list[str]:
    # From the day before ``since``: a holiday yesterday decides this morning (its night never
    # started, so none runs on into today).
    first = since - timedelta(days=1)
    until = since + timedelta(days=HOLIDAY_WINDOW_DAYS)
    holidays = {
        day
        for year in range(first.year, until.year + 1)
        for day in holidays_of_year(year, department_code)
        if first <= day < until
    }
    rules: list[str] = []
    for holiday in sorted(holidays):
        before, after = holiday - timedelta(days=1), holiday + timedelta(days=1)
        # The night before runs on into the holiday, unless that day was a holiday too.
        spilled = [] if before in holidays else spilled_ranges(hours, Weekday.of(holiday))
        rules.append(f"{osm_date(holiday)} {ranges_osm(spilled)}")
        if after not in holidays and spilled_ranges(hours, Weekday.of(after)):
            rules.append(f"{osm_date(after)} {ranges_osm(own_ranges(hours, Weekday.of(after)))}")
    return rules


_Range = tuple[str, str]  # ("HH:MM", "HH:MM"), within one calendar day, "24:00" at most


def own_ranges(hours: WeeklyHours, day: Weekday) -> list[_Range]:
    """The parts of ``day``'s slots that fall on that calendar day."""
    found: list[_Range] = []
    for slot in hours.slots(day):
        end = slot.end_minute
        if end is None or end >= _MINUTES_PER_DAY:
            found.append((slot.start, END_OF_DAY))
        else:
            found.append((slot.start, _hhmm(end)))
    return sorted(found)


def spilled_ranges(hours: WeeklyHours, day: Weekday) -> list[_Range]:
    """The parts of the previous day's slots that run on into ``day``."""
    previous = WEEKDAYS[(WEEKDAYS.index(day) - 1) % len(WEEKDAYS)]
    return sorted(
        (_hhmm(0), _hhmm(slot.end_minute - _MINUTES_PER_DAY))
        for slot in hours.slots(previous)
        if slot.end_minute is not None and slot.end_minute > _MINUTES_PER_DAY
    )


def day_ranges(hours: WeeklyHours) -> dict[Weekday, list[_Range]]:
    return {day: sorted(spilled_ranges(hours, day) + own_ranges(hours, day)) for day in WEEKDAYS}


def ranges_osm(ranges: Sequence[_Range]) -> str:
    return ",".join(f"{start}-{end}" for start, end in ranges) if ranges else "off"


def _weekday_rules(ranges: dict[Weekday, list[_Range]]) -> list[str]:
    groups: dict[tuple[_Range, ...], list[Weekday]] = {}
    for day in WEEKDAYS:
        if ranges[day]:
            groups.setdefault(tuple(ranges[day]), []).append(day)
    return [
        f"{_days_text(days, OSM_DAY_NAMES, ',')} {ranges_osm(day_ranges_)}"
        for day_ranges_, days in groups.items()
    ]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_MINUTES_PER_DAY = 1440


def _sorted(slots: Sequence[TimeSlot]) -> _Slots:
    return tuple(sorted(slots, key=lambda slot: slot.start_minute))


def _groups(hours: WeeklyHours) -> list[tuple[list[Weekday], _Slots]]:
    """Open days grouped by identical slots, groups in the order of their first day."""
    by_slots: dict[_Slots, list[Weekday]] = {}
    for day in WEEKDAYS:
        slots = _sorted(hours.slots(day))
        if slots:
            by_slots.setdefault(slots, []).append(day)
    return [(days, slots) for slots, days in by_slots.items()]


def _days_text(days: list[Weekday], names: dict[Weekday, str], separator: str) -> str:
    runs: list[list[Weekday]] = []
    for day in days:
        if runs and WEEKDAYS.index(day) == WEEKDAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    pieces: list[str] = []
    for run in runs:
        if len(run) >= _MIN_RANGE:
            pieces.append(f"{names[run[0]]}-{names[run[-1]]}")
        else:
            pieces.extend(names[day] for day in run)
    return separator.join(pieces)


def _slot_text(slot: TimeSlot, time_text: Callable[[str], str], open_ended: str) -> str:
    if slot.end is None:
        return open_ended.format(time_text(slot.start))
    return f"{time_text(slot.start)}-{time_text(slot.end)}"


def _slot_fr(slot: TimeSlot) -> str:
    return _slot_text(slot, _time_fr, "dès {}")


def _time_fr(hhmm: str) -> str:
    hours, minutes = hhmm.split(":")
    text = f"{int(hours)}h"
    return text if minutes == "00" else f"{text}{minutes}"
