"""The place store on DynamoDB (implements ``PlaceRepository`` and ``PlaceEditStore``).

``to_record`` and ``to_place`` are the only mapping between the domain ``Place`` and the
stored ``PlaceRecord``: the index attributes are derived from the place here and nowhere else.

Every write of a place goes through ``write_places``: one TransactWriteItems holding the place
(conditional on its version, or on its absence), its history entry when it has one, its
pending change for the change feed when the write is public news (docs/changes.md), the
search cells it leaves and enters (search_cells.py: conditional on their own versions), and
whatever the caller adds (a submission's decision). So a search record never disagrees with
its place, and a history entry never exists without its change. A transaction cancelled only
because a search cell changed underneath (another place of the same cell written at the same
instant) is planned again and retried; one cancelled on a place condition is the caller's
answer (conflict, not found).

``DynamoPlaceTransaction`` is the domain's ``PlaceTransaction`` over ``write_places``; a
feature's transaction subclasses it to add its own items (``submissions.py``: a decision).

``update_many`` sends several places per transaction (within DynamoDB's 100 items and 4 MB);
when DynamoDB cancels one because some places failed their condition, those places get their
outcome (conflict / not found) and the others are sent again without them, so a conflict on
one place never fails the rest (docs/backoffice.md, "Why one transaction per chunk").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib.adapters.dynamodb.backoffice_models import PlaceHistoryRecord
from chalicelib.adapters.dynamodb.changes import add_pending
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.search_cells import (
    CellPlanner,
    cell_key,
    is_cell_label,
    merge_into_cells,
    online,
)
from chalicelib.adapters.dynamodb.transaction import MAX_BYTES, MAX_ITEMS, Cancelled, Transaction
from chalicelib.domain.changes.models import pending_change
from chalicelib.domain.errors import (
    Conflict,
    InvalidCursor,
    NotFound,
    Unavailable,
    VersionConflict,
)
from chalicelib.domain.places.history import HistoryEntry, HistoryPage
from chalicelib.domain.places.listing import (
    AdminPlaceSummary,
    PlaceFilter,
    PlaceListPage,
    PlaceListQuery,
    admin_summary,
    decode_position,
    encode_position,
    organisation_key,
    search_text,
    verified_key,
)
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import (
    HistoryAhead,
    PlaceCreation,
    PlaceRepair,
    PlaceWrite,
    WriteOutcome,
    WriteStatus,
)
from chalicelib.domain.search.records import encode_joined, search_record

__all__ = [
    "DynamoPlaceRepository",
    "DynamoPlaceTransaction",
    "organisation_key",
    "to_place",
    "to_record",
]

TRANSACTION_ITEMS = 96
"""Items planned per TransactWriteItems (DynamoDB takes 100): a place, its history entry and
the search cells it leaves and enters."""

TRANSACTION_BYTES = 3_500_000
"""Stay under the 4 MB a TransactWriteItems request may carry (bodies dominate its size)."""

MAX_TRANSACTION_RETRIES = 6
"""Retries of a transaction cancelled by a concurrent writer (``TransactionConflict``, or a
search cell rewritten between its read and the commit); a failed condition on a place is not
retried: it is the outcome."""

LISTING_PAGE_SIZE = 200
"""Items evaluated per Query page of the back-office listing."""

LISTING_MAX_EVALUATED = 2_000
"""Items a listing request evaluates at most before it returns a short page with a cursor
(sparse filters such as ``q`` would otherwise read a whole department in one request)."""


def to_record(place: Place) -> PlaceRecord:
    """The item stored for a place; search attributes only when the place is online."""
    record = PlaceRecord(
        id=place.id,
        body=place.model_dump_json(),
        version=place.version,
        status=place.status.value,
        updated_at=place.updated_at,
        organisation_key=organisation_key(place.organisation),
    )
    if place.status is PlaceStatus.ONLINE:
        record.postal_code = place.address.postal_code
        record.city_code = place.address.city_code  # optional: absent stays absent
        record.sr = encode_joined([search_record(place)])
    # Back office: every place, whatever its status.
    record.admin_department = place.address.department_code
    record.verified_key = verified_key(place.verified_at)
    record.categories = set(place.categories)
    record.search_text = search_text(place)
    record.created_by = place.created_by
    record.summary = admin_summary(place).model_dump_json()
    return record


def to_place(record: PlaceRecord) -> Place:
    return Place.model_validate_json(record.body)


def to_history_record(entry: HistoryEntry) -> PlaceHistoryRecord:
    return PlaceHistoryRecord(
        place_id=entry.place_id,
        version=entry.version,
        body=entry.model_dump_json(),
        batch_id=entry.batch_id,
    )


def to_entry(record: PlaceHistoryRecord) -> HistoryEntry:
    return HistoryEntry.model_validate_json(record.body)


@dataclass(frozen=True)
class PlacePut:
    """One place to write in a ``write_places`` transaction.

    ``before`` is the place as the writer read it (None for a new place): the search cells it
    leaves are found from it. ``expected_version`` None means the place must not exist yet.
    """

    before: Place | None
    after: Place
    expected_version: int | None
    entry: HistoryEntry | None = None

    @classmethod
    def of(cls, write: PlaceWrite) -> PlacePut:
        return cls(write.before, write.place, write.expected_version, write.entry)

    def condition(self) -> Condition:
        if self.expected_version is None:
            return PlaceRecord.id.does_not_exist()
        # Also fails when the item is absent (no version to compare).
        return PlaceRecord.version == self.expected_version


class TransactionTooLarge(Exception):
    """The planned transaction holds more items or bytes than DynamoDB accepts."""


def place_label(place_id: str) -> tuple[str, str]:
    return ("place", place_id)


def history_label(place_id: str) -> tuple[str, str]:
    return ("history", place_id)


def history_ahead(cancelled: Cancelled, place_id: str) -> bool:
    """The cancellation reasons say the place was at the expected version and only its
    history entry's version was taken: the place is behind its history (a lost write, a
    restore of the places table), and no write of it can succeed until it is reconciled
    (chalicelib/domain/places/reconcile.py). Every writer of places should check this."""
    return (
        place_label(place_id) not in cancelled.failed
        and history_label(place_id) in cancelled.failed
    )


def write_places(
    puts: Sequence[PlacePut],
    extra: Callable[[Transaction], None] | None = None,
    planner: CellPlanner | None = None,
) -> Cancelled | None:
    """Write the places, their history entries, their search cells and ``extra``'s items in
    one transaction. None when written; the cancellation when a condition other than a search
    cell's failed (the caller's answer). Raises ``TransactionTooLarge`` (split the puts) and,
    when concurrent writers keep changing the same cells, ``Unavailable``."""
    planner = planner or CellPlanner()
    for attempt in range(MAX_TRANSACTION_RETRIES + 1):
        transaction = Transaction(_connection())
        for put in puts:
            transaction.put(place_label(put.after.id), to_record(put.after), put.condition())
            if put.entry is not None:
                transaction.put(
                    history_label(put.after.id),
                    to_history_record(put.entry),
                    PlaceHistoryRecord.version.does_not_exist(),
                )
            # The change feed's news of this write, committed with it (docs/changes.md).
            pending = pending_change(put.before, put.after)
            if pending is not None:
                add_pending(transaction, pending)
        if extra is not None:
            extra(transaction)
        for cell_write in planner.plan([(put.before, put.after) for put in puts]):
            cell_write.add_to(transaction)
        if transaction.item_count > MAX_ITEMS or transaction.approximate_bytes > MAX_BYTES:
            raise TransactionTooLarge(
                f"{transaction.item_count} items, ~{transaction.approximate_bytes} bytes"
            )
        cancelled = transaction.commit()
        if cancelled is None:
            return None
        if any(not is_cell_label(label) for label in cancelled.failed):
            return cancelled
        # Only search cells moved on (or another transaction held an item): plan again.
        if attempt < MAX_TRANSACTION_RETRIES:
            time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter
    raise Unavailable("other changes nearby are being written at this instant: try again")


class DynamoPlaceTransaction:
    """``PlaceTransaction``: the places added, their history entries and search cells, and the
    items a subclass adds with ``_add_item``, in one ``write_places`` transaction.

    On a cancellation, the first added item whose condition failed names the error (a
    subclass's items are checked first: a moved submission is the answer before its place);
    then the places, in order: Conflict for a created one, ``HistoryAhead`` when only the
    history entry's condition failed, else VersionConflict or NotFound (the place is read
    to say which, with its current version).
    """

    def __init__(self, planner: CellPlanner | None = None) -> None:
        self._planner = planner
        self._puts: list[PlacePut] = []
        self._items: list[tuple[Hashable, Callable[[Transaction], None], Callable[[], Exception]]]
        self._items = []
        self._committed = False

    def create(self, creation: PlaceCreation) -> None:
        self._add_put(PlacePut(None, creation.place, None, creation.entry))

    def write(self, change: PlaceWrite) -> None:
        self._add_put(PlacePut.of(change))

    def _add_put(self, put: PlacePut) -> None:
        if any(other.after.id == put.after.id for other in self._puts):
            raise ValueError(f"place {put.after.id!r} appears twice in one transaction")
        self._puts.append(put)

    def _add_item(
        self,
        label: Hashable,
        add: Callable[[Transaction], None],
        failed: Callable[[], Exception],
    ) -> None:
        """An item of the subclass's: ``add`` puts it in the transaction under ``label``;
        ``failed`` builds the error to raise when its condition failed."""
        self._items.append((label, add, failed))

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("a transaction is committed once")
        self._committed = True

        def extra(transaction: Transaction) -> None:
            for _, add, _ in self._items:
                add(transaction)

        cancelled = write_places(self._puts, extra=extra, planner=self._planner)
        if cancelled is None:
            return
        for label, _, failed in self._items:
            if label in cancelled.failed:
                raise failed()
        for put in self._puts:
            place_id = put.after.id
            if not {place_label(place_id), history_label(place_id)} & cancelled.failed:
                continue
            if put.expected_version is None:
                raise Conflict(f"a place with id {place_id!r} already exists", field="id")
            if history_ahead(cancelled, place_id) and put.entry is not None:
                raise HistoryAhead(
                    f"place {place_id!r} is at version {put.expected_version} but its history "
                    f"already holds version {put.entry.version}",
                    current_version=put.expected_version,
                )
            raise version_conflict(place_id, put.expected_version)
        raise Conflict("the write was cancelled: try again")  # pragma: no cover - no label


def version_conflict(place_id: str, expected_version: int) -> NotFound | VersionConflict:
    """What a write over ``expected_version`` that failed its condition answers: the place's
    current version (read), or NotFound."""
    current = current_version(place_id)
    if current is None:
        return NotFound(f"no place with id {place_id!r}", field="id")
    return VersionConflict(
        f"place {place_id!r} is at version {current}, not {expected_version}",
        current_version=current,
    )


def current_version(place_id: str) -> int | None:
    try:
        record = PlaceRecord.get(
            place_id, consistent_read=True, attributes_to_get=[PlaceRecord.version.attr_name]
        )
    except PlaceRecord.DoesNotExist:
        return None
    return int(record.version)


class DynamoPlaceRepository:
    """Places in the table bound by ``models.bind_tables``.

    Reads by id are strongly consistent: an editor who just saved must read their own write,
    and a version check on a stale read would fail for nothing. ``planner`` plans the search
    cells of each write (tests pass one that writes concurrently).
    """

    def __init__(self, planner: CellPlanner | None = None) -> None:
        self._planner = planner or CellPlanner()

    def get(self, place_id: str) -> Place:
        try:
            record = PlaceRecord.get(place_id, consistent_read=True)
        except PlaceRecord.DoesNotExist:
            raise NotFound(f"no place with id {place_id!r}", field="id") from None
        return to_place(record)

    def add(self, place: Place) -> None:
        if write_places([PlacePut(None, place, None)], planner=self._planner) is not None:
            raise Conflict(f"a place with id {place.id!r} already exists", field="id")

    def save(self, place: Place, *, expected_version: int) -> None:
        if place.version != expected_version + 1:
            raise ValueError(
                f"a place saved over version {expected_version} must carry version "
                f"{expected_version + 1}, not {place.version}"
            )
        # The search cells it leaves are those of the stored place: read it first.
        before = self.get(place.id)
        if (
            write_places([PlacePut(before, place, expected_version)], planner=self._planner)
            is not None
        ):
            raise version_conflict(place.id, expected_version)

    def load_fresh(self, places: Iterable[Place]) -> int:
        """Bulk seeding (demo data, benchmarks): unconditional batch writes of the places, then
        their search cells merged cell by cell. Never for edits."""
        batch = list(places)
        _reject_duplicate_ids(batch)
        with PlaceRecord.batch_write() as writer:
            for place in batch:
                writer.save(to_record(place))
        merge_into_cells([(None, place) for place in batch])
        return len(batch)

    # Back office (PlaceEditStore) -------------------------------------------------------

    def transaction(self) -> DynamoPlaceTransaction:
        return DynamoPlaceTransaction(self._planner)

    def repair(self, repair: PlaceRepair) -> None:
        place_id = repair.place.id
        check: Callable[[Transaction], None] | None = None
        if repair.entry is None:
            version = repair.place.version

            def check(transaction: Transaction) -> None:
                # Roll forward only to a version whose entry is stored.
                transaction.check(
                    ("history-entry", place_id),
                    PlaceHistoryRecord,
                    place_id,
                    PlaceHistoryRecord.version.exists(),
                    range_key=version,
                )

        put = PlacePut(repair.before, repair.place, repair.before.version, repair.entry)
        cancelled = write_places([put], extra=check, planner=self._planner)
        if cancelled is None:
            return
        if place_label(place_id) in cancelled.failed:
            raise version_conflict(place_id, repair.before.version)
        raise Conflict(
            f"the history of place {place_id!r} changed while it was reconciled: try again"
        )

    def update_many(self, writes: Sequence[PlaceWrite]) -> list[WriteOutcome]:
        ids = [write.place.id for write in writes]
        if len(set(ids)) != len(ids):
            raise ValueError("a place appears twice in one update_many")
        outcomes: dict[str, WriteOutcome] = {}
        for chunk in _transaction_chunks([PlacePut.of(write) for write in writes]):
            self._write_chunk(chunk, outcomes)
        return [outcomes[place_id] for place_id in ids]

    def _write_chunk(self, chunk: list[PlacePut], outcomes: dict[str, WriteOutcome]) -> None:
        remaining = list(chunk)
        while remaining:
            try:
                cancelled = write_places(remaining, planner=self._planner)
            except TransactionTooLarge:
                if len(remaining) == 1:
                    raise
                middle = len(remaining) // 2
                self._write_chunk(remaining[:middle], outcomes)
                self._write_chunk(remaining[middle:], outcomes)
                return
            if cancelled is None:
                for put in remaining:
                    outcomes[put.after.id] = WriteOutcome(put.after.id, WriteStatus.APPLIED)
                return
            failed = {
                label[1]
                for label in cancelled.failed
                if isinstance(label, tuple) and label[0] in ("place", "history")
            }
            for place_id in failed:
                outcomes[place_id] = self._failed_outcome(
                    place_id, history_ahead=history_ahead(cancelled, place_id)
                )
            remaining = [put for put in remaining if put.after.id not in failed]

    def _failed_outcome(self, place_id: str, *, history_ahead: bool) -> WriteOutcome:
        current = current_version(place_id)
        if current is None:
            return WriteOutcome(place_id, WriteStatus.NOT_FOUND)
        return WriteOutcome(
            place_id, WriteStatus.CONFLICT, current_version=current, history_ahead=history_ahead
        )

    def get_many(self, place_ids: Sequence[str]) -> dict[str, Place]:
        unique = list(dict.fromkeys(place_ids))
        if not unique:
            return {}
        return {
            record.id: to_place(record)
            for record in PlaceRecord.batch_get(unique, consistent_read=True)
        }

    def history(self, place_id: str, *, limit: int, before: int | None = None) -> HistoryPage:
        condition = PlaceHistoryRecord.version < before if before is not None else None
        records = list(
            PlaceHistoryRecord.query(
                place_id,
                range_key_condition=condition,
                scan_index_forward=False,
                consistent_read=True,
                limit=limit + 1,
                page_size=limit + 1,
            )
        )
        entries = [to_entry(record) for record in records[:limit]]
        more = len(records) > limit
        return HistoryPage(entries=entries, next_before=entries[-1].version if more else None)

    def history_entry(self, place_id: str, version: int) -> HistoryEntry | None:
        try:
            record = PlaceHistoryRecord.get(place_id, version, consistent_read=True)
        except PlaceHistoryRecord.DoesNotExist:
            return None
        return to_entry(record)

    def list_places(self, query: PlaceListQuery) -> PlaceListPage:
        place_filter = query.filter
        if place_filter.departments is not None and not place_filter.departments:
            return PlaceListPage(places=[], next_cursor=None)  # an empty territory
        index, hash_name, hash_value = _admin_index(place_filter)
        key_names = (hash_name, "verified_key", "id")
        start_key = None
        if query.cursor is not None:
            position = decode_position(query.cursor, place_filter)
            if set(position) != set(key_names) or position[hash_name] != hash_value:
                raise InvalidCursor()
            start_key = {name: {"S": value} for name, value in position.items()}
        range_condition = None
        if place_filter.verified_before is not None:
            range_condition = PlaceRecord.verified_key < verified_key(place_filter.verified_before)
        results = index.query(
            hash_value,
            range_key_condition=range_condition,
            filter_condition=_filter_condition(place_filter, skip=hash_name),
            last_evaluated_key=start_key,
            page_size=LISTING_PAGE_SIZE,
        )
        rows: list[AdminPlaceSummary] = []
        next_key: dict[str, Any] | None = None
        evaluated = 0
        for page in results.page_iter:
            evaluated += int(page.get("ScannedCount", 0))
            items: list[dict[str, Any]] = page.get("Items", [])
            for position_in_page, raw in enumerate(items):
                rows.append(AdminPlaceSummary.model_validate_json(raw["summary"]["S"]))
                if len(rows) == query.limit and position_in_page < len(items) - 1:
                    next_key = {name: raw[name] for name in key_names}
                    break
            else:
                next_key = page.get("LastEvaluatedKey")
                if (
                    next_key is not None
                    and len(rows) < query.limit
                    and evaluated < (LISTING_MAX_EVALUATED)
                ):
                    continue
            break
        cursor = None
        if next_key is not None:
            position = {name: str(next_key[name]["S"]) for name in key_names}
            cursor = encode_position(position, place_filter)
        return PlaceListPage(places=rows, next_cursor=cursor)

    def iter_matching(self, place_filter: PlaceFilter) -> Iterator[tuple[str, int]]:
        cursor: str | None = None
        while True:
            page = self.list_places(PlaceListQuery(filter=place_filter, limit=1000, cursor=cursor))
            for row in page.places:
                yield row.id, row.version
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


def _reject_duplicate_ids(places: list[Place]) -> None:
    """A batch holding the same key twice is rejected by DynamoDB after earlier batches went
    through; checking first keeps ``load_fresh`` all-or-nothing for this mistake."""
    seen: set[str] = set()
    for place in places:
        if place.id in seen:
            raise ValueError(f"place id {place.id!r} appears twice in the load")
        seen.add(place.id)


def _connection() -> Connection:
    # The places and history tables are bound to the same region and endpoint.
    connection: Connection = PlaceRecord._get_connection().connection
    return connection


def _transaction_chunks(puts: list[PlacePut]) -> Iterator[list[PlacePut]]:
    """Puts grouped so each group's transaction stays within DynamoDB's limits: three items a
    place (itself, its history entry, its pending change for the feed) and one per search
    cell it touches (a cell shared by several places of the group counts once; a cell with
    several shards is caught by ``write_places`` and split)."""
    chunk: list[PlacePut] = []
    cells: set[tuple[str, str]] = set()
    size = 0
    for put in puts:
        touched = {
            cell_key(place)
            for place in (put.before, put.after)
            if place is not None and online(place)
        }
        item_size = 3 * len(put.after.model_dump_json()) + 4096 * len(touched - cells)
        items = 3 * (len(chunk) + 1) + len(cells | touched)
        if chunk and (items > TRANSACTION_ITEMS or size + item_size > TRANSACTION_BYTES):
            yield chunk
            chunk, cells, size = [], set(), 0
        chunk.append(put)
        cells |= touched
        size += item_size
    if chunk:
        yield chunk


def _admin_index(
    place_filter: PlaceFilter,
) -> tuple[GlobalSecondaryIndex[PlaceRecord], str, str]:
    """The index a listing reads, its hash key name and value: organisation, else
    department, else status (the most selective key first)."""
    if place_filter.organisation_key is not None:
        return PlaceRecord.admin_by_organisation, "organisation_key", place_filter.organisation_key
    if place_filter.department is not None:
        return PlaceRecord.admin_by_department, "admin_department", place_filter.department
    if place_filter.status is not None:
        return PlaceRecord.admin_by_status, "status", place_filter.status.value
    raise ValueError("a listing needs an organisation, a department or a status")


def _filter_condition(place_filter: PlaceFilter, *, skip: str) -> Condition | None:
    conditions: list[Condition] = []
    if place_filter.status is not None and skip != "status":
        conditions.append(PlaceRecord.status == place_filter.status.value)
    if place_filter.department is not None and skip != "admin_department":
        conditions.append(PlaceRecord.admin_department == place_filter.department)
    if place_filter.organisation_key is not None and skip != "organisation_key":
        conditions.append(PlaceRecord.organisation_key == place_filter.organisation_key)
    if place_filter.departments is not None:
        conditions.append(PlaceRecord.admin_department.is_in(*place_filter.departments))
    if place_filter.categories:
        any_category: Condition | None = None
        for category in place_filter.categories:
            one = PlaceRecord.categories.contains(category)
            any_category = one if any_category is None else any_category | one
        if any_category is not None:
            conditions.append(any_category)
    if place_filter.text is not None:
        conditions.append(PlaceRecord.search_text.contains(place_filter.text))
    if place_filter.created_by is not None:
        conditions.append(PlaceRecord.created_by == place_filter.created_by)
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined
