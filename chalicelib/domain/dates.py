"""Dates as people write them in a letter or on a leaflet: "6 mai 2020", "1er mai 2020",
"6 May 2020". By hand rather than with Babel: twelve month names per language do not justify
a locale database in the API and every worker."""

from __future__ import annotations

from datetime import date

MONTHS: dict[str, tuple[str, ...]] = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
DEFAULT_LANGUAGE = "fr"


def long_date(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """The day in words, in ``language`` (French, the reference, for any other)."""
    months = MONTHS.get(language, MONTHS[DEFAULT_LANGUAGE])
    first = "1er" if months is MONTHS["fr"] and day.day == 1 else str(day.day)
    return f"{first} {months[day.month - 1]} {day.year}"
