"""Registered JWT claims (RFC 7519 §4.1) checked the way we issue them, where PyJWT is lax.

PyJWT reads ``exp``, ``iat`` and ``nbf`` with ``int(value)``: ``"1999999999"`` (a string),
``1.9e9`` (a float) and ``true`` pass, and an ``exp`` of ``1e300`` is a valid integer that
later overflows ``datetime.fromtimestamp`` (OverflowError, a 500). Our issuers write plain
integers, ``iat <= exp``, and a lifetime they bound. So a token is refused when:

- ``exp``, ``iat`` (or ``nbf``, when present) is not a JSON integer (booleans, floats and
  strings are not);
- an instant is before 1970 or after 9999-12-31T23:59:59Z (the last one ``datetime`` holds);
- ``exp`` is before ``iat``, or ``exp - iat`` is longer than the issuer ever gives;
- ``nbf`` is present where the issuer never writes one.

``iat`` in the future is the service's to refuse, with its clock
(``chalicelib.domain.tokens.issued_in_the_future``).
These checks are on claims of a token whose signature already verified: they stop a key
holder's mistake or a forged token from a leaked key from becoming a 500 or a link that
never expires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LATEST_INSTANT = 253_402_300_799  # 9999-12-31T23:59:59Z


@dataclass(frozen=True)
class Instants:
    issued_at: datetime
    expires_at: datetime


def is_integer(value: object) -> bool:
    """A JSON integer: ``bool`` is an ``int`` subclass in Python, and not one here."""
    return type(value) is int


def checked_instants(
    claims: Mapping[str, Any], *, max_lifetime: timedelta, allow_nbf: bool = False
) -> Instants | None:
    """``iat`` and ``exp`` as aware datetimes, or None when any rule above is broken."""
    issued, expires = claims.get("iat"), claims.get("exp")
    if not (type(issued) is int and type(expires) is int):  # is_integer, spelled for mypy
        return None
    if not 0 <= issued <= expires <= LATEST_INSTANT:
        return None
    if expires - issued > max_lifetime.total_seconds():
        return None
    if "nbf" in claims:
        not_before = claims["nbf"]
        if not allow_nbf or type(not_before) is not int or not issued <= not_before <= expires:
            return None
    return Instants(
        issued_at=datetime.fromtimestamp(issued, UTC),
        expires_at=datetime.fromtimestamp(expires, UTC),
    )
