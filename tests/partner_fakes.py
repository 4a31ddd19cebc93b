"""In-memory partner keys (``ApiKeyStore``) and window counter (``WindowCounter``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.errors import Conflict, NotFound, Unavailable
from chalicelib.domain.partners.models import ApiKey


class InMemoryApiKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}
        self.reads = 0

    def add(self, key: ApiKey) -> None:
        if key.id in self.keys:
            raise Conflict(f"a key with id {key.id!r} exists", field="id")
        self.keys[key.id] = key

    def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def all(self) -> Sequence[ApiKey]:
        return sorted(self.keys.values(), key=lambda key: (key.created_at, key.id), reverse=True)

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        key = self.keys.get(key_id)
        if key is None:
            raise NotFound(f"no key with id {key_id!r}", field="key_id")
        if key.revoked_at is None:
            key = self.keys[key_id] = key.model_copy(update={"revoked_at": at})
        return key


class InMemoryWindowCounter:
    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        self.counts[(key, window)] += 1
        return self.counts[(key, window)]


class InMemoryKeyGateway:
    """API Gateway's copy of the keys: value and enabled flag per gateway id. ``down`` makes
    every call fail as an unreachable gateway does (Unavailable)."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, bool]] = {}
        self.down = False

    def register(self, key_id: str, value: str) -> str | None:
        self._answer()
        gateway_key_id = f"gw{len(self.keys) + 1}"
        self.keys[gateway_key_id] = (value, True)
        return gateway_key_id

    def disable(self, gateway_key_id: str) -> None:
        self._answer()
        if gateway_key_id in self.keys:
            self.keys[gateway_key_id] = (self.keys[gateway_key_id][0], False)

    def enabled_values(self) -> set[str]:
        return {value for value, enabled in self.keys.values() if enabled}

    def _answer(self) -> None:
        if self.down:
            raise Unavailable("the API gateway did not answer")
