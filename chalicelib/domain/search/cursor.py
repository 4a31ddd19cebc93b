"""Opaque, stable pagination cursors (keyset pagination over the result order).

A cursor carries the sort key of the last result of a page and a fingerprint of the search it
belongs to. It is not a secret (it only says where a page ends), so it is not signed; a cursor
that does not decode, or that belongs to another search, is rejected with a clear error.
"""

from __future__ import annotations

import hashlib
import json

from chalicelib.domain import cursors
from chalicelib.domain.errors import InvalidCursor

SortKey = tuple[float, int, str, str]
_VERSION = 1


def fingerprint(parts: list[object]) -> str:
    canonical = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(key: SortKey, search_fingerprint: str) -> str:
    return cursors.encode_json_text(
        json.dumps({"v": _VERSION, "k": list(key), "f": search_fingerprint})
    )


def decode_cursor(cursor: str, search_fingerprint: str) -> SortKey:
    """The sort key a cursor of this search carries, or InvalidCursor (400): the cursor is
    unsigned, so every part is type-checked (a string distance or a float id, not ours)."""
    payload = cursors.decode_json(cursor)
    if not isinstance(payload, dict) or payload.get("v") != _VERSION:
        raise InvalidCursor()
    key = payload.get("k")
    if not isinstance(key, list) or len(key) != 4:
        raise InvalidCursor()
    score, distance, name, place_id = key
    # bounded_json has refused NaN, infinities and integers beyond 2**53 already.
    if (
        not isinstance(score, int | float)
        or isinstance(score, bool)
        or not isinstance(distance, int)
        or isinstance(distance, bool)
        or distance < 0
        or not isinstance(name, str)
        or not isinstance(place_id, str)
    ):
        raise InvalidCursor()
    if payload.get("f") != search_fingerprint:
        raise InvalidCursor("this cursor belongs to another search: repeat the same parameters")
    return (float(score), distance, name, place_id)
