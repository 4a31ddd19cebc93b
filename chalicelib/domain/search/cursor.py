"""Opaque, stable pagination cursors (keyset pagination over the result order).

A cursor carries the sort key of the last result of a page and a fingerprint of the search it
belongs to. It is not a secret (it only says where a page ends), so it is not signed; a cursor
that does not decode, or that belongs to another search, is rejected with a clear error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from chalicelib.domain.errors import InvalidInput

SortKey = tuple[float, int, str, str]
_VERSION = 1


def fingerprint(parts: list[object]) -> str:
    canonical = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(key: SortKey, search_fingerprint: str) -> str:
    payload = json.dumps({"v": _VERSION, "k": list(key), "f": search_fingerprint})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, search_fingerprint: str) -> SortKey:
    malformed = InvalidInput(
        "malformed cursor: use next_cursor exactly as returned", field="cursor"
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key = payload["k"]
        if payload["v"] != _VERSION or not isinstance(key, list) or len(key) != 4:
            raise malformed
        score, distance, name, place_id = key
        decoded: SortKey = (float(score), int(distance), str(name), str(place_id))
        belongs_to = str(payload["f"])
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise malformed from None
    if belongs_to != search_fingerprint:
        raise InvalidInput(
            "this cursor belongs to another search: repeat the same parameters", field="cursor"
        )
    return decoded
