"""Newsletter subscription tokens: HS256 JWTs (PyJWT) signed with the self-update key ring.

The same SSM key ring as self-update links (chalicelib/adapters/auth/link_tokens.py): one
secret to rotate the same way. A different audience (``repere-newsletter``) keeps the two
kinds of token apart: a self-update link never verifies here, nor the reverse. The
``scope`` claim binds a token to its purpose (confirm or unsubscribe); the service refuses
the wrong one. PyJWT compares signatures with ``hmac.compare_digest`` (constant time).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.adapters.auth.link_tokens import ISSUER, KeySource, sign, verified_payload
from chalicelib.adapters.auth.registered_claims import checked_instants
from chalicelib.domain.newsletters.models import SubscriptionClaims, TokenPurpose
from chalicelib.domain.newsletters.ports import InvalidSubscriptionToken

AUDIENCE = "repere-newsletter"
REQUIRED = ["exp", "iat", "sub", "iss", "aud", "scope"]
# The longest lifetimes the service gives (config.py bounds, plus a day): a confirmation link
# newsletter_confirm_days <= 30, an unsubscription link newsletter_unsubscribe_days <= 3650.
MAX_LIFETIME = {
    TokenPurpose.CONFIRM: timedelta(days=31),
    TokenPurpose.UNSUBSCRIBE: timedelta(days=3651),
}


class JwtSubscriptionCodec:
    def __init__(self, keys: KeySource) -> None:
        self._keys = keys

    def encode(self, claims: SubscriptionClaims) -> str:
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": claims.subscriber_id,
            "scope": claims.purpose.value,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        if claims.nonce is not None:
            payload["jti"] = claims.nonce
        return sign(self._keys, payload)

    def decode(self, token: str) -> SubscriptionClaims:
        data = verified_payload(self._keys, token, audience=AUDIENCE, required=REQUIRED)
        if data is None:
            raise InvalidSubscriptionToken
        try:
            purpose = TokenPurpose(data["scope"])
            nonce = data.get("jti")
            instants = checked_instants(data, max_lifetime=MAX_LIFETIME[purpose])
            if instants is None or not (nonce is None or isinstance(nonce, str)):
                raise InvalidSubscriptionToken
            return SubscriptionClaims(
                subscriber_id=data["sub"],
                purpose=purpose,
                nonce=nonce,
                issued_at=instants.issued_at,
                expires_at=instants.expires_at,
            )
        except (ValidationError, KeyError, TypeError, ValueError):
            raise InvalidSubscriptionToken from None
