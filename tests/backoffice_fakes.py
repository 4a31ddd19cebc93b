"""In-memory fakes of the back-office ports (batch ledger, announcements) and a store that
crashes halfway through a batch. The place store fake is ``tests.fakes.InMemoryPlaceRepository``.

The ledger and announcement fakes pass the same contract suites as their DynamoDB adapters
(tests/contract/test_batch_ledger_contract.py, test_announcement_repository_contract.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from pynamodb.models import Model

from chalicelib.adapters.dynamodb.tables import bind_tables
from chalicelib.domain.announcements.models import Announcement
from chalicelib.domain.batch.models import BatchState, PlaceResult, PlannedPlace
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.places.ports import PlaceWrite, WriteOutcome
from tests.fakes import InMemoryPlaceRepository


class InMemoryBatchLedger:
    def __init__(self) -> None:
        self.batches: dict[str, BatchState] = {}

    def load(self, batch_id: str) -> BatchState | None:
        state = self.batches.get(batch_id)
        return state.model_copy(deep=True) if state is not None else None

    def begin(
        self,
        batch_id: str,
        *,
        fingerprint: str,
        plan: Sequence[PlannedPlace],
        chunk_size: int,
        at: datetime,
    ) -> BatchState:
        if batch_id not in self.batches:
            self.batches[batch_id] = BatchState(
                batch_id=batch_id,
                fingerprint=fingerprint,
                plan=list(plan),
                chunk_size=chunk_size,
                created_at=at,
            )
        state = self.load(batch_id)
        assert state is not None
        return state

    def record_chunk(self, batch_id: str, index: int, results: Sequence[PlaceResult]) -> None:
        self.batches[batch_id].done[index] = list(results)

    def complete(self, batch_id: str, at: datetime) -> None:
        state = self.batches[batch_id]
        self.batches[batch_id] = state.model_copy(update={"completed_at": at})


class InMemoryAnnouncementRepository:
    def __init__(self) -> None:
        self.items: dict[str, Announcement] = {}

    def get(self, announcement_id: str) -> Announcement:
        try:
            return self.items[announcement_id]
        except KeyError:
            raise NotFound(f"no announcement with id {announcement_id!r}", field="id") from None

    def add(self, announcement: Announcement) -> None:
        if announcement.id in self.items:
            raise Conflict(f"an announcement with id {announcement.id!r} exists", field="id")
        self.items[announcement.id] = announcement

    def save(self, announcement: Announcement, *, expected_version: int) -> None:
        if announcement.version != expected_version + 1:
            raise ValueError("an announcement saved over version n must carry version n + 1")
        self._check(announcement.id, expected_version)
        self.items[announcement.id] = announcement

    def delete(self, announcement_id: str, *, expected_version: int) -> None:
        self._check(announcement_id, expected_version)
        del self.items[announcement_id]

    def list_all(self) -> list[Announcement]:
        return list(self.items.values())

    def _check(self, announcement_id: str, expected_version: int) -> None:
        current = self.get(announcement_id)
        if current.version != expected_version:
            raise VersionConflict(
                f"announcement {announcement_id!r} is at version {current.version}, "
                f"not {expected_version}",
                current_version=current.version,
            )


class Crash(Exception):
    """The process died (a Lambda timeout, an out-of-memory kill...)."""


class CrashingPlaceStore(InMemoryPlaceRepository):
    """A place store that dies after writing ``crash_after`` places of a batch: the places
    before it are written (with their history), the rest of that call is lost, as when a
    Lambda is killed between two transactions or right after one."""

    def __init__(self, places: InMemoryPlaceRepository, crash_after: int) -> None:
        super().__init__(places.places)
        self.history_entries = places.history_entries
        self.crash_after = crash_after
        self.written = 0

    def update_many(self, writes: Sequence[PlaceWrite]) -> list[WriteOutcome]:
        room = self.crash_after - self.written
        if room >= len(writes):
            self.written += len(writes)
            return super().update_many(writes)
        super().update_many(list(writes[:room]))
        self.written += room
        raise Crash(f"crashed after {self.written} places")


_TABLE_SETS = itertools.count(1)


def fresh_tables(*models: type[Model]) -> None:
    """Bind every model to a new table prefix and create only ``models``' tables, inside an
    already running moto mock. Cheaper than the ``dynamodb_tables`` fixture (which creates
    every registered table) for contract suites that need one or two tables per test.
    The places table comes with its search cells and the change feed's table: every place
    write keeps them."""
    from chalicelib.adapters.dynamodb.changes import ChangeRecord
    from chalicelib.adapters.dynamodb.models import PlaceRecord
    from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord

    bind_tables(f"bo{next(_TABLE_SETS)}", region="eu-west-3")
    if PlaceRecord in models:
        # Every place write keeps its search cells and its pending change for the feed.
        models = (*models, *(m for m in (SearchCellRecord, ChangeRecord) if m not in models))
    for model in models:
        model.create_table(wait=True)
