"""Ports of partner keys. Adapters: chalicelib/adapters/dynamodb/api_keys.py, tests/partner_fakes.py
(both pass tests/contract/test_api_key_store_contract.py)."""

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
