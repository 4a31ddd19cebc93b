"""Port of the batch ledger: what makes a batch idempotent and resumable.

Adapters: chalicelib/adapters/dynamodb/batch_ledger.py (production), tests/backoffice_fakes.py
(in memory); both pass tests/contract/test_batch_ledger_contract.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.auth import Principal
from chalicelib.domain.batch.models import BatchRequest, BatchState, PlaceResult, PlannedPlace


class BatchLedger(Protocol):
    def load(self, batch_id: str) -> BatchState | None:
        """The batch as recorded (strongly consistent), or None if it never began."""
        ...

    def begin(
        self,
        batch_id: str,
        *,
        fingerprint: str,
        plan: Sequence[PlannedPlace],
        chunk_size: int,
        at: datetime,
    ) -> BatchState:
        """Record the batch and its plan, unless it exists already: then return the stored
        state untouched (a concurrent first run may have won; its plan is the plan)."""
        ...

    def record_chunk(self, batch_id: str, index: int, results: Sequence[PlaceResult]) -> None:
        """Keep the results of chunk ``index`` (idempotent: the same results may be recorded
        twice by two runs)."""
        ...

    def complete(self, batch_id: str, at: datetime) -> None:
        """Mark the batch done: later runs of its key only replay the report."""
        ...


class BatchQueue(Protocol):
    def send(self, caller: Principal, request: BatchRequest) -> None:
        """Hand a planned batch to the batch worker (functions/batch_update.py), which applies
        it on the caller's behalf; it is idempotent, so a message delivered twice is safe."""
        ...
