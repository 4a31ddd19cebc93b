"""Open Referral HSDS 3.0, as flat JSON tables linked by ids.

The document has one array per HSDS table (``organizations``, ``services``, ``locations``,
``service_at_locations``, ``schedules``); each item validates against the compiled HSDS 3.0
schema of its object (schemas/hsds-3.0/, tests/unit/exports/test_hsds.py). Nested arrays of
HSDS (phones, languages, attributes, addresses) are filled where they belong to one object.

Mapping
-------
* place -> location (physical, with its address) + one service per service of ours in the
  export's categories, linked by a service_at_location; the place's organisation ->
  organization (shared by its places; a place without organisation is its own organization).
* ids: UUIDv5 derived from our ids and the public site, stable across exports.
* ``service.status``: ``temporarily closed`` when a closure covers the export's date, else
  ``active``. ``alert``: the temporary message and the closure, in French.
* ``assured_date`` = last verified date; ``last_modified`` = last update.
* weekly hours -> one WEEKLY schedule per (time slot, days sharing it), ``opens_at`` /
  ``closes_at`` local wall-clock; temporary hours carry ``valid_from`` / ``valid_to``.
  HSDS has no public holidays: "fermé les jours fériés" goes into ``notes``.
* categories -> attributes pointing at terms of the "repere" taxonomy.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from chalicelib.domain.exports.leaflet import closure_text
from chalicelib.domain.exports.selection import SelectedPlace, ServiceInForce
from chalicelib.domain.exports.tabular import upcoming_temporary_hours, verified_date
from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy, TimeSlot, WeeklyHours
from chalicelib.domain.places.models import Place, Price
from chalicelib.domain.places.views import public_url
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

HSDS_VERSION = "3.0"
TAXONOMY_NAME = "repere"
_BYDAY = {day: day.value[:2].upper() for day in WEEKDAYS}
_PRICE_FR = {
    Price.FREE: "Gratuit",
    Price.SYMBOLIC: "Participation symbolique",
    Price.PAID: "Payant",
}

Json = dict[str, Any]

ALERT_SEPARATOR = " — "
"""Between the parts of a service's ``alert``: the place's message, the service's own, the
closure."""
PLACE_TEMPORARY_HOURS = "Horaires temporaires"
SERVICE_TEMPORARY_HOURS = "Horaires temporaires du service"
"""A dated schedule's ``description``: the place's temporary hours (given to each service that
follows the place's hours) or the service's own, which win within their dates. The importer
(chalicelib/domain/imports/hsds.py) tells them apart by it."""


def compact(item: Json) -> Json:
    """Drop absent values: HSDS types its fields as strings or numbers, never null."""
    return {key: value for key, value in item.items() if value is not None and value != []}


class _Ids:
    """UUIDv5 of our ids, in a namespace of the public site (stable, collision-free)."""

    def __init__(self, base_url: str) -> None:
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, base_url.rstrip("/") + "/hsds")

    def __call__(self, kind: str, *parts: str) -> str:
        return str(uuid.uuid5(self._namespace, "/".join((kind, *parts))))


def hsds_document(
    selected: Sequence[SelectedPlace],
    *,
    day: date,
    taxonomy: Taxonomy,
    base_url: str,
) -> Json:
    ids = _Ids(base_url)
    organizations: dict[str, Json] = {}
    services: list[Json] = []
    locations: list[Json] = []
    links: list[Json] = []
    schedules: list[Json] = []
    terms: dict[str, Json] = {}

    context = _Context(day, taxonomy, ids, terms, base_url)
    for chosen in selected:
        place = chosen.place
        organization_id = _organization(place, ids, organizations)
        location_id = ids("location", place.id)
        locations.append(_location(place, location_id, organization_id, ids))
        for in_force in chosen.services:
            service = in_force.service
            service_id = ids("service", place.id, service.id)
            link_id = ids("service_at_location", place.id, service.id)
            services.append(
                _service(
                    place,
                    in_force,
                    ids=(service_id, organization_id),
                    context=context,
                )
            )
            links.append({"id": link_id, "service_id": service_id, "location_id": location_id})
            schedules.extend(_schedules(place, in_force, (service_id, link_id), day, ids))

    return {
        "hsds_version": HSDS_VERSION,
        "data_date": day.isoformat(),
        "organizations": list(organizations.values()),
        "services": services,
        "locations": locations,
        "service_at_locations": links,
        "schedules": schedules,
        "taxonomy_terms": list(terms.values()),
    }


def _organization(place: Place, ids: _Ids, organizations: dict[str, Json]) -> str:
    if place.organisation:
        key = " ".join(place.organisation.casefold().split())
        organization_id = ids("organization", key)
        if organization_id not in organizations:
            organizations[organization_id] = {
                "id": organization_id,
                "name": place.organisation,
                "description": f"{place.organisation} (organisation référencée dans Repère).",
            }
        return organization_id
    organization_id = ids("organization", "place", place.id)
    organizations[organization_id] = compact(
        {
            "id": organization_id,
            "name": place.name,
            "description": place.description or f"{place.name} (structure référencée dans Repère).",
            "email": place.contacts.email,
            "website": place.contacts.website,
        }
    )
    return organization_id


def _location(place: Place, location_id: str, organization_id: str, ids: _Ids) -> Json:
    address = place.address
    return compact(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": organization_id,
            "name": place.name,
            "description": place.description,
            "latitude": place.location.lat,
            "longitude": place.location.lon,
            "external_identifier": place.id,
            "external_identifier_type": "repere",
            "addresses": [
                compact(
                    {
                        "id": ids("address", place.id),
                        "location_id": location_id,
                        "address_1": address.street,
                        "address_2": address.additional_info,
                        "city": address.city,
                        "region": address.region_code,
                        "state_province": address.department_code,
                        "postal_code": address.postal_code,
                        "country": address.country,
                        "address_type": "physical",
                    }
                )
            ],
            "phones": [
                compact(
                    {
                        "id": ids("phone", place.id, str(index)),
                        "location_id": location_id,
                        "number": phone.number,
                        "description": phone.label,
                    }
                )
                for index, phone in enumerate(place.contacts.phones)
            ],
            "languages": [
                {"id": ids("language", place.id, code), "location_id": location_id, "code": code}
                for code in place.languages
            ],
        }
    )


@dataclass(frozen=True)
class _Context:
    day: date
    taxonomy: Taxonomy
    ids: _Ids
    terms: dict[str, Json]
    base_url: str


def _service(
    place: Place, in_force: ServiceInForce, *, ids: tuple[str, str], context: _Context
) -> Json:
    service_id, organization_id = ids
    day, taxonomy, base_url = context.day, context.taxonomy, context.base_url
    service = in_force.service
    category = taxonomy.get(service.category)
    audience = service.audience or place.audience
    modalities = service.modalities or place.modalities
    message = place.active_temporary_message(day)
    alerts = [message.text] if message is not None else []
    own_message = service.active_temporary_message(day)
    if own_message is not None:
        alerts.append(own_message.text)
    if in_force.closure is not None:
        alerts.append(closure_text(in_force.closure))
    process = [
        text
        for flag, text in (
            (modalities.appointment, "Sur rendez-vous"),
            (modalities.registration, "Sur inscription"),
            (modalities.referral_required, "Sur orientation d'un travailleur social"),
        )
        if flag
    ]
    fees = _PRICE_FR[modalities.price]
    if modalities.price_note:
        fees = f"{fees} : {modalities.price_note}"
    verified = verified_date(place)
    term_id = _term(service.category, taxonomy, context.ids, context.terms)
    return compact(
        {
            "id": service_id,
            "organization_id": organization_id,
            "name": service.name or f"{category.fr} — {place.name}",
            "description": service.description or place.description,
            "url": public_url(base_url, place),
            "email": place.contacts.email,
            "status": "temporarily closed" if in_force.closure is not None else "active",
            "application_process": "; ".join(process) or "Accès libre",
            "fees_description": fees,
            "eligibility_description": audience.other,
            "minimum_age": audience.age_min,
            "maximum_age": audience.age_max,
            "assured_date": None if verified is None else verified.isoformat(),
            "alert": ALERT_SEPARATOR.join(alerts) or None,
            "last_modified": place.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "attributes": [
                {
                    "id": context.ids("attribute", place.id, service.id, service.category),
                    "link_id": service_id,
                    "link_type": "category",
                    "link_entity": "service",
                    "taxonomy_term_id": term_id,
                }
            ],
        }
    )


def _term(category_id: str, taxonomy: Taxonomy, ids: _Ids, terms: dict[str, Json]) -> str:
    term_id = ids("taxonomy_term", category_id)
    if term_id in terms:
        return term_id
    category = taxonomy.get(category_id)
    parent_id = None
    if category.parent is not None:
        parent_id = _term(category.parent, taxonomy, ids, terms)
    terms[term_id] = compact(
        {
            "id": term_id,
            "code": category.id,
            "name": category.fr,
            "description": category.en,
            "parent_id": parent_id,
            "taxonomy": TAXONOMY_NAME,
            "language": "fr",
        }
    )
    return term_id


def _schedules(
    place: Place, in_force: ServiceInForce, links: tuple[str, str], day: date, ids: _Ids
) -> list[Json]:
    service = in_force.service
    own = service.hours is not None
    weekly = service.hours if service.hours is not None else place.hours
    found = _weekly_schedules(weekly, place, links, ids, ("regular",))
    temporary = None if own else upcoming_temporary_hours(place, day)
    if temporary is not None:
        found.extend(
            _weekly_schedules(
                temporary.hours,
                place,
                links,
                ids,
                ("temporary", temporary.start_date.isoformat()),
                valid_from=temporary.start_date,
                valid_to=temporary.end_date,
                holiday_fallback=place.hours.public_holidays,
            )
        )
    own_temporary = service.temporary_hours
    if own_temporary is not None and (
        own_temporary.end_date is None or own_temporary.end_date >= day
    ):
        # The service's own temporary hours win over the place's within their dates (the
        # engine's precedence); their UNKNOWN holiday policy is that of the hours above.
        found.extend(
            _weekly_schedules(
                own_temporary.hours,
                place,
                links,
                ids,
                ("service_temporary", own_temporary.start_date.isoformat()),
                valid_from=own_temporary.start_date,
                valid_to=own_temporary.end_date,
                holiday_fallback=weekly.public_holidays,
                description=SERVICE_TEMPORARY_HOURS,
            )
        )
    return found


def _weekly_schedules(
    weekly: WeeklyHours,
    place: Place,
    links: tuple[str, str],
    ids: _Ids,
    key: tuple[str, ...],
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    holiday_fallback: HolidayPolicy | None = None,
    description: str | None = None,
) -> list[Json]:
    service_id, link_id = links
    by_slot: dict[tuple[str, str | None], list[str]] = {}
    for weekday in WEEKDAYS:
        for slot in sorted(weekly.slots(weekday), key=lambda s: s.start_minute):
            by_slot.setdefault((slot.start, slot.end), []).append(_BYDAY[weekday])
    policy = weekly.public_holidays
    if policy is HolidayPolicy.UNKNOWN and holiday_fallback is not None:
        policy = holiday_fallback
    notes = [f"Heures locales ({place.timezone})."]
    if policy is HolidayPolicy.CLOSED:
        notes.append("Fermé les jours fériés.")
    if weekly.note:
        notes.append(weekly.note)
    if description is None and valid_from is not None:
        description = PLACE_TEMPORARY_HOURS
    schedules = []
    for (start, end), days in by_slot.items():
        slot = TimeSlot(start=start, end=end)
        schedules.append(
            compact(
                {
                    "id": ids("schedule", service_id, *key, start, end or "", ",".join(days)),
                    "service_id": service_id,
                    "service_at_location_id": link_id,
                    "valid_from": None if valid_from is None else valid_from.isoformat(),
                    "valid_to": None if valid_to is None else valid_to.isoformat(),
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": ",".join(days),
                    "opens_at": start,
                    "closes_at": None if end is None else ("00:00" if end == "24:00" else end),
                    "description": description
                    if slot.end is not None
                    else " ".join(filter(None, [description, f"À partir de {start}"])),
                    "notes": " ".join(notes),
                }
            )
        )
    return schedules
