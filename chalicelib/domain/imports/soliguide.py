"""Soliguide place JSON: the place objects of its public search API (a list of places, or
``{"places": [...]}`` as its search answers), written from its published place model (no code
of Soliguide's is used here: it is AGPL).

Records are the places (``places[n]``; the record's id is ``lieu_id``):

* ``position``: ``location.coordinates`` is GeoJSON ``[lon, lat]``; ``address``,
  ``additionalInformation``, ``postalCode``, ``city``, ``cityCode``, ``departmentCode``;
* ``services_all``: ``category`` (or the older numeric ``categorie``) through
  chalicelib/data/import_mappings/soliguide.json; a category neither mapped nor ignored is an
  unknown category and rejects the place (nothing of it is written); a service's own hours
  (``differentHours``) and closure (``close``) are kept;
* ``newhours``: per day ``{"open": true, "timeslot": [{"start": 930, "end": 1230}]}``, times
  as HHMM integers; ``closedHolidays``;
* ``tempInfos``: ``closure``, ``hours`` and ``message``, each ``actif`` with ``dateDebut`` /
  ``dateFin`` (instants, read as days in Paris);
* ``publics`` (``accueil`` 0/1/2: unconditional, preferential, exclusive), ``modalities``,
  ``languages``, ``entity`` (phones, mail, website);
* ``status``: only ``ONLINE`` places are imported (a draft, offline or permanently closed place
  at the source is rejected, field ``status``).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.hours.models import WEEKDAYS
from chalicelib.domain.imports.common import (
    FileRejected,
    Json,
    address,
    contacts,
    load_json,
    mapping,
    service_id,
    text,
)
from chalicelib.domain.imports.models import ParsedFile, ParsedRecord, RecordError
from chalicelib.domain.places.models import Source

_PARIS = ZoneInfo("Europe/Paris")
_TAG = re.compile(r"<[^>]+>")
_LANGUAGE = re.compile(r"^([a-z]{2}|lsf)$")
_HOLIDAYS = {"CLOSED": "closed", "OPEN": "open"}
_WELCOME = {0: "unconditional", 1: "preferential", 2: "exclusive"}
_ADMINISTRATIVE = {
    "regular": "regular",
    "asylum": "asylum_seeker",
    "refugee": "refugee",
    "undocumented": "undocumented",
}
_FAMILY = {"isolated": "isolated", "family": "family", "couple": "couple", "pregnent": "pregnant"}


def parse(raw: bytes, *, source: str) -> ParsedFile:
    try:
        data = load_json(raw)
    except FileRejected as rejected:
        return ParsedFile(file_errors=[rejected.error])
    places = data.get("places") if isinstance(data, dict) else data
    if not isinstance(places, list):
        return ParsedFile(
            file_errors=[
                RecordError(
                    field="file",
                    message='a Soliguide file is a list of places or {"places": [...]}',
                )
            ]
        )
    table = mapping("soliguide")
    return ParsedFile(
        records=[_record(index, place, source, table) for index, place in enumerate(places)]
    )


def plain(value: object, *, limit: int) -> str | None:
    """Soliguide's descriptions are HTML: the text, without tags."""
    if not isinstance(value, str):
        return None
    words = html.unescape(_TAG.sub(" ", value)).split()  # also folds the no-break spaces
    return text(" ".join(words).replace(" .", ".").replace(" ,", ","), limit=limit)


