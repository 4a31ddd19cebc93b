"""Rows of the CSV and XLSX exports (and the properties of the GeoJSON features).

One row per place, built field by field from public data only. Text cells pass through
``neutralise`` (OWASP CSV injection): a spreadsheet must never run a formula a place's editor
typed. Numbers (lat, lon) stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TextIO
from zoneinfo import ZoneInfo

from chalicelib.domain.exports.leaflet import closure_text
from chalicelib.domain.exports.selection import SelectedPlace, date_fr
from chalicelib.domain.hours.formatting import format_compact_fr
from chalicelib.domain.hours.models import TemporaryClosure, TemporaryHours
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.views import public_url
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

Cell = str | float | None

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "organisation",
    "address",
    "postal_code",
    "city",
    "lat",
    "lon",
    "categories",
    "hours",
    "temporary_closure",
    "temporary_hours",
    "temporary_message",
    "phones",
    "email",
    "link",
    "last_verified",
)

# OWASP "CSV Injection": cells starting with these are read as formulas by spreadsheets.
# The full-width forms are included: some spreadsheets normalise them to the ASCII ones.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would take for a formula with an apostrophe."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def upcoming_closure(place: Place, day: date) -> TemporaryClosure | None:
    """The place's closure in force on ``day`` or announced after it."""
    closure = place.temporary_closure
    if closure is None or (closure.end_date is not None and closure.end_date < day):
        return None
    return closure


def upcoming_temporary_hours(place: Place, day: date) -> TemporaryHours | None:
    hours = place.temporary_hours
    if hours is None or (hours.end_date is not None and hours.end_date < day):
        return None
    return hours


def period_text(start: date, end: date | None) -> str:
    if end is None:
        return f"à partir du {date_fr(start)}"
    return f"du {date_fr(start)} au {date_fr(end)}"


def temporary_hours_text(hours: TemporaryHours) -> str:
    return f"{period_text(hours.start_date, hours.end_date)} : {format_compact_fr(hours.hours)}"


def closure_period_text(closure: TemporaryClosure, day: date) -> str:
    if closure.covers(day):
        return closure_text(closure)
    reason = f" — {closure.reason}" if closure.reason else ""
    return f"Fermeture prévue {period_text(closure.start_date, closure.end_date)}{reason}"


def verified_date(place: Place) -> date | None:
    if place.verified_at is None:
        return None
    return place.verified_at.astimezone(ZoneInfo(place.timezone)).date()


def place_record(
    place: Place, day: date, taxonomy: Taxonomy, base_url: str
) -> dict[str, str | float | list[str] | None]:
    """The public facts of one place at ``day``, keyed by ``COLUMNS`` (raw, not neutralised)."""
    address = place.address
    closure = upcoming_closure(place, day)
    temporary = upcoming_temporary_hours(place, day)
    message = place.active_temporary_message(day)
    verified = verified_date(place)
    street = address.street
    if address.additional_info:
        street = f"{street}, {address.additional_info}"
    return {
        "id": place.id,
        "name": place.name,
        "organisation": place.organisation,
        "address": street,
        "postal_code": address.postal_code,
        "city": address.city,
        "lat": place.location.lat,
        "lon": place.location.lon,
        "categories": [taxonomy.get(category).fr for category in place.categories],
        "hours": format_compact_fr(place.hours),
        "temporary_closure": None if closure is None else closure_period_text(closure, day),
        "temporary_hours": None if temporary is None else temporary_hours_text(temporary),
        "temporary_message": None if message is None else message.text,
        "phones": [phone.number for phone in place.contacts.phones],
        "email": place.contacts.email,
        "link": public_url(base_url, place),
        "last_verified": None if verified is None else verified.isoformat(),
    }


def rows(
    selected: Iterable[SelectedPlace], day: date, taxonomy: Taxonomy, base_url: str
) -> Iterator[tuple[Cell, ...]]:
    """Table rows in ``COLUMNS`` order, text neutralised, lists joined with " | "."""
    for chosen in selected:
        record = place_record(chosen.place, day, taxonomy, base_url)
        yield tuple(_cell(record[column]) for column in COLUMNS)


def _cell(value: str | float | list[str] | None) -> Cell:
    if value is None:
        return None
    if isinstance(value, list):
        return neutralise(" | ".join(value)) if value else None
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_csv_rows(stream: TextIO, rows: Iterable[Iterable[Cell]]) -> None:
    """RFC 4180 rows (CRLF), an empty cell for None: the CSV of a department export and of
    the national file (chalicelib/domain/exports/national.py) alike."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows(("" if cell is None else cell for cell in row) for row in rows)
