"""Self-update link tokens: HS256 JWTs (PyJWT) with a key id (``kid``) for rotation.

Keys live in one SSM Parameter Store SecureString (``REPERE_SELF_UPDATE_KEYS_PARAMETER``)::

    {"current": "2026-11", "keys": {"2026-05": "<secret>", "2026-11": "<secret>"}}

``current`` signs; every key listed verifies. Rotation: add a key and make it current (old
links still verify); retire a key by removing it (its links become invalid, 401). The
parameter is read once per container and again after ``cache_seconds``, so a rotation
reaches every container within that delay.

Verification pins the algorithm (``HS256`` only: ``none`` and asymmetric algorithms are
refused), needs a known ``kid``, checks issuer and audience, and requires every claim, each
of its type: ``exp``/``iat`` integers within ``MAX_LINK_LIFETIME`` of each other
(registered_claims.py), ``gen`` an integer. The expiry and an ``iat`` in the future are
checked by the service with its clock. Any failure is the same InvalidLinkToken.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from pydantic import ValidationError

from chalicelib.adapters.auth.registered_claims import checked_instants, is_integer
from chalicelib.domain.selfupdate.models import LinkClaims
from chalicelib.domain.selfupdate.ports import InvalidLinkToken

ALGORITHM = "HS256"
ISSUER = "repere"
AUDIENCE = "repere-self-update"
REQUIRED = ["exp", "iat", "sub", "iss", "aud", "jti", "gen", "scope"]
# The longest link the service issues is ``self_update_link_days`` (at most 365, config.py),
# plus a day: a longer one was not issued by us.
MAX_LINK_LIFETIME = timedelta(days=366)
MAX_GENERATION = 2**31 - 1
MAX_TOKEN_LENGTH = 4096
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, str]

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        data = json.loads(text)
        ring = cls(
            current=str(data["current"]), keys={str(k): str(v) for k, v in data["keys"].items()}
        )
        if ring.current not in ring.keys:
            raise ValueError("the current signing key is not among the keys")
        for secret in ring.keys.values():
            if len(secret.encode()) < MIN_KEY_BYTES:
                raise ValueError(f"every signing key needs at least {MIN_KEY_BYTES} bytes")
        return ring


class SsmKeySource:
    """The key ring from an SSM SecureString parameter, cached ``cache_seconds``."""

    def __init__(
        self,
        client: Any,
        parameter: str,
        *,
        cache_seconds: int = 300,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # ``client``: a boto3 ``ssm`` client.
        self._client = client
        self._parameter = parameter
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._ring: KeyRing | None = None
        self._loaded_at = 0.0

    def ring(self) -> KeyRing:
        now = self._monotonic()
        if self._ring is None or now - self._loaded_at >= self._cache_seconds:
            response = self._client.get_parameter(Name=self._parameter, WithDecryption=True)
            self._ring = KeyRing.from_json(response["Parameter"]["Value"])
            self._loaded_at = now
        return self._ring


class StaticKeySource:
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    def ring(self) -> KeyRing:
        return self._ring


KeySource = SsmKeySource | StaticKeySource


def sign(keys: KeySource, payload: dict[str, Any]) -> str:
    """An HS256 JWT of ``payload`` under the ring's current key, its id in ``kid``."""
    ring = keys.ring()
    return jwt.encode(
        payload, ring.keys[ring.current], algorithm=ALGORITHM, headers={"kid": ring.current}
    )


def verified_payload(
    keys: KeySource, token: str, *, audience: str, required: list[str]
) -> dict[str, Any] | None:
    """The claims of a token signed by a key of the ring for ``audience``, or None — one
    answer for every failure (no error says which part of a token was wrong). The expiry is
    the caller's to check, with its clock (tests move time)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        secret = keys.ring().keys.get(kid) if isinstance(kid, str) else None
        if secret is None or header.get("alg") != ALGORITHM:
            return None
        data: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": required, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        return None
    return data


class JwtLinkCodec:
    def __init__(self, keys: KeySource) -> None:
        self._keys = keys

    def encode(self, claims: LinkClaims) -> str:
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": claims.place_id,
            "jti": claims.token_id,
            "gen": claims.generation,
            "scope": claims.scope,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return sign(self._keys, payload)

    def decode(self, token: str) -> LinkClaims:
        data = verified_payload(self._keys, token, audience=AUDIENCE, required=REQUIRED)
        if data is None:
            raise InvalidLinkToken
        instants = checked_instants(data, max_lifetime=MAX_LINK_LIFETIME)
        generation = data["gen"]
        if instants is None or not is_integer(generation) or not 1 <= generation <= MAX_GENERATION:
            raise InvalidLinkToken
        try:
            return LinkClaims(
                token_id=data["jti"],
                place_id=data["sub"],
                generation=generation,
                scope=data["scope"],
                issued_at=instants.issued_at,
                expires_at=instants.expires_at,
            )
        except (ValidationError, KeyError, TypeError, ValueError):
            raise InvalidLinkToken from None
