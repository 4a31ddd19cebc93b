"""The one wire format of opaque cursors: unpadded base64url (RFC 4648 §5) of a small JSON
value, read back strictly.

Every cursor decoder goes through ``decode_json``, so that whatever a caller does to a cursor
(non-ASCII, padding, characters outside the alphabet, truncation, bits flipped, a payload
nested 10,000 deep or holding ``1e999``) the answer is ``InvalidCursor`` (400
``invalid_cursor``), never a TypeError, ValueError, RecursionError or OverflowError.

Strict means: only the 64 characters of the base64url alphabet, no ``=`` (we never emit
any), and the canonical encoding only (``base64`` would otherwise ignore stray characters
and non-zero trailing bits, so many strings would decode to one payload).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from typing import Any

from chalicelib.domain import bounded_json
from chalicelib.domain.errors import InvalidCursor

MAX_CURSOR_CHARS = 2000
# Positions are flat (a list or an object of scalars, at most one level below): deeper is
# not ours.
_MAX_DEPTH = 3
_ALPHABET = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)


def encode_json_text(payload: str) -> str:
    return encode_bytes(payload.encode("utf-8"))


def encode_bytes(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_bytes(cursor: str, *, max_chars: int = MAX_CURSOR_CHARS) -> bytes:
    """The bytes an ``encode_bytes`` cursor carries, or InvalidCursor."""
    if (
        not isinstance(cursor, str)
        or not 0 < len(cursor) <= max_chars
        or len(cursor) % 4 == 1  # no base64 string has this length
        or not _ALPHABET.fullmatch(cursor)
    ):
        raise InvalidCursor()
    try:
        data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    if encode_bytes(data) != cursor:  # non-zero trailing bits: not what we emitted
        raise InvalidCursor()
    return data


def decode_json(cursor: str, *, max_chars: int = MAX_CURSOR_CHARS) -> Any:
    """The JSON value an ``encode_json_text`` cursor carries, or InvalidCursor."""
    try:
        return bounded_json.loads(decode_bytes(cursor, max_chars=max_chars), max_depth=_MAX_DEPTH)
    except bounded_json.JsonRejected:
        raise InvalidCursor() from None


def same_tag(given: str, expected: str) -> bool:
    """Constant-time comparison of two tags. On bytes: ``hmac.compare_digest`` raises
    TypeError for a str with any non-ASCII character (a 500 once)."""
    return hmac.compare_digest(
        given.encode("utf-8", errors="surrogatepass"), expected.encode("utf-8")
    )
