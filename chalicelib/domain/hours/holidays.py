"""French public holidays, by department.

Alsace-Moselle keeps two extra days from the local law (Good Friday, St Stephen) and each
overseas department has its own abolition-of-slavery day, so the calendar depends on where the
place is. Every other department follows the national calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType

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


@lru_cache(maxsize=128)
def _calendar(subdivision: str | None, year: int) -> Mapping[date, str]:
    # The library builds its calendar lazily and mutably; a frozen copy per (subdivision, year)
    # is cheap to keep and safe to share between requests of a warm Lambda.
    # French names on purpose: they are shown to people as they are ("Fête du Travail").
    # Imported on first use: the library takes ~45 ms to import, a quarter of the API's cold
    # start, and most requests of a warm container never need it again (lru_cache above).
    from holidays import country_holidays

    calendar = country_holidays("FR", subdiv=subdivision, years=year, language="fr")
    return MappingProxyType(dict(calendar.items()))


def holidays_of_year(year: int, department_code: str | None) -> Mapping[date, str]:
    """Every public holiday of ``year`` in the department, with its French name."""
    return _calendar(subdivision_for(department_code), year)


def holiday_name(day: date, department_code: str | None) -> str | None:
    """The French name of the public holiday on ``day`` in the department, or None."""
    return holidays_of_year(day.year, department_code).get(day)


def is_public_holiday(day: date, department_code: str | None) -> bool:
    return holiday_name(day, department_code) is not None