def _record(index: int, place: object, source: str, table: Json) -> ParsedRecord:
    number = index + 1
    where = f"places[{index}]"
    if not isinstance(place, dict) or place.get("lieu_id") is None:
        return ParsedRecord(
            record=number,
            errors=[RecordError(field=where, message="a place is an object with a lieu_id")],
        )
    external = str(place["lieu_id"])
    name = text(place.get("name"), limit=200)
    errors: list[RecordError] = []
    status = place.get("status", "ONLINE")
    if status != "ONLINE":
        errors.append(
            RecordError(field=f"{where}.status", message=f"{status} at the source: not imported")
        )
    if name is None:
        errors.append(RecordError(field=f"{where}.name", message="no name"))
    found = place.get("position")
    position: Json = found if isinstance(found, dict) else {}
    where_address = address(
        errors,
        street=position.get("address"),
        postal_code=position.get("postalCode"),
        city=position.get("city"),
        city_code=position.get("cityCode"),
        additional=position.get("additionalInformation"),
        prefix=f"{where}.position.",
    )
    location = _location(position, f"{where}.position.location", errors)
    services = _services(place.get("services_all"), f"{where}.services_all", table, errors)
    if errors or name is None:
        return ParsedRecord(record=number, external_id=external, name=name, errors=errors)
    content: Json = {
        "name": name,
        "description": plain(place.get("description"), limit=4000),
        "address": where_address,
        "location": location,
        "services": services,
        "hours": _weekly(place.get("newhours")),
        "audience": _audience(place.get("publics")),
        "modalities": _modalities(place.get("modalities")),
        "languages": [
            code
            for code in place.get("languages") or []
            if isinstance(code, str) and _LANGUAGE.fullmatch(code)
        ][:30],
        "contacts": _contacts(place.get("entity")),
        **_temporary(place.get("tempInfos")),
    }
    url = text(place.get("seo_url"), limit=500)
    return ParsedRecord(
        record=number,
        external_id=external,
        name=name,
        source=Source(
            name=source,
            external_id=external[:100],
            url=f"https://soliguide.fr/fr/fiche/{url}" if url else None,
        ),
        content={k: v for k, v in content.items() if v is not None and v != {}},
    )


def _location(position: Json, field: str, errors: list[RecordError]) -> Json | None:
    found = position.get("location")
    coordinates = found.get("coordinates") if isinstance(found, dict) else None
    if (
        not isinstance(coordinates, list)
        or len(coordinates) != 2
        or not all(isinstance(c, int | float) for c in coordinates)
    ):
        errors.append(RecordError(field=field, message="no coordinates (location.coordinates)"))
        return None
    lon, lat = coordinates  # GeoJSON order
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.append(RecordError(field=field, message="coordinates out of range"))
        return None
    return {"lat": float(lat), "lon": float(lon)}


def _services(raw: object, where: str, table: Json, errors: list[RecordError]) -> list[Json]:
    by_name: dict[str, str] = table["category"]
    by_code: dict[str, str] = table["categorie"]
    ignored = frozenset(table["ignored"])
    services: list[Json] = []
    for index, service in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(service, dict):
            continue
        name = service.get("category")
        code = service.get("categorie")
        if name in ignored:
            continue
        category = by_name.get(str(name)) if name is not None else by_code.get(str(code))
        if category is None:
            shown = name if name is not None else code
            errors.append(
                RecordError(
                    field=f"{where}[{index}].category",
                    message=f"unknown category {shown!r} (import_mappings/soliguide.json)",
                )
            )
            continue
        ours: Json = {
            "id": service_id(str(service.get("serviceObjectId") or index), category),
            "category": category,
        }
        description = plain(service.get("description"), limit=2000)
        if description is not None:
            ours["description"] = description
        if service.get("differentHours") and isinstance(service.get("hours"), dict):
            ours["hours"] = _weekly(service["hours"])
        close = service.get("close")
        if isinstance(close, dict) and close.get("actif"):
            closure = _period(close)
            if closure is not None:
                ours["temporary_closure"] = closure
        services.append(ours)
    if not services and not errors:
        errors.append(RecordError(field=where, message="no service in a Repère category"))
    return services[:50]


def _hhmm(value: object) -> str | None:
    if not isinstance(value, int) or not 0 <= value <= 2400 or value % 100 >= 60:
        return None
    return f"{value // 100:02d}:{value % 100:02d}"


def _weekly(raw: object) -> Json | None:
    if not isinstance(raw, dict):
        return None
    weekly: Json = {}
    for day in WEEKDAYS:
        found = raw.get(day.value)
        slots: list[Json] = []
        if isinstance(found, dict) and found.get("open"):
            for slot in found.get("timeslot") or []:
                start = _hhmm(slot.get("start")) if isinstance(slot, dict) else None
                end = _hhmm(slot.get("end")) if isinstance(slot, dict) else None
                if start is not None and start != "24:00":
                    slots.append({"start": start, **({"end": end} if end else {})})
        weekly[day.value] = slots[:6]
    weekly["public_holidays"] = _HOLIDAYS.get(str(raw.get("closedHolidays")), "unknown")
    note = plain(raw.get("description"), limit=500)
    if note is not None:
        weekly["note"] = note
    return weekly


