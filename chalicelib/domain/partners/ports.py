"""Ports of partner keys. Adapters: chalicelib/adapters/dynamodb/api_keys.py, tests/partner_fakes.py
(both pass tests/contract/test_api_key_store_contract.py); the gateway's copy of the keys:
chalicelib/adapters/apigateway/partner_keys.py (deployed) and ``NoKeyGateway`` (local)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.partners.models import ApiKey


class ApiKeyStore(Protocol):
    def add(self, key: ApiKey) -> None:
        """Store a new key. Raises Conflict when the id is taken."""
        ...

    def get(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked or not), or None (strongly consistent)."""
        ...

    def all(self) -> Sequence[ApiKey]:
        """Every key, newest first (partners are tens, not thousands)."""
        ...

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        """Mark the key revoked at ``at`` unless it already is (then keep the first date);
        the key as stored after. Raises NotFound."""
        ...


class WindowCounter(Protocol):
    """Fixed-window request counts (the submissions' rate limiter implements it: keys are
    namespaced per feature)."""

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        """Count one more request for ``key`` in ``window``; the count including this one."""
        ...


class KeyGateway(Protocol):
    """API Gateway's copy of the partner keys: each issued key's value is registered in the
    stage's partner usage plan, so that the gateway throttles and counts a partner's requests
    before they reach the API (docs/partners.md, "Two gates")."""

    def register(self, key_id: str, value: str) -> str | None:
        """Create an enabled gateway key holding ``value`` and attach it to the partner usage
        plan; the gateway's id for it, or None when there is no gateway (local mode). Raises
        Unavailable when the gateway does not answer."""
        ...

    def disable(self, gateway_key_id: str) -> None:
        """Disable the gateway key (idempotent: a disabled or deleted key is left as it is).
        Raises Unavailable when the gateway does not answer."""
        ...


class NoKeyGateway:
    """No gateway in front of the API (``make run``, tests): the API's own check and quotas
    are the only gate, so there is nothing to mirror."""

    def register(self, key_id: str, value: str) -> str | None:
        return None

    def disable(self, gateway_key_id: str) -> None:
        return None
