"""What every importer shares: decoding a file, reading JSON, place fields from addresses
and phones, the mapping tables (chalicelib/data/import_mappings/), and record ids."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.domain.imports.models import ParsedRecord, RecordError
from chalicelib.domain.places.models import Phone
from chalicelib.domain.submissions.models import department_of_postal_code
from chalicelib.domain.territories import DEPARTMENT_PATTERN

MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "import_mappings"
_POSTAL = re.compile(r"^[0-9]{5}$")
_DEPARTMENT = re.compile(DEPARTMENT_PATTERN)
_PHONE = re.compile(r"^[0-9+ .()-]{4,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEB = re.compile(r"^https?://\S+$")
_SERVICE_ID = re.compile(r"[^A-Za-z0-9_-]")

Json = dict[str, Any]


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, syntax, shape): one error for the file."""

    def __init__(self, error: RecordError) -> None:
        super().__init__(error.message)
        self.error = error


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM is dropped); an encoding error names the byte where it is."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(
            RecordError(
                field="file",
                message=f"the file is not UTF-8 text: byte {error.start} "
                f"(0x{raw[error.start]:02x}) cannot be decoded",
            )
        ) from None


def load_json(raw: bytes) -> Any:
    text = decode(raw)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            RecordError(
                field="file",
                message=f"the file is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}",
            )
        ) from None
    except RecursionError:
        raise FileRejected(
            RecordError(field="file", message="the JSON is nested too deeply")
        ) from None


@cache
def mapping(name: str) -> Json:
    """A mapping table of chalicelib/data/import_mappings/ (read once per container)."""
    data: Json = json.loads((MAPPINGS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def text(value: object, *, limit: int) -> str | None:
    """A trimmed string cut to ``limit`` characters, or None for anything empty."""
    if value is None:
        return None
    result = str(value).strip()
    return result[:limit] or None


def service_id(*parts: str) -> str:
    """A stable service id (``[A-Za-z0-9_-]{1,64}``) for the source's own ids."""
    joined = "|".join(parts)
    readable = _SERVICE_ID.sub("-", parts[-1])[:30].strip("-") or "s"
    digest = hashlib.sha256(joined.encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


def department(postal_code: str | None, city_code: str | None) -> str | None:
    for code in (city_code, postal_code):
        if code and len(code) == 5:
            found = department_of_postal_code(code) if code[:2].isdigit() else code[:2]
            if _DEPARTMENT.fullmatch(found):
                return found
    return None


def address(
    errors: list[RecordError],
    *,
    street: object,
    postal_code: object,
    city: object,
    city_code: object = None,
    additional: object = None,
    prefix: str = "",
) -> Json | None:
    """Our address from a source's fields; errors name the source's own field names given in
    ``prefix`` + the key (``adresse``, ``code_postal``...) by the caller's convention."""
    postal = text(postal_code, limit=10)
    insee = text(city_code, limit=10)
    values = {"street": text(street, limit=300), "city": text(city, limit=100)}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        errors.append(RecordError(field=f"{prefix}{missing[0]}", message=f"no {missing[0]}"))
        return None
    if postal is None or not _POSTAL.fullmatch(postal):
        errors.append(
            RecordError(field=f"{prefix}postal_code", message="no five-digit postal code")
        )
        return None
    code = department(postal, insee)
    if code is None:
        errors.append(RecordError(field=f"{prefix}postal_code", message="not a French department"))
        return None
    result: Json = {
        "street": values["street"],
        "postal_code": postal,
        "city": values["city"],
        "department_code": code,
    }
    if insee is not None and re.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}", insee):
        result["city_code"] = insee
    extra = text(additional, limit=300)
    if extra is not None:
        result["additional_info"] = extra
    return result


def location(errors: list[RecordError], lat: object, lon: object, *, field: str) -> Json | None:
    try:
        latitude = float(lat)  # type: ignore[arg-type]
        longitude = float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.append(RecordError(field=field, message="no coordinates (latitude, longitude)"))
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors.append(RecordError(field=field, message="coordinates out of range"))
        return None
    return {"lat": latitude, "lon": longitude}


def contacts(phone: object, email: object, website: object) -> Json:
    result: Json = {}
    number = text(phone, limit=30)
    if number is not None and _PHONE.fullmatch(number):
        result["phones"] = [Phone(number=number).model_dump(mode="json", exclude_none=True)]
    mail = text(email, limit=254)
    if mail is not None and _EMAIL.fullmatch(mail):
        result["email"] = mail
    site = text(website, limit=500)
    if site is not None and _WEB.fullmatch(site):
        result["website"] = site
    return result


def rejected_record(
    number: int, external: str | None, name: str | None, field: str, message: str
) -> ParsedRecord:
    """A record refused as a whole, for one reason."""
    return ParsedRecord(
        record=number,
        external_id=external,
        name=name,
        errors=[RecordError(field=field, message=message)],
    )
