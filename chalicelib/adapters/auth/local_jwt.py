"""Local bearer tokens: HS256 JWTs signed with the stage's secret (local stack, tests, and a
deployed stage only if it is given its own secret; production uses Cognito).

PyJWT does the verification: the signature is compared in constant time, the algorithm is
pinned to HS256 (``none`` and every other algorithm are refused), ``exp``, ``iat``, ``sub``,
``iss`` and ``aud`` are required and checked. 30 seconds of clock skew are tolerated, also
for ``iat`` (a token issued further in the future is refused).

Where PyJWT is lax, registered_claims.py is not: ``exp``/``iat``/``nbf`` must be integers
(PyJWT takes ``"1999999999"`` and ``true``), and a token may live at most ``MAX_LIFETIME``
(``make token`` gives 12 hours by default): a token valid until the year 9999 is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt

from chalicelib.adapters.auth.claims import claims_for
from chalicelib.adapters.auth.registered_claims import checked_instants
from chalicelib.domain.auth import Role
from chalicelib.domain.errors import Unauthorized

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]
MAX_LIFETIME = timedelta(days=31)


class LocalJwtVerifier:
    def __init__(self, secret: str, *, issuer: str, audience: str) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the JWT secret must be at least 32 bytes")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> Mapping[str, Any]:
        """The token's claims, once signature, algorithm, issuer, audience and expiry hold.
        Raises Unauthorized (401) otherwise, saying which without echoing the token."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired", code="token_expired") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("the token is not valid", code="invalid_token") from None
        if checked_instants(claims, max_lifetime=MAX_LIFETIME, allow_nbf=True) is None:
            raise Unauthorized("the token is not valid", code="invalid_token")
        return claims

    def issue(
        self,
        *,
        subject: str,
        role: Role,
        departments: tuple[str, ...] = (),
        name: str | None = None,
        now: datetime,
        ttl: timedelta,
    ) -> str:
        """A token for the local stack and tests (``make token``)."""
        if ttl > MAX_LIFETIME:
            raise ValueError(f"a local token lives at most {MAX_LIFETIME.days} days")
        claims = claims_for(subject, role, departments, name)
        claims.update(
            iss=self._issuer,
            aud=self._audience,
            iat=int(now.timestamp()),
            exp=int((now + ttl).timestamp()),
        )
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)
