"""The common forms of OpenStreetMap ``opening_hours`` as weekly hours (data·inclusion's
``horaires_accueil``): ``Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00; PH off``.

Anything else (dates, week numbers, ``sunrise``, comments) is not guessed at: ``None``, and the
importer keeps the text as the hours' note so nobody loses it.
"""

from __future__ import annotations

import re

from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy, TimeSlot, WeeklyHours

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_SPEC = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_TIME = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


def parse_osm(value: str) -> WeeklyHours | None:
    days: dict[str, list[TimeSlot]] = {day.value: [] for day in WEEKDAYS}
    holidays = HolidayPolicy.UNKNOWN
    rules = [rule.strip() for rule in value.split(";") if rule.strip()]
    if not rules:
        return None
    try:
        for rule in rules:
            head, _, rest = rule.partition(" ")
            rest = rest.strip()
            if head == "PH":
                if rest != "off":
                    return None
                holidays = HolidayPolicy.CLOSED
                continue
            if head == "24/7":
                for day in WEEKDAYS:
                    days[day.value] = [TimeSlot(start="00:00", end="24:00")]
                continue
            chosen = _days(head)
            if chosen is None:
                return None
            slots = [] if rest == "off" else _slots(rest)
            if slots is None:
                return None
            for index in chosen:
                days[WEEKDAYS[index].value] = list(slots)
        return WeeklyHours.model_validate(
            {
                **{k: [s.model_dump() for s in v] for k, v in days.items()},
                "public_holidays": holidays,
            }
        )
    except ValueError:
        return None


def _days(spec: str) -> list[int] | None:
    chosen: list[int] = []
    for part in spec.split(","):
        match = _DAY_SPEC.fullmatch(part)
        if match is None:
            return None
        first = _DAYS.index(match.group(1))
        last = _DAYS.index(match.group(2)) if match.group(2) else first
        span = range(first, last + 1) if last >= first else [*range(first, 7), *range(0, last + 1)]
        chosen.extend(span)
    return chosen


def _slots(spec: str) -> list[TimeSlot] | None:
    slots: list[TimeSlot] = []
    for part in spec.split(","):
        match = _TIME.fullmatch(part.strip())
        if match is None:
            return None
        start = f"{match.group(1)}:{match.group(2)}"
        end = f"{match.group(3)}:{match.group(4)}"
        slots.append(TimeSlot(start=start, end=end))
    return slots
