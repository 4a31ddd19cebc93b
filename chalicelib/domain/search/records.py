"""The compact search record: what search needs of an online place, and nothing else.

A search used to decode every candidate into a validated ``Place`` (pydantic, ~120 µs each) to
throw most of them away. The record holds only what filtering, ordering, facets, the open
filters and text matching read, as plain JSON values, so a search decodes thousands of them
with ``json.loads`` and evaluates them without pydantic; only the page's places are read and
decoded in full (``SearchRecordSource.places``).

It is derived from the place by ``search_record`` only, and written in the same transaction as
the place on every write path (chalicelib/adapters/dynamodb/search_cells.py), so it never
disagrees with the place it describes. Every rule it encodes is the one ``SearchService`` used
on whole places (audience, modalities, languages, text fields); the open state is compiled by
``chalicelib.domain.hours.compact``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from chalicelib.domain.hours.compact import (
    CompiledPeriod,
    CompiledSchedule,
    CompiledWeek,
    compile_period,
    compile_schedule,
    compile_week,
)
from chalicelib.domain.hours.models import HolidayPolicy
from chalicelib.domain.places.models import DEFAULT_TIMEZONE, Place, PlaceStatus
from chalicelib.domain.search.models import AUDIENCE_VALUES, ModalityFilter
from chalicelib.domain.search.rules import satisfied_modalities, sort_name, welcomes
from chalicelib.domain.search.text import words

RECORD_FORMAT = 1
"""Layout version of ``SearchRecord`` rows. Stored with them: a reader meeting rows of another
layout rejects them (the backfill rewrites every record, functions/search_backfill.py)."""

MODALITY_BITS: dict[ModalityFilter, int] = {
    modality: 1 << position for position, modality in enumerate(ModalityFilter)
}


class SearchRecord(NamedTuple):
    """One online place as search sees it. Fields are JSON values so a row decodes with
    ``json.loads`` and becomes a record with ``SearchRecord._make(row)``, no validation."""

    id: str
    version: int
    lat: float
    lon: float
    sort_name: str
    """The name's normalised words, space-separated: the order's tie-breaker and the name's
    words for text matching."""
    categories: str
    """Leaf category ids of the services, in service order without repeats, space-separated
    (a string, so a search can count facets per distinct combination)."""
    department: str
    postal_code: str
    city_code: str | None
    zone: str | None
    """The place's time zone, None for Europe/Paris (most places)."""
    schedule: CompiledSchedule
    """The place's compiled hours, temporary hours and temporary closure."""
    services: list[Any] | None
    """``[category, own week or None, own closure or None]`` per service, or None when no
    service has hours or a closure of its own (every service then follows the place)."""
    excluded_audiences: str
    """Audience filter values the place does not welcome, space-separated ("" = everyone)."""
    modalities: int
    """Bits of ``MODALITY_BITS`` for the modality filters the place passes."""
    languages: str
    organisation_words: str
    text_words: str
    """Words of the description and of the services' names and descriptions, without repeats
    and without words of the name or organisation (they score higher there: dropping them
    never changes a score)."""

    @property
    def category_list(self) -> list[str]:
        return self.categories.split()


def _unique_words(text: str, known: set[str]) -> str:
    kept: list[str] = []
    for word in words(text):
        if word not in known:
            known.add(word)
            kept.append(word)
    return " ".join(kept)


def _service_row(place: Place, index: int) -> list[Any]:
    service = place.services[index]
    week: CompiledWeek | None = None
    if service.hours is not None:
        week = compile_week(service.hours, service.hours.public_holidays is HolidayPolicy.CLOSED)
    closure: CompiledPeriod | None = compile_period(service.temporary_closure)
    return [service.category, week, closure]


def search_record(place: Place) -> SearchRecord:
    """The record of an online place (a ValueError for any other status: only online places
    are searchable, so only they have a record)."""
    if place.status is not PlaceStatus.ONLINE:
        raise ValueError(f"place {place.id!r} is {place.status.value}: it has no search record")
    name = sort_name(place)
    known = set(name.split())
    organisation = _unique_words(place.organisation or "", known)
    text = _unique_words(
        " ".join(
            [place.description or ""]
            + [f"{s.name or ''} {s.description or ''}" for s in place.services]
        ),
        known,
    )
    services = None
    if any(s.hours is not None or s.temporary_closure is not None for s in place.services):
        services = [_service_row(place, index) for index in range(len(place.services))]
    modalities = 0
    for modality in satisfied_modalities(place):
        modalities |= MODALITY_BITS[modality]
    address = place.address
    return SearchRecord(
        id=place.id,
        version=place.version,
        lat=place.location.lat,
        lon=place.location.lon,
        sort_name=name,
        categories=" ".join(place.categories),
        department=address.department_code,
        postal_code=address.postal_code,
        city_code=address.city_code,
        zone=None if place.timezone == DEFAULT_TIMEZONE else place.timezone,
        schedule=compile_schedule(place.hours, place.temporary_hours, (place.temporary_closure,)),
        services=services,
        excluded_audiences=" ".join(
            value for value in AUDIENCE_VALUES if not welcomes(place.audience, value)
        ),
        modalities=modalities,
        languages=" ".join(place.languages),
        organisation_words=organisation,
        text_words=text,
    )


def service_schedules(record: SearchRecord, wanted: frozenset[str]) -> list[CompiledSchedule]:
    """The compiled schedules of the record's services in the wanted categories
    (``engine.schedule_for_service``: own hours keep no temporary hours; the place's closure
    always applies on top of the service's own)."""
    place_week, place_temporary, place_closures = record.schedule
    if record.services is None:
        return [record.schedule] if not wanted.isdisjoint(record.category_list) else []
    schedules: list[CompiledSchedule] = []
    for category, week, closure in record.services:
        if category not in wanted:
            continue
        closures = place_closures if closure is None else [*place_closures, closure]
        if week is None:
            schedules.append([place_week, place_temporary, closures])
        else:
            schedules.append([week, None, closures])
    return schedules
