"""In-memory partner keys (``ApiKeyStore``) and window counter (``WindowCounter``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.errors import Conflict, NotFound
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
