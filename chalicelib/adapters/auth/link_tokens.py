"""Self-update link tokens: HS256 JWTs (PyJWT) with a key id (``kid``) for rotation.

Keys live in one SSM Parameter Store SecureString (``REPERE_SELF_UPDATE_KEYS_PARAMETER``)::

    {"current": "2026-11", "keys": {"2026-05": "<secret>", "2026-11": "<secret>"}}

``current`` signs; every key listed verifies. Rotation: add a key and make it current (old
links still verify); retire a key by removing it (its links become invalid, 401). The
parameter is read through Powertools Parameters (``SSMProvider``), once per container and
again after ``cache_seconds`` (its ``max_age``), so a rotation reaches every container within
that delay.

Verification pins the algorithm (``HS256`` only: ``none`` and asymmetric algorithms are
refused), needs a known ``kid``, checks issuer and audience, and requires every claim, each
of its type: ``exp``/``iat`` integers within ``MAX_LINK_LIFETIME`` of each other
(registered_claims.py), ``gen`` an integer, ``sec`` (the sections the link asks to check;
optional, absent = every section) a list of known section names. The expiry and an ``iat``
in the future are checked by the service with its clock. Any failure is the same
InvalidLinkToken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from aws_lambda_powertools.utilities.parameters import BaseProvider, SSMProvider
from pydantic import ValidationError

from chalicelib.adapters.auth.registered_claims import checked_instants, is_integer
from chalicelib.domain.places.sections import ALL_SECTIONS, Section
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
_SECTION_NAMES = frozenset(section.value for section in Section)


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
    """The key ring from an SSM SecureString parameter, through Powertools' ``SSMProvider``:
    fetched at first use and again once ``cache_seconds`` have passed (``max_age``)."""

    def __init__(
        self,
        client: Any,
        parameter: str,
        *,
        cache_seconds: int = 300,
        provider: BaseProvider | None = None,
    ) -> None:
        # ``client``: a boto3 ``ssm`` client. ``provider``: another Powertools provider to read
        # through instead (tests give one whose cache follows their clock).
        self._provider = provider or SSMProvider(boto3_client=client)
        self._parameter = parameter
        self._cache_seconds = cache_seconds
        self._text: str | None = None
        self._ring: KeyRing | None = None

    def ring(self) -> KeyRing:
        text = self._provider.get(self._parameter, max_age=self._cache_seconds, decrypt=True)
        if not isinstance(text, str):
            raise ValueError(f"the parameter {self._parameter} is not a string")
        # Parsed again only when the value changed: the provider hands back its cached text.
        if self._ring is None or text != self._text:
            self._ring = KeyRing.from_json(text)
            self._text = text
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
            "sec": [section.value for section in claims.sections],
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
        sections = _sections(data)
        try:
            return LinkClaims(
                token_id=data["jti"],
                place_id=data["sub"],
                generation=generation,
                scope=data["scope"],
                issued_at=instants.issued_at,
                expires_at=instants.expires_at,
                sections=sections,
            )
        except (ValidationError, KeyError, TypeError, ValueError):
            raise InvalidLinkToken from None


def _sections(data: dict[str, Any]) -> tuple[Section, ...]:
    """``sec``: the sections the link asks to check. Absent on links issued before sections
    meant anything, which asked everything; present, a non-empty list of known names without
    repeats (anything else is not a token we signed)."""
    if "sec" not in data:
        return ALL_SECTIONS
    names = data["sec"]
    if (
        not isinstance(names, list)
        or not names
        or len(names) > len(ALL_SECTIONS)
        or not all(isinstance(name, str) and name in _SECTION_NAMES for name in names)
        or len(set(names)) != len(names)
    ):
        raise InvalidLinkToken
    return tuple(Section(name) for name in names)
