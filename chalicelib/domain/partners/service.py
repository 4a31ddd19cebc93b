"""Partner keys: issue, list, revoke (admins), and at every partner request, authenticate the
``x-api-key`` header and count the request against the key's quota.

Security (docs/partners.md):

* The secret is 256 bits from ``secrets``; only its SHA-256 is stored. A slow hash (bcrypt)
  protects guessable passwords; a random 256-bit secret cannot be guessed, so a fast hash
  loses nothing and keeps a request's check in microseconds.
* The check compares hashes with ``hmac.compare_digest``, and an unknown key id is compared
  against a dummy hash, so the answer's timing says nothing about which part was wrong. Every
  failure is the same 401 ``invalid_api_key`` (malformed, unknown, wrong secret, revoked).
* Verified keys are cached per container for ``cache_seconds`` (a GetItem per request would
  double a partner request's store calls); a revocation therefore takes effect within that
  time on warm containers, at once on new ones.

Quota: two fixed windows per key, the minute and the UTC day, each one atomic ``ADD`` (the
first request over either limit gets 429 with the seconds to the window's end). The same
limits are set on API Gateway's partner usage plan (infra/api.py), which throttles before a
request reaches the API: each issued key's value is registered in that plan (``KeyGateway``)
before the key is stored, and disabled there when the key is revoked. Registering first means
a failure leaves no stored key that the gateway would refuse; a store failure after it
disables the gateway copy again, so no gateway key outlives a key the API does not know.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.auth import Principal, Role, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from chalicelib.domain.partners.models import (
    KEY_PATTERN,
    ApiKey,
    IssuedKey,
    KeyRequest,
    KeyView,
    Quota,
    Scope,
    key_view,
)
from chalicelib.domain.partners.ports import ApiKeyStore, KeyGateway, NoKeyGateway, WindowCounter

_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
_COUNTER_PREFIX = "partner#"


def new_key_id() -> str:
    return secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters of base64url


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class KeyPolicy:
    default_quota: Quota
    cache_seconds: int = 30


def invalid_key() -> Unauthorized:
    return Unauthorized(
        "the x-api-key header does not hold a valid key", field="x-api-key", code="invalid_api_key"
    )


class PartnerKeys:
    def __init__(
        self,
        store: ApiKeyStore,
        counter: WindowCounter,
        clock: Clock,
        *,
        policy: KeyPolicy,
        gateway: KeyGateway | None = None,
        new_id: Callable[[], str] = new_key_id,
        new_secret: Callable[[], str] = new_secret,
    ) -> None:
        self._store = store
        self._counter = counter
        self._clock = clock
        self._policy = policy
        self._gateway: KeyGateway = gateway or NoKeyGateway()
        self._new_id = new_id
        self._new_secret = new_secret
        self._verified: dict[str, tuple[ApiKey, datetime]] = {}

    # Admins ---------------------------------------------------------------------------------

    def issue(self, principal: Principal, request: KeyRequest) -> IssuedKey:
        require_role(principal, Role.ADMIN)
        key_id, secret = self._new_id(), self._new_secret()
        value = f"rpk_{key_id}_{secret}"
        gateway_key_id = self._gateway.register(key_id, value)
        key = ApiKey(
            id=key_id,
            name=request.name,
            scopes=tuple(request.scopes),
            quota=request.quota or self._policy.default_quota,
            secret_sha256=secret_hash(secret),
            created_at=self._clock.now(),
            created_by=principal.subject,
            gateway_key_id=gateway_key_id,
        )
        try:
            self._store.add(key)
        except BaseException:
            # The key was never issued: its gateway copy must not open the gateway either.
            if gateway_key_id is not None:
                self._gateway.disable(gateway_key_id)
            raise
        return IssuedKey(key=value, api_key=key_view(key))

    def list_keys(self, principal: Principal, *, include_revoked: bool) -> list[KeyView]:
        require_role(principal, Role.ADMIN)
        return [key_view(key) for key in self._store.all() if include_revoked or not key.revoked]

    def revoke(self, principal: Principal, key_id: str) -> KeyView:
        """Idempotent: revoking a revoked key answers it as it is."""
        require_role(principal, Role.ADMIN)
        revoked = self._store.revoke(key_id, self._clock.now())
        self._verified.pop(key_id, None)
        # After the store: the API refuses the key from now on whatever the gateway does, and
        # a retry of a revocation whose gateway call failed disables it again (idempotent).
        if revoked.gateway_key_id is not None:
            self._gateway.disable(revoked.gateway_key_id)
        return key_view(revoked)

    # Partner requests -----------------------------------------------------------------------

    def authenticate(self, presented: str | None, scope: Scope, *, required: bool) -> ApiKey | None:
        """The key of ``x-api-key``, checked and counted against its quota; None when no key
        was sent and ``required`` is false. Unauthorized (401) when a key is required and
        missing or any key sent is not valid, Forbidden (403) when the key does not open
        ``scope``, TooManyRequests (429) over its quota."""
        if presented is None or presented == "":
            if required:
                raise Unauthorized(
                    "this route needs a partner key in the x-api-key header",
                    field="x-api-key",
                    code="api_key_required",
                )
            return None
        key = self._verify(presented)
        if not key.allows(scope):
            raise Forbidden(
                f"this key does not open {scope.value}", field="x-api-key", code="out_of_scope"
            )
        self._admit(key)
        return key

    def _verify(self, presented: str) -> ApiKey:
        match = KEY_PATTERN.fullmatch(presented) if len(presented) < 100 else None
        if match is None:
            raise invalid_key()
        key_id, secret = match.groups()
        key = self._known(key_id)
        expected = _DUMMY_HASH if key is None else key.secret_sha256
        # Compared whether or not the id exists: the same work either way.
        if not hmac.compare_digest(secret_hash(secret), expected) or key is None or key.revoked:
            raise invalid_key()
        return key

    def _known(self, key_id: str) -> ApiKey | None:
        now = self._clock.now()
        cached = self._verified.get(key_id)
        if cached is not None and now - cached[1] < timedelta(seconds=self._policy.cache_seconds):
            return cached[0]
        try:
            key = self._store.get(key_id)
        except NotFound:
            key = None
        if key is not None:
            self._verified[key_id] = (key, now)
        return key

    def _admit(self, key: ApiKey) -> None:
        now = self._clock.now()
        minute = now.replace(second=0, microsecond=0)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        windows = (
            ("m", minute, timedelta(minutes=1), key.quota.per_minute),
            ("d", day, timedelta(days=1), key.quota.per_day),
        )
        for name, start, length, limit in windows:
            label = start.strftime("%Y-%m-%dT%H:%M") if name == "m" else start.date().isoformat()
            ttl = int(length.total_seconds()) * 2
            count = self._counter.hit(f"{_COUNTER_PREFIX}{key.id}#{name}", label, ttl)
            if count > limit:
                retry_after = max(1, int((start + length - now).total_seconds() + 0.999))
                raise TooManyRequests(
                    f"this key's quota ({limit} requests per "
                    f"{'minute' if name == 'm' else 'day'}) is spent",
                    field="x-api-key",
                    code="quota_exceeded",
                    retry_after_seconds=retry_after,
                )
