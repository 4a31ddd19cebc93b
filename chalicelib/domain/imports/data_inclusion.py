"""data·inclusion v1 files: ``{"structures": [...], "services": [...]}`` (its own dumps and
Repère's export), a bare list of services, or a CSV of services (one row per service, the v1
field names as columns; list fields as JSON arrays or comma-separated).

Every record is validated with the ``data-inclusion-schema`` package (v1 ``Structure`` and
``Service``), imported here on first use only: the API's cold start does not pay for it.

Records are the services (``services[n]``, or the CSV's row n): one place per structure of the
file gathers its services (the structure's address and hours, else its first service's);
a service whose structure is not in the file is a place of its own. A service with no
thematique that maps (chalicelib/data/import_mappings/data_inclusion.json) or without
coordinates is rejected; the other services of its structure still import.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.imports.common import (
    FileRejected,
    Json,
    address,
    contacts,
    decode,
    load_json,
    mapping,
    rejected_record,
    service_id,
    text,
)
from chalicelib.domain.imports.models import ParsedFile, ParsedRecord, RecordError
from chalicelib.domain.imports.osm_hours import parse_osm
from chalicelib.domain.places.models import Source

_LIST_FIELDS = frozenset(
    {
        "thematiques",
        "publics",
        "modes_accueil",
        "modes_mobilisation",
        "mobilisable_par",
        "zone_eligibilite",
        "reseaux_porteurs",
    }
)
_PUBLICS = {
    "femmes": ("genders", "women"),
    "familles": ("family", "family"),
    "personnes-exilees": ("administrative", "refugee"),
}


def parse_json(raw: bytes, *, source: str) -> ParsedFile:
    try:
        data = load_json(raw)
    except FileRejected as rejected:
        return ParsedFile(file_errors=[rejected.error])
    if isinstance(data, list):
        structures: list[Any] = []
        services: list[Any] = data
    elif isinstance(data, dict) and isinstance(data.get("services"), list):
        services = data["services"]
        structures = data.get("structures") or []
        if not isinstance(structures, list):
            return _shape_error("structures must be a list")
    else:
        return _shape_error(
            'a data·inclusion file is {"structures": [...], "services": [...]} or a list '
            "of services"
        )
    return _parse(structures, services, source=source, collection="services")


def parse_csv(raw: bytes, *, source: str) -> ParsedFile:
    try:
        content = decode(raw)
    except FileRejected as rejected:
        return ParsedFile(file_errors=[rejected.error])
    try:
        rows = list(csv.DictReader(io.StringIO(content, newline="")))
    except csv.Error as error:
        return _shape_error(f"the CSV cannot be read: {error}")
    if not rows or "id" not in rows[0] or "nom" not in rows[0]:
        return _shape_error("a data·inclusion CSV has a header row with at least id and nom")
    services = [_csv_row(row) for row in rows]
    return _parse([], services, source=source, collection="rows")


def _shape_error(message: str) -> ParsedFile:
    return ParsedFile(file_errors=[RecordError(field="file", message=message)])


def _csv_row(row: dict[str | None, str | None]) -> Json:
    result: Json = {}
    for key, cell in row.items():
        if key is None or cell is None or cell.strip() == "":
            continue  # extra cells without a header, empty cells: absent
        value = cell.strip()
        if key in _LIST_FIELDS:
            if value.startswith("["):
                try:
                    result[key] = json.loads(value)
                    continue
                except json.JSONDecodeError:
                    pass
            result[key] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            result[key] = value
    return result


def _errors_of(error: ValidationError, prefix: str) -> list[RecordError]:
    found = []
    for problem in error.errors()[:5]:
        where = ".".join(str(part) for part in problem["loc"])
        found.append(
            RecordError(field=f"{prefix}.{where}" if where else prefix, message=problem["msg"])
        )
    return found


def _parse(
    raw_structures: Sequence[Any], raw_services: Sequence[Any], *, source: str, collection: str
) -> ParsedFile:
    from data_inclusion.schema import v1  # heavy (pendulum): imported on first import only

    table = mapping("data_inclusion")
    known: dict[str, str] = table["thematiques"]
    ignored = frozenset(table["ignored"])

    structures: dict[str, Json] = {}
    positions: dict[str, int] = {}  # structure id -> its index in the file (error fields)
    structure_errors: dict[str, list[RecordError]] = {}
    for index, item in enumerate(raw_structures):
        prefix = f"structures[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue  # a structure no service can name: nothing to import from it
        try:
            v1.Structure.model_validate(item)
        except ValidationError as error:
            structure_errors[item["id"]] = _errors_of(error, prefix)
            continue
        structures[item["id"]] = item
        positions[item["id"]] = index

    records: list[ParsedRecord] = []
    groups: dict[str, list[tuple[int, Json, list[str]]]] = {}
    for index, item in enumerate(raw_services):
        number = index + 1
        prefix = f"{collection}[{index}]"
        if not isinstance(item, dict):
            records.append(
                rejected_record(number, None, None, prefix, "a service is a JSON object")
            )
            continue
        external = item.get("id") if isinstance(item.get("id"), str) else None
        name = item.get("nom") if isinstance(item.get("nom"), str) else None
        try:
            v1.Service.model_validate(item)
        except ValidationError as error:
            records.append(
                ParsedRecord(
                    record=number, external_id=external, name=name, errors=_errors_of(error, prefix)
                )
            )
            continue
        structure_id = item["structure_id"]
        if structure_id in structure_errors:
            records.append(
                ParsedRecord(
                    record=number,
                    external_id=external,
                    name=name,
                    errors=structure_errors[structure_id],
                )
            )
            continue
        thematiques = item.get("thematiques") or []
        categories = list(dict.fromkeys(known[t] for t in thematiques if t in known))
        unknown = [t for t in thematiques if t not in known and t not in ignored]
        if unknown or not categories:
            message = (
                f"unknown thematique {unknown[0]!r}"
                if unknown
                else "no thematique maps to a Repère category (import_mappings/data_inclusion.json)"
            )
            records.append(
                rejected_record(number, external, name, f"{prefix}.thematiques", message)
            )
            continue
        key = structure_id if structure_id in structures else f"service:{external}"
        groups.setdefault(key, []).append((number, item, categories))

    for key, members in groups.items():
        where = (
            f"structures[{positions[key]}]"
            if key in structures
            else f"{collection}[{members[0][0] - 1}]"
        )
        records.extend(_place(members, structures.get(key), where=where, source=source))
    records.sort(key=lambda record: record.record)
    return ParsedFile(records=records)


def _place(
    members: list[tuple[int, Json, list[str]]],
    structure: Json | None,
    *,
    where: str,
    source: str,
) -> list[ParsedRecord]:
    """One place from a structure and its services (or a lone service); the record number
    is its first service's."""
    number, first, _ = members[0]
    origin = structure or first
    external = structure["id"] if structure is not None else first["id"]
    errors: list[RecordError] = []
    place_address = address(
        errors,
        street=origin.get("adresse"),
        postal_code=origin.get("code_postal"),
        city=origin.get("commune"),
        city_code=origin.get("code_insee"),
        additional=origin.get("complement_adresse"),
        prefix=f"{where}.",
    )
    lat, lon = origin.get("latitude"), origin.get("longitude")
    if (lat is None or lon is None) and structure is not None:
        lat, lon = first.get("latitude"), first.get("longitude")
    place_location = None
    if lat is None or lon is None:
        errors.append(
            RecordError(field=f"{where}.latitude", message="no coordinates (latitude, longitude)")
        )
    else:
        place_location = {"lat": float(lat), "lon": float(lon)}
    name = text(origin.get("nom"), limit=200)
    if errors or place_address is None or place_location is None or name is None:
        return [
            ParsedRecord(record=n, external_id=item.get("id"), name=item.get("nom"), errors=errors)
            for n, item, _ in members
        ]
    services: list[Json] = []
    for _, item, categories in members:
        for category in categories:
            services.append(_service(item, category))
    hours_text = text(origin.get("horaires_accueil"), limit=500)
    content: Json = {
        "name": name,
        "description": text(origin.get("description"), limit=4000),
        "address": place_address,
        "location": place_location,
        "services": services[:50],
        "contacts": contacts(
            origin.get("telephone"), origin.get("courriel"), origin.get("site_web")
        ),
    }
    if hours_text is not None:
        hours = parse_osm(hours_text)
        content["hours"] = (
            hours.model_dump(mode="json", exclude_defaults=True)
            if hours is not None
            else {"note": hours_text}
        )
    modalities = _modalities(first)
    if modalities:
        content["modalities"] = modalities
    audience = _audience(first)
    if audience is not None:
        content["audience"] = audience
    url = text(origin.get("lien_source"), limit=500)
    return [
        ParsedRecord(
            record=number,
            external_id=external,
            name=name,
            source=Source(name=source, external_id=external[:100], url=url),
            content={k: v for k, v in content.items() if v is not None},
        )
    ]


