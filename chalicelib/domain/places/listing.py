"""The back-office listing of places: every status, freshness and organisation filters.

Stores serve it from their own indexes (chalicelib/adapters/dynamodb: the ``admin_*`` GSIs);
both implementations pass tests/contract/test_place_edit_store_contract.py. Results come
least recently verified first (never verified first of all): the listing doubles as the
"what needs checking" queue of a territory.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime

from pydantic import Field

from chalicelib.domain import cursors
from chalicelib.domain.errors import InvalidCursor
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.search.text import normalise

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

NEVER_VERIFIED = "0"
"""Sort key of a place never verified: before every timestamp."""


def organisation_key(name: str | None) -> str | None:
    """A spelling-insensitive key of an organisation name ("Restos du Cœur" and
    "restos du coeur" share ``restos-du-coeur``); None without a name."""
    if name is None:
        return None
    # NFKD splits accented letters into letter + mark, so the marks can be dropped; "œ" and
    # "æ" are letters of their own for Unicode and are spelled out first.
    spelled = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", spelled)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    key = _NOT_ALPHANUMERIC.sub("-", unaccented.casefold()).strip("-")
    return key or None


_LAST_INSTANT = "9999-12-31T23:59:59.999999Z"


def verified_key(verified_at: datetime | None) -> str:
    """Sortable text of a verification instant (UTC, microseconds): text order is time order."""
    if verified_at is None:
        return NEVER_VERIFIED
    try:
        instant = verified_at.astimezone(UTC)
    except OverflowError:
        # Local midnight of 0001-01-01 or 9999-12-31 has no UTC time: it sorts before or
        # after every instant that has one, which is what a filter on it means.
        return "0001-01-01T00:00:00.000000Z" if verified_at.year == 1 else _LAST_INSTANT
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def search_text(place: Place) -> str:
    """What ``q`` searches in: name, organisation and city, normalised (see ``normalise``)."""
    parts = [place.name, place.organisation or "", place.address.city]
    return " ".join(part for part in (normalise(text) for text in parts) if part)


class PlaceFilter(DomainModel):
    """Conditions a listed place meets, all of them (AND).

    A store needs one of ``organisation_key``, ``department`` or ``status`` to pick an index.
    ``departments`` restricts to a territory (a moderator's scope); ``categories`` matches a
    place offering any of them; ``text`` is already normalised and matched as a substring of
    ``search_text``; ``verified_before`` keeps places last verified before that instant, or
    never.
    """

    status: PlaceStatus | None = None
    department: str | None = None
    departments: tuple[str, ...] | None = None
    organisation_key: str | None = None
    categories: tuple[str, ...] = ()
    verified_before: datetime | None = None
    text: str | None = None
    created_by: str | None = None

    def matches(self, place: Place) -> bool:
        """The reference semantics (the in-memory store uses it; DynamoDB expresses it as
        key conditions and filter expressions)."""
        department = place.address.department_code
        checks = (
            self.status is None or place.status is self.status,
            self.department is None or department == self.department,
            self.departments is None or department in self.departments,
            self.organisation_key is None
            or organisation_key(place.organisation) == self.organisation_key,
            not self.categories or bool(set(self.categories) & set(place.categories)),
            self.verified_before is None
            or verified_key(place.verified_at) < verified_key(self.verified_before),
            self.text is None or self.text in search_text(place),
            self.created_by is None or place.created_by == self.created_by,
        )
        return all(checks)


class PlaceListQuery(DomainModel):
    filter: PlaceFilter
    limit: int = Field(ge=1, le=1000)
    cursor: str | None = None


class AdminPlaceSummary(DomainModel):
    """One row of the back-office listing."""

    id: str
    name: str
    status: PlaceStatus
    department: str
    postal_code: str
    city: str
    organisation: str | None
    categories: list[str]
    verified_at: datetime | None
    updated_at: datetime
    version: int


def admin_summary(place: Place) -> AdminPlaceSummary:
    return AdminPlaceSummary(
        id=place.id,
        name=place.name,
        status=place.status,
        department=place.address.department_code,
        postal_code=place.address.postal_code,
        city=place.address.city,
        organisation=place.organisation,
        categories=place.categories,
        verified_at=place.verified_at,
        updated_at=place.updated_at,
        version=place.version,
    )


class PlaceListPage(DomainModel):
    places: list[AdminPlaceSummary]
    next_cursor: str | None


def filter_fingerprint(place_filter: PlaceFilter) -> str:
    canonical = place_filter.model_dump_json()
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_position(position: dict[str, str], place_filter: PlaceFilter) -> str:
    """An opaque cursor: where a page ended (store-specific keys) and which listing it is."""
    payload = json.dumps(
        {"p": position, "f": filter_fingerprint(place_filter)}, separators=(",", ":")
    )
    return cursors.encode_json_text(payload)


MALFORMED_CURSOR = "malformed cursor: use next_cursor exactly as returned"


def decode_position(cursor: str, place_filter: PlaceFilter) -> dict[str, str]:
    # cursors.decode_json: strict base64url and bounded JSON, InvalidCursor (400) otherwise.
    payload = cursors.decode_json(cursor)
    position = payload.get("p") if isinstance(payload, dict) else None
    if not isinstance(position, dict) or not all(
        # Non-empty: DynamoDB refuses an empty key value (a 500 once it reached the store).
        isinstance(key, str) and isinstance(value, str) and value
        for key, value in position.items()
    ):
        raise InvalidCursor(MALFORMED_CURSOR)
    if payload.get("f") != filter_fingerprint(place_filter):
        raise InvalidCursor("this cursor belongs to another listing: repeat the same parameters")
    return position
