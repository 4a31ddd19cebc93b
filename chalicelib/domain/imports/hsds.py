"""Open Referral HSDS 3.0 JSON, as flat tables linked by ids (``organizations``, ``services``,
``locations``, ``service_at_locations``, ``schedules``, ``taxonomy_terms``): Repère's own export
(chalicelib/domain/exports/hsds.py) reads back into the same places, so that exporting them
again gives the same document, ids aside (tests/unit/imports/test_import_hsds.py).

Records are the ``locations`` (``locations[n]``; the record's id is the location's id): a
place per physical location, with the services linked to it by ``service_at_locations``.

Mapping, the export's read backwards:

* location -> name, description, coordinates, address (``state_province`` is the department),
  phones, languages; its organization -> ``organisation``, unless the organization is the
  location's own (same name, this location only: what the export writes for a place without
  organisation), whose email and website are the place's;
* service -> a service of the category its attribute names (a term of the ``repere``
  taxonomy, or any term whose ``code`` is one of our category ids; anything else is an
  unknown category: the service is rejected); ``application_process`` -> modalities,
  ``fees_description`` -> price (and its note after `` : ``), ``eligibility_description``
  and ages -> audience, ``email`` -> the place's email;
* schedules without ``valid_from`` -> weekly hours (the place's when every service shares
  them, else the service's own), with ``valid_from`` -> temporary hours; ``notes`` carry the
  time zone, "Fermé les jours fériés." and the hours' note;
* dated schedules described as the service's own (``Horaires temporaires du service``) -> that
  service's temporary hours;
* ``alert`` -> the temporary messages (the parts every service's alert starts with are the
  place's, the rest each service's own), and for a ``temporarily closed`` service its closure
  ("Fermé temporairement jusqu'au 12 décembre 2026 inclus — travaux"; the closure starts on
  the file's ``data_date``: the export says when it ends, not when it began).

Not carried by HSDS, so not imported: the place's status (the job's ``status``), the INSEE
code, the audience's kind and lists, ``verified_at`` (an import is not a human check).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from chalicelib.domain.dates import MONTHS
from chalicelib.domain.exports.hsds import ALERT_SEPARATOR as _ALERT_SEPARATOR
from chalicelib.domain.exports.hsds import SERVICE_TEMPORARY_HOURS
from chalicelib.domain.hours.models import WEEKDAYS
from chalicelib.domain.imports.common import (
    FileRejected,
    Json,
    load_json,
    rejected_record,
    text,
)
from chalicelib.domain.imports.models import ParsedFile, ParsedRecord, RecordError
from chalicelib.domain.places.models import DEFAULT_TIMEZONE, Source
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

_BYDAY = {day.value[:2].upper(): day.value for day in WEEKDAYS}
_TZ_NOTE = re.compile(r"^Heures locales \(([^)]+)\)\.\s*")
_HOLIDAYS_NOTE = "Fermé les jours fériés."
_CLOSED = "Fermé temporairement "
_UNTIL = re.compile(r"^jusqu'au (1er|[0-9]{1,2}) ([a-zéû]+) ([0-9]{4}) inclus")
_PRICES = {"Gratuit": "free", "Participation symbolique": "symbolic", "Payant": "paid"}
_PROCESS = {
    "Sur rendez-vous": "appointment",
    "Sur inscription": "registration",
    "Sur orientation d'un travailleur social": "referral_required",
}
_TABLES = ("organizations", "services", "locations", "service_at_locations", "schedules")


def parse(raw: bytes, *, source: str) -> ParsedFile:
    try:
        data = load_json(raw)
    except FileRejected as rejected:
        return ParsedFile(file_errors=[rejected.error])
    if not isinstance(data, dict) or not all(
        isinstance(data.get(table, []), list) for table in _TABLES
    ):
        return _shape_error("an HSDS file is an object of tables (locations, services...)")
    if not data.get("locations"):
        return _shape_error("an HSDS file without locations has no place to import")
    day = _data_date(data.get("data_date"))
    return _Reader(data, source=source, day=day).records()


def _shape_error(message: str) -> ParsedFile:
    return ParsedFile(file_errors=[RecordError(field="file", message=message)])


def _data_date(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return date.today()


def _by_id(items: list[Any]) -> dict[str, Json]:
    return {item["id"]: item for item in items if isinstance(item, dict) and "id" in item}


class _Reader:
    def __init__(self, data: Json, *, source: str, day: date) -> None:
        self._data = data
        self._source = source
        self._day = day
        self._organizations = _by_id(data.get("organizations", []))
        self._services = _by_id(data.get("services", []))
        self._terms = _by_id(data.get("taxonomy_terms", []))
        self._taxonomy = default_taxonomy()
        self._links: dict[str, list[str]] = {}
        for link in data.get("service_at_locations", []):
            if isinstance(link, dict):
                self._links.setdefault(str(link.get("location_id")), []).append(
                    str(link.get("service_id"))
                )
        self._schedules: dict[str, list[Json]] = {}
        for schedule in data.get("schedules", []):
            if isinstance(schedule, dict):
                self._schedules.setdefault(str(schedule.get("service_id")), []).append(schedule)
        uses = Counter(
            str(location.get("organization_id"))
            for location in data.get("locations", [])
            if isinstance(location, dict)
        )
        self._organization_uses = uses

    def records(self) -> ParsedFile:
        records = []
        for index, location in enumerate(self._data["locations"]):
            records.append(self._record(index, location))
        return ParsedFile(records=records)

    def _record(self, index: int, location: object) -> ParsedRecord:
        number = index + 1
        where = f"locations[{index}]"
        if not isinstance(location, dict) or not isinstance(location.get("id"), str):
            return rejected_record(number, None, None, where, "a location is an object with an id")
        external = location["id"]
        name = text(location.get("name"), limit=200)
        errors: list[RecordError] = []
        if name is None:
            errors.append(RecordError(field=f"{where}.name", message="no name"))
        lat, lon = location.get("latitude"), location.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            errors.append(
                RecordError(
                    field=f"{where}.latitude", message="no coordinates (latitude, longitude)"
                )
            )
        address = self._address(location, where, errors)
        services, hours, temporary = self._services_of(external, where, errors)
        if errors or name is None:
            return ParsedRecord(record=number, external_id=external, name=name, errors=errors)
        content: Json = {
            "name": name,
            "description": text(location.get("description"), limit=4000),
            "address": address,
            "location": {"lat": float(lat), "lon": float(lon)},  # type: ignore[arg-type]
            **services,
        }
        own = self._organisation(location, name)
        content["organisation"] = own.get("organisation")
        content["contacts"] = {**services.get("contacts", {}), **own.get("contacts", {})}
        if hours is not None:
            timezone, weekly = hours
            content["hours"] = weekly
            if timezone != DEFAULT_TIMEZONE:
                content["timezone"] = timezone
        if temporary is not None:
            content["temporary_hours"] = temporary
        phones = [
            {k: v for k, v in (("number", p.get("number")), ("label", p.get("description"))) if v}
            for p in location.get("phones", [])
            if isinstance(p, dict) and p.get("number")
        ]
        contacts = content.setdefault("contacts", {})
        if phones:
            contacts["phones"] = phones
        languages = [
            str(item.get("code"))
            for item in location.get("languages", [])
            if isinstance(item, dict) and item.get("code")
        ]
        if languages:
            content["languages"] = languages
        return ParsedRecord(
            record=number,
            external_id=external,
            name=name,
            source=Source(name=self._source, external_id=external[:100]),
            content={k: v for k, v in content.items() if v is not None},
        )

    def _address(self, location: Json, where: str, errors: list[RecordError]) -> Json | None:
        addresses = [a for a in location.get("addresses", []) if isinstance(a, dict)]
        if not addresses:
            errors.append(RecordError(field=f"{where}.addresses", message="no address"))
            return None
        found = addresses[0]
        street = text(found.get("address_1"), limit=300)
        postal = text(found.get("postal_code"), limit=10)
        city = text(found.get("city"), limit=100)
        department = text(found.get("state_province"), limit=3)
        if street is None or postal is None or city is None:
            errors.append(
                RecordError(field=f"{where}.addresses[0]", message="no street, postal code or city")
            )
            return None
        if department is None:
            from chalicelib.domain.imports.common import department as department_of

            department = department_of(postal, None)
        result: Json = {
            "street": street,
            "postal_code": postal,
            "city": city,
            "department_code": department,
            "additional_info": text(found.get("address_2"), limit=300),
            "region_code": text(found.get("region"), limit=2),
            "country": text(found.get("country"), limit=2) or "FR",
        }
        return {k: v for k, v in result.items() if v is not None}

    def _organisation(self, location: Json, name: str) -> Json:
        organization = self._organizations.get(str(location.get("organization_id")))
        if organization is None:
            return {}
        own = (
            organization.get("name") == name
            and self._organization_uses[str(location.get("organization_id"))] == 1
        )
        if not own:
            return {"organisation": text(organization.get("name"), limit=200)}
        contacts = {
            key: organization[field]
            for key, field in (("email", "email"), ("website", "website"))
            if organization.get(field)
        }
        return {"contacts": contacts} if contacts else {}

    def _services_of(
        self, location_id: str, where: str, errors: list[RecordError]
    ) -> tuple[Json, tuple[str, Json] | None, Json | None]:
        """The place's services (and the fields they carry for the place: email,
        modalities, audience, temporary message and closure), its weekly hours (with the
        time zone) when the services share them, its temporary hours."""
        found: list[tuple[Json, Json]] = []
        for service_id in self._links.get(location_id, []):
            service = self._services.get(service_id)
            if service is None:
                continue
            category = self._category(service)
            if category is None:
                errors.append(
                    RecordError(
                        field=f"{where}.services[{service_id}].attributes",
                        message="unknown category: no term of the repere taxonomy",
                    )
                )
                continue
            found.append((service, {"id": _service_id(service_id, category), "category": category}))
        if not found:
            if not errors:
                errors.append(RecordError(field=f"{where}.services", message="no service"))
            return {}, None, None

        regular, place_hours, temporary, own_temporary = self._hours(found)
        first = found[0][0]
        place_modalities = _modalities(first)
        place_audience = _audience(first)
        services: list[Json] = []
        for (service, ours), hours, own in zip(found, regular, own_temporary, strict=True):
            name = text(service.get("name"), limit=200)
            if name is not None:
                ours["name"] = name
            description = text(service.get("description"), limit=2000)
            if description is not None:
                ours["description"] = description
            if hours is not None and hours != place_hours:
                ours["hours"] = hours[1]
            if own is not None:
                ours["temporary_hours"] = own
            ours.update(_differences(service, place_modalities, place_audience))
            services.append(ours)
        fields: Json = {
            "services": services,
            "modalities": place_modalities,
            "audience": place_audience,
        }
        email = text(first.get("email"), limit=254)
        if email is not None:
            fields["contacts"] = {"email": email}
        fields.update(self._alerts(found, services))
        return fields, place_hours, temporary

    def _hours(
        self, found: list[tuple[Json, Json]]
    ) -> tuple[
        list[tuple[str, Json] | None], tuple[str, Json] | None, Json | None, list[Json | None]
    ]:
        """Each service's weekly hours, the place's, its temporary hours, and each service's
        own temporary hours (the dated schedules the export describes as the service's)."""
        regular: list[tuple[str, Json] | None] = []
        own_temporary: list[Json | None] = []
        temporary: Json | None = None
        dated_ids: set[str] = set()
        for service, _ in found:
            schedules = self._schedules.get(str(service["id"]), [])
            regular.append(_weekly([s for s in schedules if not s.get("valid_from")]))
            own = [s for s in schedules if s.get("valid_from") and _own_temporary(s)]
            own_temporary.append(_temporary(own))
            dated = [s for s in schedules if s.get("valid_from") and not _own_temporary(s)]
            if dated:
                dated_ids.add(str(service["id"]))
            if temporary is None:
                temporary = _temporary(dated)
        # The place's hours: those of the services that carry the place's temporary hours
        # (the export gives them to the services that follow its hours), else the most
        # common.
        following = [
            hours
            for (service, _), hours in zip(found, regular, strict=True)
            if hours is not None and (not dated_ids or str(service["id"]) in dated_ids)
        ]
        shared = Counter(repr(hours) for hours in following).most_common(1)
        place_hours = next((h for h in following if shared and repr(h) == shared[0][0]), None)
        return regular, place_hours, temporary, own_temporary

    def _alerts(self, found: list[tuple[Json, Json]], services: list[Json]) -> Json:
        fields: Json = {}
        closures: list[Json | None] = []
        messages: list[list[str]] = []
        for service, _ in found:
            alert = text(service.get("alert"), limit=2000) or ""
            closure = None
            at = alert.find(_CLOSED)
            if service.get("status") == "temporarily closed" and at >= 0:
                closure = self._closure(alert[at + len(_CLOSED) :])
                alert = alert[:at].removesuffix(_ALERT_SEPARATOR)
            closures.append(closure)
            messages.append(alert.split(_ALERT_SEPARATOR) if alert else [])
        # The export writes the place's message first on every service's alert, then the
        # service's own: the parts every alert starts with are the place's, the rest each
        # service's. (A place whose services all say the same thing reads as one message of
        # the place: the same document once exported again.)
        shared = _common_start(messages)
        if shared:
            fields["temporary_message"] = self._message(_ALERT_SEPARATOR.join(shared))
        for ours, parts in zip(services, messages, strict=True):
            own_message = _ALERT_SEPARATOR.join(parts[len(shared) :])
            if own_message:
                ours["temporary_message"] = self._message(own_message)
        if closures and all(c is not None and c == closures[0] for c in closures):
            fields["temporary_closure"] = closures[0]
        else:
            for ours, closure in zip(services, closures, strict=True):
                if closure is not None:
                    ours["temporary_closure"] = closure
        return fields

    def _message(self, said: str) -> Json:
        # HSDS carries no dates for an alert: it holds from the file's day, until changed.
        return {"start_date": self._day.isoformat(), "text": said[:1000]}

    def _closure(self, said: str) -> Json:
        closure: Json = {"start_date": self._day.isoformat()}
        match = _UNTIL.match(said)
        if match is not None:
            day = 1 if match.group(1) == "1er" else int(match.group(1))
            month = MONTHS["fr"].index(match.group(2)) + 1 if match.group(2) in MONTHS["fr"] else 1
            closure["end_date"] = date(int(match.group(3)), month, day).isoformat()
        _, dash, reason = said.partition(" — ")
        if dash and reason.strip():
            closure["reason"] = reason.strip()[:500]
        return closure

    def _category(self, service: Json) -> str | None:
        for attribute in service.get("attributes", []):
            if not isinstance(attribute, dict):
                continue
            term = self._terms.get(str(attribute.get("taxonomy_term_id")))
            code = term.get("code") if term is not None else None
            if isinstance(code, str) and code in self._taxonomy:  # leaves only
                return code if not self._taxonomy.get(code).children else None
        return None


def _service_id(hsds_id: str, category: str) -> str:
    from chalicelib.domain.imports.common import service_id

    return service_id(hsds_id, category)


def _differences(service: Json, place_modalities: Json, place_audience: Json) -> Json:
    """The service's modalities and audience where they are not the place's."""
    found: Json = {}
    if _modalities(service) != place_modalities:
        found["modalities"] = _modalities(service)
    if _audience(service) != place_audience:
        found["audience"] = _audience(service)
    return found


def _own_temporary(schedule: Json) -> bool:
    return str(schedule.get("description") or "").startswith(SERVICE_TEMPORARY_HOURS)


def _temporary(dated: list[Json]) -> Json | None:
    """Temporary hours from dated schedules (None without any)."""
    if not dated:
        return None
    weekly = _weekly(dated)
    return {
        "start_date": dated[0]["valid_from"],
        "end_date": dated[0].get("valid_to"),
        "hours": weekly[1] if weekly is not None else {},
    }


def _common_start(lists: list[list[str]]) -> list[str]:
    """The leading items every list (all of them non-empty) starts with."""
    if not lists or any(not items for items in lists):
        return []
    shared: list[str] = []
    for items in zip(*lists, strict=False):
        if any(item != items[0] for item in items):
            break
        shared.append(items[0])
    return shared


def _weekly(schedules: list[Json]) -> tuple[str, Json] | None:
    """The weekly hours of WEEKLY schedules, and the time zone their notes name."""
    if not schedules:
        return None
    days: dict[str, list[Json]] = {day.value: [] for day in WEEKDAYS}
    timezone = DEFAULT_TIMEZONE
    holidays = "unknown"
    note = None
    for schedule in schedules:
        for code in str(schedule.get("byday", "")).split(","):
            day = _BYDAY.get(code.strip())
            if day is None:
                continue
            slot = {"start": schedule.get("opens_at")}
            if schedule.get("closes_at"):
                slot["end"] = schedule["closes_at"]
            days[day].append(slot)
        notes = str(schedule.get("notes") or "")
        zone = _TZ_NOTE.match(notes)
        if zone is not None:
            timezone = zone.group(1)
            notes = notes[zone.end() :]
        if notes.startswith(_HOLIDAYS_NOTE):
            holidays = "closed"
            notes = notes[len(_HOLIDAYS_NOTE) :].strip()
        note = notes.strip() or note
    for slots in days.values():
        slots.sort(key=lambda slot: str(slot["start"]))
    weekly: Json = {**days, "public_holidays": holidays}
    if note:
        weekly["note"] = note[:500]
    return timezone, weekly


def _modalities(service: Json) -> Json:
    modalities: Json = {}
    process = str(service.get("application_process") or "")
    for part in process.split("; "):
        flag = _PROCESS.get(part.strip())
        if flag is not None:
            modalities[flag] = True
    fees = str(service.get("fees_description") or "")
    price, _, note = fees.partition(" : ")
    if price in _PRICES:
        modalities["price"] = _PRICES[price]
    if note.strip():
        modalities["price_note"] = note.strip()[:300]
    return modalities


def _audience(service: Json) -> Json:
    audience: Json = {}
    other = text(service.get("eligibility_description"), limit=300)
    if other is not None:
        audience["other"] = other
    for key, field in (("age_min", "minimum_age"), ("age_max", "maximum_age")):
        value = service.get(field)
        if isinstance(value, int | float):
            audience[key] = int(value)
    return audience
