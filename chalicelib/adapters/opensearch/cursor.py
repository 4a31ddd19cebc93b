"""Cursors of the OpenSearch backend: the domain's cursor format, version 2.

A version-1 cursor (``chalicelib.domain.search.cursor``) carries the domain sort key
``(-score, distance in mm, name, id)``. OpenSearch pages with ``search_after`` on the sort values
of the last hit, and its geo distances are computed on its own encoding of the points (to about a
centimetre), so a version-2 cursor carries those values exactly as OpenSearch returned them:
``[score, distance in m or None, name, id]``. Same envelope, same fingerprint of the search, same
errors for a malformed or foreign cursor.

Both backends accept both versions, so a person paging while the API falls back to DynamoDB (or
comes back to OpenSearch) goes on from where they were. A version-2 cursor also carries the last
result's distance as the DynamoDB backend measures it, so going to DynamoDB is exact. Coming
back (a version-1 cursor given to OpenSearch) is exact except for the distance: a place within a
centimetre of the last result's distance may be shown twice or skipped, once, at that page
boundary.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from chalicelib.domain import cursors
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.search.cursor import SortKey, decode_cursor, encode_cursor

VERSION = 2
SCORE_SCALE = 10
"""Boosts are the domain weights x strengths x 10, whole numbers, so that OpenSearch's 32-bit
float scores add up exactly (see queries.py); a domain score is ``_score / SCORE_SCALE``."""


@dataclass(frozen=True)
class After:
    """Where a page ends, as OpenSearch sort values (``distance_m`` None without a centre)."""

    score: float
    distance_m: float | None
    name: str
    place_id: str
    # The last result's distance as the DynamoDB backend measures it (our haversine, in mm):
    # converting to a version-1 cursor then puts the page boundary exactly on that result.
    domain_distance_mm: int | None = None


def _malformed() -> InvalidInput:
    return InvalidInput("malformed cursor: use next_cursor exactly as returned", field="cursor")


def _foreign() -> InvalidInput:
    return InvalidInput(
        "this cursor belongs to another search: repeat the same parameters", field="cursor"
    )


def encode(after: After, search_fingerprint: str) -> str:
    content: dict[str, object] = {
        "v": VERSION,
        "k": [after.score, after.distance_m, after.name, after.place_id],
        "f": search_fingerprint,
    }
    if after.domain_distance_mm is not None:
        content["d"] = after.domain_distance_mm
    return cursors.encode_json_text(json.dumps(content))


def decode(cursor: str, search_fingerprint: str) -> After:
    """The position a cursor of either version points at; InvalidInput when it is malformed or
    belongs to another search (the domain's messages)."""
    payload = _payload(cursor)
    if payload.get("v") == 1:
        return from_sort_key(decode_cursor(cursor, search_fingerprint))
    try:
        if payload["v"] != VERSION:
            raise _malformed()
        key = payload["k"]
        if not isinstance(key, list) or len(key) != 4:
            raise _malformed()
        score, distance, name, place_id = key
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise _malformed()
        if distance is not None and (
            isinstance(distance, bool) or not isinstance(distance, (int, float))
        ):
            raise _malformed()
        if not isinstance(name, str) or not isinstance(place_id, str):
            raise _malformed()
        if not math.isfinite(score) or (distance is not None and not math.isfinite(distance)):
            raise _malformed()
        belongs_to = str(payload["f"])
        domain_mm = payload.get("d")
        if domain_mm is not None and (
            isinstance(domain_mm, bool) or not isinstance(domain_mm, int)
        ):
            raise _malformed()
    except (KeyError, TypeError, ValueError):
        raise _malformed() from None
    if belongs_to != search_fingerprint:
        raise _foreign()
    return After(
        float(score), None if distance is None else float(distance), name, place_id, domain_mm
    )


def to_domain_cursor(cursor: str, search_fingerprint: str) -> str:
    """The version-1 cursor for the DynamoDB backend (the fallback) of any valid cursor."""
    after = decode(cursor, search_fingerprint)
    return encode_cursor(to_sort_key(after), search_fingerprint)


def from_sort_key(key: SortKey) -> After:
    negative_score, distance_mm, name, place_id = key
    score = float(round(-negative_score * SCORE_SCALE))
    return After(score, distance_mm / 1000, name, place_id)


def to_sort_key(after: After) -> SortKey:
    if after.distance_m is None:
        distance_mm = 0
    elif after.domain_distance_mm is not None:
        distance_mm = after.domain_distance_mm
    else:
        distance_mm = round(after.distance_m * 1000)
    return (-round(after.score / SCORE_SCALE, 6), distance_mm, after.name, after.place_id)


def _payload(cursor: str) -> dict[str, object]:
    # The domain's strict reader (ASCII base64url, bounded depth and size): a hostile cursor
    # is a 400, never a RecursionError in json.loads.
    payload = cursors.decode_json(cursor)
    if not isinstance(payload, dict):
        raise _malformed()
    return payload