def _day(value: object) -> date | None:
    """An instant of Soliguide's (midnight in Paris, written in UTC) as the day in Paris."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if instant.tzinfo is None:
        return instant.date()
    return instant.astimezone(_PARIS).date()


def _period(raw: Json) -> Json | None:
    start = _day(raw.get("dateDebut"))
    if start is None:
        return None
    period: Json = {"start_date": start.isoformat()}
    end = _day(raw.get("dateFin"))
    if end is not None and end >= start:
        period["end_date"] = end.isoformat()
    reason = plain(raw.get("description"), limit=500)
    if reason is not None:
        period["reason"] = reason
    return period


def _temporary(raw: object) -> Json:
    if not isinstance(raw, dict):
        return {}
    fields: Json = {}
    closure = raw.get("closure")
    if isinstance(closure, dict) and closure.get("actif"):
        fields["temporary_closure"] = _period(closure)
    hours = raw.get("hours")
    if isinstance(hours, dict) and hours.get("actif"):
        period = _period(hours)
        weekly = _weekly(hours.get("hours"))
        if period is not None and weekly is not None:
            period.pop("reason", None)
            fields["temporary_hours"] = {**period, "hours": weekly}
    message = raw.get("message")
    if isinstance(message, dict) and message.get("actif"):
        period = _period(message)
        said = " — ".join(
            part
            for part in (
                plain(message.get("name"), limit=200),
                plain(message.get("description"), limit=800),
            )
            if part
        )
        if period is not None and said:
            period.pop("reason", None)
            fields["temporary_message"] = {**period, "text": said[:1000]}
    return {k: v for k, v in fields.items() if v is not None}


def _audience(raw: object) -> Json | None:
    if not isinstance(raw, dict):
        return None
    audience: Json = {"kind": _WELCOME.get(raw.get("accueil"), "unconditional")}  # type: ignore[arg-type]
    genders = [g for g in raw.get("gender") or [] if g in ("women", "men")]
    if genders and len(genders) < 2:
        audience["genders"] = genders
    administrative = [
        _ADMINISTRATIVE[a] for a in raw.get("administrative") or [] if a in _ADMINISTRATIVE
    ]
    if administrative and len(administrative) < len(_ADMINISTRATIVE):
        audience["administrative"] = administrative
    family = [_FAMILY[f] for f in raw.get("familialle") or [] if f in _FAMILY]
    if family and len(family) < len(_FAMILY):
        audience["family"] = family
    age = raw.get("age")
    if isinstance(age, dict):
        low, high = age.get("min"), age.get("max")
        if isinstance(low, int) and 0 < low <= 120:
            audience["age_min"] = low
        if isinstance(high, int) and 0 <= high < 99:
            audience["age_max"] = high
    other = plain(raw.get("description"), limit=300)
    if other is not None:
        audience["other"] = other
    return audience


def _checked(raw: Json, key: str) -> bool:
    value = raw.get(key)
    return bool(value.get("checked")) if isinstance(value, dict) else False


def _modalities(raw: object) -> Json | None:
    if not isinstance(raw, dict):
        return None
    modalities: Json = {
        "appointment": _checked(raw, "appointment"),
        "registration": _checked(raw, "inscription"),
        "referral_required": _checked(raw, "orientation"),
        "wheelchair_access": _checked(raw, "pmr"),
        "animals_accepted": _checked(raw, "animal"),
    }
    if _checked(raw, "price"):
        modalities["price"] = "symbolic"
        price: Any = raw.get("price")
        note = plain(price.get("precisions"), limit=300) if isinstance(price, dict) else None
        if note is not None:
            modalities["price_note"] = note
    return modalities


def _contacts(raw: object) -> Json:
    if not isinstance(raw, dict):
        return {}
    phones = [p for p in raw.get("phones") or [] if isinstance(p, dict)]
    found = contacts(
        phones[0].get("phoneNumber") if phones else None, raw.get("mail"), raw.get("website")
    )
    if phones and found.get("phones"):
        label = text(phones[0].get("label"), limit=100)
        if label is not None:
            found["phones"][0]["label"] = label
    return found
