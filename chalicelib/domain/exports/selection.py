"""Which places an export lists, and what is in force for them on the export's date.

Every format shares this selection: online places of the territory having at least one
service in the export's categories (a category matches its descendants). A place, or a
service, temporarily closed on the date is left out or kept and marked (``ClosedPlaces``);
draft, offline and permanently closed places are never exported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.dates import long_date
from chalicelib.domain.exports.models import ClosedPlaces, Territory
from chalicelib.domain.hours.engine import schedule_for_service
from chalicelib.domain.hours.models import TemporaryClosure, TemporaryHours, WeeklyHours
from chalicelib.domain.places.models import Place, PlaceStatus, Service
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def date_fr(day: date) -> str:
    """``"6 mai 2020"``, ``"1er mai 2020"``."""
    return long_date(day, "fr")


def wanted_categories(taxonomy: Taxonomy, categories: Iterable[str]) -> frozenset[str]:
    """The categories and all their descendants. Raises InvalidInput for an unknown id."""
    wanted: set[str] = set()
    for category in categories:
        wanted |= taxonomy.descendants(category)
    return frozenset(wanted)


@dataclass(frozen=True)
class ServiceInForce:
    service: Service
    closure: TemporaryClosure | None  # the closure covering the date (place's or service's)


@dataclass(frozen=True)
class SelectedPlace:
    """A place kept by an export, with its services in the export's categories."""

    place: Place
    services: tuple[ServiceInForce, ...]
    closure: TemporaryClosure | None  # set when the place itself is closed on the date

    @property
    def is_closed(self) -> bool:
        return self.closure is not None or all(s.closure is not None for s in self.services)


def in_territory(place: Place, territory: Territory) -> bool:
    address = place.address
    if territory.france:
        return True
    if territory.department is not None:
        return address.department_code == territory.department
    return address.postal_code in territory.postal_codes


def hours_in_force(place: Place, day: date) -> tuple[WeeklyHours, TemporaryHours | None]:
    """The weekly hours of the place in force on ``day``: its temporary hours when active."""
    temporary = place.active_temporary_hours(day)
    return (place.hours, None) if temporary is None else (temporary.hours, temporary)


def service_hours_in_force(
    place: Place, service: Service, day: date
) -> tuple[WeeklyHours, TemporaryHours | None]:
    """The weekly hours a service follows on ``day`` (``engine.schedule_for_service``): its own
    temporary hours when active, else its own hours, else the place's in force; and the
    temporary hours in force (its own or the place's), None when regular hours apply."""
    own = service.active_temporary_hours(day)
    if own is not None:
        return own.hours, own
    if service.hours is not None:
        return service.hours, None
    return hours_in_force(place, day)


def service_closure(place: Place, service: Service, day: date) -> TemporaryClosure | None:
    """The closure closing the service on ``day`` (the place's first), or None."""
    covering = schedule_for_service(place, service).closures_covering(day)
    return covering[0] if covering else None


def sort_key(place: Place) -> tuple[str, str, str]:
    """Postal code, then name without accents or case, then id: readers look by district."""
    return (place.address.postal_code, collation_key(place.name), place.id)


def collation_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def select_places(
    places: Iterable[Place],
    *,
    territory: Territory,
    wanted: frozenset[str],
    day: date,
    closed: ClosedPlaces,
) -> list[SelectedPlace]:
    """The places an export lists, sorted by ``sort_key``, each once (ids deduplicated)."""
    selected: dict[str, SelectedPlace] = {}
    for place in places:
        if place.status is not PlaceStatus.ONLINE or place.id in selected:
            continue
        if not in_territory(place, territory):
            continue
        services = tuple(
            ServiceInForce(service, service_closure(place, service, day))
            for service in place.services
            if service.category in wanted
        )
        if not services:
            continue
        kept = SelectedPlace(place, services, place.active_temporary_closure(day))
        if closed is ClosedPlaces.OMIT:
            if kept.is_closed:
                continue
            open_services = tuple(s for s in services if s.closure is None)
            kept = SelectedPlace(place, open_services, None)
        selected[place.id] = kept
    return sorted(selected.values(), key=lambda chosen: sort_key(chosen.place))
