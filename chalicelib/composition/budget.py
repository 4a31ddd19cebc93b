"""How long this process's store calls may take (Settings.store_*, docs/faults.md).

The API's calls fail fast so a frozen store answers 503 in seconds; workers (functions/)
wait longer, since nobody is waiting on them and a failure redelivers a whole batch. Whoever
builds the composition root chooses: the API by default, each worker through
``functions.runtime.services()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.config import Settings


@dataclass(frozen=True)
class StoreBudget:
    connect_timeout_s: float
    read_timeout_s: float
    attempts: int
    """Counting the first try."""

    @classmethod
    def api(cls, settings: Settings) -> StoreBudget:
        return cls(
            settings.store_connect_timeout_seconds,
            settings.store_read_timeout_seconds,
            settings.store_max_attempts,
        )

    @classmethod
    def worker(cls, settings: Settings) -> StoreBudget:
        return cls(
            settings.worker_store_connect_timeout_seconds,
            settings.worker_store_read_timeout_seconds,
            settings.worker_store_max_attempts,
        )

    def as_tuple(self) -> tuple[float, float, int]:
        return (self.connect_timeout_s, self.read_timeout_s, self.attempts)
