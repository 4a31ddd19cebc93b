"""French public holidays, by department.

Alsace-Moselle keeps two extra days from the local law (Good Friday, St Stephen) and each
overseas department has its own abolition-of-slavery day, so the calendar depends on where the
place is. Every other department follows the national calendar.

The calendars come from the maintained `holidays` library. For the years of
``chalicelib/data/holidays_fr.json`` (2020-2045) they are read from that table, generated from
the library by ``devtools/holiday_table.py`` and checked against it by the tests: building a
calendar with the library costs ~170 ms of CPU (import and computation) on the first request
of a container, which is most of what a cold search paid; the table costs ~1 ms. Other years
fall back to the library itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

TABLE_FILE = Path(__file__).resolve().parents[2] / "data" / "holidays_fr.json"
TABLE_FIRST_YEAR = 2020
TABLE_LAST_YEAR = 2045

# Department code -> subdivision code of ``holidays.France``. Moselle has its own code in the
# library; Bas-Rhin (67) and Haut-Rhin (68) share the "6AE" (Alsace) calendar. Saint-Pierre-et-
# Miquelon is not a department but our address validator accepts 975 for it; the library knows
# it as "PM".
_SUBDIVISIONS: Mapping[str, str] = MappingProxyType(
    {
        "57": "57",
        "67": "6AE",
        "68": "6AE",
        "971": "971",
        "972": "972",
        "973": "973",
        "974": "974",
        "975": "PM",
        "976": "976",
    }
)


def subdivision_for(department_code: str | None) -> str | None:
    """The ``holidays.France`` subdivision for a department, or None for the national calendar."""
    if department_code is None:
        return None
    return _SUBDIVISIONS.get(department_code)


def subdivisions() -> list[str | None]:
    """Every calendar in use: the national one (None) and each subdivision's."""
    return [None, *sorted(set(_SUBDIVISIONS.values()))]


def library_calendar(subdivision: str | None, year: int) -> dict[date, str]:
    """The calendar as the `holidays` library computes it (the table's source of truth)."""
    # French names on purpose: they are shown to people as they are ("Fête du Travail").
    # Imported here: the library takes ~45 ms to import and is only needed outside the table.
    from holidays import country_holidays

    calendar = country_holidays("FR", subdiv=subdivision, years=year, language="fr")
    return dict(calendar.items())


@cache
def _table() -> dict[str, dict[str, str]]:
    document = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    calendars: dict[str, dict[str, str]] = document["calendars"]
    return calendars


@lru_cache(maxsize=256)
def _calendar(subdivision: str | None, year: int) -> Mapping[date, str]:
    # A frozen mapping per (subdivision, year): safe to share between requests of a warm Lambda.
    if TABLE_FIRST_YEAR <= year <= TABLE_LAST_YEAR:
        prefix = f"{year:04d}-"
        days = _table()[subdivision or ""]
        calendar = {
            date.fromisoformat(day): name for day, name in days.items() if day.startswith(prefix)
        }
    else:
        calendar = library_calendar(subdivision, year)
    return MappingProxyType(calendar)


def holidays_of_year(year: int, department_code: str | None) -> Mapping[date, str]:
    """Every public holiday of ``year`` in the department, with its French name."""
    return _calendar(subdivision_for(department_code), year)


def holiday_name(day: date, department_code: str | None) -> str | None:
    """The French name of the public holiday on ``day`` in the department, or None."""
    return holidays_of_year(day.year, department_code).get(day)


def is_public_holiday(day: date, department_code: str | None) -> bool:
    return holiday_name(day, department_code) is not None
