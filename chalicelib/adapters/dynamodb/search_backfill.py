"""Rebuild the search cells from the places table: for existing data, after a restore, or to
check them. Resumable, safe beside live edits, idempotent.

Two phases, each a paginated Scan that can stop after any page and resume from its
``LastEvaluatedKey`` (functions/search_backfill.py returns it when its time runs out):

1. ``cells``: every record must describe an existing online place, at its current version, in
   this cell of this department; others (a place gone, taken offline, moved) are removed, stale
   ones replaced by the current record, and shards of another row layout emptied. Each rewrite
   is conditional on the cell's version: a place edited meanwhile has rewritten the cell, and
   the shard is planned again.
2. ``places``: every online place gets its current record in its cell. Each cell rewrite is
   one transaction with a condition check on the version of every place it writes a record
   for, so a place edited after the Scan read it is read again, never written back stale;
   and the cell is conditional on its own version, so a concurrent edit of a neighbour is
   planned again.

After both phases, the cells hold exactly the records of the online places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.cell_format import decode_records
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_place
from chalicelib.adapters.dynamodb.search_cells import (
    SearchCellRecord,
    Shard,
    cell_key,
    online,
    read_cell,
    shard_key,
    shard_writes,
    table_name,
)
from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.records import SearchRecord, search_record

Phase = Literal["places", "cells"]

MAX_ATTEMPTS = 10
"""Plans of one cell before giving up (each failure means someone wrote it meanwhile)."""

CHECKS_PER_TRANSACTION = 90
"""Places whose version one cell rewrite checks (DynamoDB takes 100 items a transaction)."""


@dataclass
class BackfillReport:
    phase: Phase
    items_scanned: int = 0
    places_online: int = 0
    cells_written: int = 0
    records_removed: int = 0
    resume_key: dict[str, Any] | None = None
    pages: int = 0
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "items_scanned": self.items_scanned,
            "places_online": self.places_online,
            "cells_written": self.cells_written,
            "records_removed": self.records_removed,
            "pages": self.pages,
            "resume_key": self.resume_key,
        }


class SearchCellBackfill:
    def __init__(self, page_size: int = 200) -> None:
        self._page_size = page_size

    def run(
        self,
        phase: Phase,
        start_key: dict[str, Any] | None,
        keep_going: Callable[[], bool],
    ) -> BackfillReport:
        """Pages of the phase's Scan from ``start_key`` while ``keep_going()``; the report's
        ``resume_key`` is where to go on (None: the phase is done)."""
        report = BackfillReport(phase=phase)
        key = start_key
        while True:
            page, key = self._scan_page(phase, key)
            report.pages += 1
            report.items_scanned += len(page)
            if phase == "places":
                self._places_page(
                    [to_place(PlaceRecord.from_raw_data(item)) for item in page], report
                )
            else:
                for item in page:
                    self._check_shard(SearchCellRecord.from_raw_data(item), report)
            if key is None or not keep_going():
                report.resume_key = key
                return report

    def _scan_page(
        self, phase: Phase, start_key: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        model: type[Model] = PlaceRecord if phase == "places" else SearchCellRecord
        arguments: dict[str, Any] = {
            "TableName": table_name(model),
            "Limit": self._page_size,
            "ConsistentRead": True,
        }
        if start_key is not None:
            arguments["ExclusiveStartKey"] = start_key
        response = _connection().client.scan(**arguments)
        return list(response.get("Items", [])), response.get("LastEvaluatedKey")

    # Phase 1 ---------------------------------------------------------------------------

    def _places_page(self, places: list[Place], report: BackfillReport) -> None:
        by_cell: dict[tuple[str, str], list[Place]] = {}
        for place in places:
            if online(place):
                report.places_online += 1
                by_cell.setdefault(cell_key(place), []).append(place)
        for key, members in by_cell.items():
            for start in range(0, len(members), CHECKS_PER_TRANSACTION):
                self._upsert(key, members[start : start + CHECKS_PER_TRANSACTION], report)

    def _upsert(self, key: tuple[str, str], places: list[Place], report: BackfillReport) -> None:
        department, cell = key
        for _ in range(MAX_ATTEMPTS):
            current = {place.id: place for place in places}
            shards = read_cell(department, cell)
            records = {place_id: search_record(place) for place_id, place in current.items()}
            changed = _put_records(shards, cell, records)
            if not changed:
                return  # already there, as it is
            transaction = Transaction(_connection())
            for write in shard_writes(department, cell, shards):
                write.add_to(transaction)
            for place in current.values():
                transaction.check(
                    ("place", place.id),
                    PlaceRecord,
                    place.id,
                    PlaceRecord.version == place.version,
                )
            cancelled = transaction.commit()
            if cancelled is None:
                report.cells_written += sum(1 for shard in shards if shard.changed)
                return
            # A place changed since it was read: its edit kept its record itself. Read it again
            # and keep it here only if it is still online in this cell.
            stale = {
                label[1]
                for label in cancelled.failed
                if isinstance(label, tuple) and label[0] == "place"
            }
            if stale:
                fresh = _read_places(sorted(stale))
                places = [
                    fresh.get(place.id) if place.id in stale else place  # type: ignore[misc]
                    for place in places
                ]
                places = [p for p in places if online(p) and cell_key(p) == key]
                if not places:
                    return
        report.notes.append(f"cell {department}/{cell} kept changing: run the backfill again")

    # Phase 2 ---------------------------------------------------------------------------

    def _check_shard(self, item: SearchCellRecord, report: BackfillReport) -> None:
        department, cell = item.pk, item.sk.rsplit("#", 1)[0]
        for _ in range(MAX_ATTEMPTS):
            try:
                found = SearchCellRecord.get(department, item.sk, consistent_read=True)
            except SearchCellRecord.DoesNotExist:
                return  # gone meanwhile
            try:
                records = decode_records(found.c)
            except ValueError:
                records = []  # another layout: emptied here, refilled by the places phase
                report.notes.append(f"shard {department}/{found.sk} had another row layout")
            shard = Shard(sk=found.sk, version=int(found.v), records=records)
            ids = [record.id for record in shard.records]
            places = _read_places(ids)
            kept: list[SearchRecord] = []
            for record in shard.records:
                place = places.get(record.id)
                if place is None or not online(place) or cell_key(place) != (department, cell):
                    report.records_removed += 1
                    continue
                kept.append(search_record(place))
            if kept == shard.records and int(found.n) == len(kept) and records:
                return
            shard.records = kept
            shard.changed = True
            transaction = Transaction(_connection())
            for write in shard_writes(department, cell, [shard]):
                write.add_to(transaction)
            if transaction.commit() is None:
                report.cells_written += 1
                return
        report.notes.append(f"cell {department}/{cell} kept changing: run the backfill again")


def _put_records(shards: list[Shard], cell: str, records: dict[str, SearchRecord]) -> bool:
    """Place each record in the cell (replacing its row, wherever it is); False when every
    row was already there, identical."""
    missing = dict(records)
    changed = False
    for shard in shards:
        rows = []
        for row in shard.records:
            new = records.get(row.id)
            if new is None:
                rows.append(row)
                continue
            missing.pop(row.id, None)
            if row != new:
                changed = shard.changed = True
            rows.append(new)
        shard.records = rows
    if missing:
        target = shards[0] if shards else None
        if target is None:
            target = Shard(sk=shard_key(cell, 0), version=None, records=[])
            shards.append(target)
        target.records.extend(missing.values())
        changed = target.changed = True
    return changed


def _read_places(place_ids: list[str]) -> dict[str, Place]:
    found: dict[str, Place] = {}
    unique = list(dict.fromkeys(place_ids))
    for start in range(0, len(unique), 100):
        for record in PlaceRecord.batch_get(unique[start : start + 100], consistent_read=True):
            found[record.id] = to_place(record)
    return found


def _connection() -> Connection:
    connection: Connection = PlaceRecord._get_connection().connection
    return connection


def iter_cell_records() -> Iterator[tuple[str, str, SearchRecord]]:
    """(department, shard key, record) of every stored record (tests and checks)."""
    for item in SearchCellRecord.scan(consistent_read=True):
        for record in decode_records(item.c):
            yield item.pk, item.sk, record
