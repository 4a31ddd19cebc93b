"""Weekly hours as text: the compact French of printed leaflets, and OpenStreetMap syntax.

Both group the days sharing exactly the same slots, in the order of each group's first day
(Monday first). Inside a group, three or more consecutive days make a range ("lundi-mercredi",
"Mo-We"); one or two are listed ("samedi, dimanche", "Sa,Su"). Ranges do not wrap around the
week end: Friday to Monday is "lundi, vendredi-dimanche", which reads unambiguously.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def format_osm(hours: WeeklyHours) -> str:
    """OpenStreetMap ``opening_hours``: ``"Mo-Fr 09:00-12:30,14:00-17:30; PH off"``.

    ``""`` when there are no hours ("off" would assert a closure nobody stated). Only a CLOSED
    holiday policy is written: OPEN is what the weekday rules already say, and UNKNOWN has no
    OSM form.
    """
    groups = _groups(hours)
    if not groups:
        return ""
    rules = [
        f"{_days_text(days, OSM_DAY_NAMES, ',')} {','.join(_slot_osm(slot) for slot in slots)}"
        for days, slots in groups
    ]
    if hours.public_holidays is HolidayPolicy.CLOSED:
        rules.append("PH off")
    return "; ".join(rules)


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


def _slot_osm(slot: TimeSlot) -> str:
    return _slot_text(slot, _time_osm, "{}+")


def _time_fr(hhmm: str) -> str:
    hours, minutes = hhmm.split(":")
    text = f"{int(hours)}h"
    return text if minutes == "00" else f"{text}{minutes}"


def _time_osm(hhmm: str) -> str:
    # Already "HH:MM", and OSM accepts "24:00" as the end of a day.
    return hhmm