def _service(item: Json, category: str) -> Json:
    service: Json = {"id": service_id(item["id"], category), "category": category}
    name = text(item.get("nom"), limit=200)
    if name is not None:
        service["name"] = name
    description = text(item.get("description"), limit=2000)
    if description is not None:
        service["description"] = description
    return service


def _modalities(item: Json) -> Json:
    result: Json = {}
    conditions = (item.get("conditions_acces") or "").lower()
    if "rendez-vous" in conditions:
        result["appointment"] = True
    if "inscription" in conditions:
        result["registration"] = True
    if "orientation" in conditions or item.get("mobilisable_par") == ["professionnels"]:
        result["referral_required"] = True
    frais = item.get("frais")
    if frais == "payant":
        result["price"] = "paid"
    note = text(item.get("frais_precisions"), limit=300)
    if note is not None:
        result["price_note"] = note
    return result


def _audience(item: Json) -> Json | None:
    publics = item.get("publics")
    other = text(item.get("publics_precisions"), limit=300)
    if not publics or "tous-publics" in publics:
        return {"other": other} if other else None
    audience: Json = {"kind": "exclusive"}
    for public in publics:
        if public in _PUBLICS:
            group, value = _PUBLICS[public]
            audience.setdefault(group, []).append(value)
        elif public == "jeunes":
            audience["age_max"] = 25
        elif public == "seniors":
            audience["age_min"] = 60
    if other:
        audience["other"] = other
    if len(audience) == 1:
        return {"kind": "preferential", "other": ", ".join(publics)[:300]}
    return audience
