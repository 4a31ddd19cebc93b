"""The place store on DynamoDB (implements ``PlaceRepository`` and ``PlaceEditStore``).

``to_record`` and ``to_place`` are the only mapping between the domain ``Place`` and the
stored ``PlaceRecord``: the index attributes are derived from the place here and nowhere else.

Back-office writes (``create``, ``update``, ``update_many``) put the place and its history
entry (``PlaceHistoryRecord``) in one TransactWriteItems, the place conditional on its
version, the entry on its key being free. ``update_many`` sends up to 50 places (100 items)
per transaction; when DynamoDB cancels one because some places failed their condition, those
places get their outcome (conflict / not found) and the others are sent again without them, so
a conflict on one place never fails the rest (docs/backoffice.md, "Why one transaction per
chunk").
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb.backoffice_models import PlaceHistoryRecord
from chalicelib.adapters.dynamodb.geo_cells import geo_keys
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, VersionConflict
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
from chalicelib.domain.places.ports import PlaceWrite, WriteOutcome, WriteStatus

__all__ = ["DynamoPlaceRepository", "organisation_key", "to_place", "to_record"]

_CONDITION_FAILED = "ConditionalCheckFailedException"

TRANSACTION_PLACES = 50
"""Places per TransactWriteItems: each is two items (place and history), DynamoDB takes 100."""

TRANSACTION_BYTES = 3_500_000
"""Stay under the 4 MB a TransactWriteItems request may carry (bodies dominate its size)."""

MAX_TRANSACTION_RETRIES = 5
"""Retries of a chunk cancelled by ``TransactionConflict`` (another transaction on one of its
items at the same instant); conditional failures are not retried, they are outcomes."""

LISTING_PAGE_SIZE = 200
"""Items evaluated per Query page of the back-office listing."""

LISTING_MAX_EVALUATED = 2_000
"""Items a listing request evaluates at most before it returns a short page with a cursor
(sparse filters such as ``q`` would otherwise read a whole department in one request)."""


def to_record(place: Place) -> PlaceRecord:
    """The item stored for a place; index attributes only when the place is online."""
    record = PlaceRecord(
        id=place.id,
        body=place.model_dump_json(),
        version=place.version,
        status=place.status.value,
        updated_at=place.updated_at,
        organisation_key=organisation_key(place.organisation),
    )
    if place.status is PlaceStatus.ONLINE:
        keys = geo_keys(place.location)
        record.gh = keys.gh
        record.gh3 = keys.gh3
        record.gh5 = keys.gh5
        record.department = place.address.department_code
        record.postal_code = place.address.postal_code
        record.city_code = place.address.city_code  # optional: absent stays absent
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


def check_write(place: Place, expected_version: int, entry: HistoryEntry) -> None:
    """The rules both stores enforce before writing (programming errors, not user errors)."""
    if place.version != expected_version + 1:
        raise ValueError(
            f"a place saved over version {expected_version} must carry version "
            f"{expected_version + 1}, not {place.version}"
        )
    if entry.place_id != place.id or entry.version != place.version:
        raise ValueError(
            f"the history entry ({entry.place_id!r}, version {entry.version}) does not "
            f"describe place {place.id!r} at version {place.version}"
        )


class DynamoPlaceRepository:
    """Places in the table bound by ``models.bind_tables``.

    Reads by id are strongly consistent: an editor who just saved must read their own write,
    and a version check on a stale read would fail for nothing.
    """

    def get(self, place_id: str) -> Place:
        try:
            record = PlaceRecord.get(place_id, consistent_read=True)
        except PlaceRecord.DoesNotExist:
            raise NotFound(f"no place with id {place_id!r}", field="id") from None
        return to_place(record)

    def add(self, place: Place) -> None:
        try:
            to_record(place).save(condition=PlaceRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"a place with id {place.id!r} already exists", field="id") from None
            raise

    def save(self, place: Place, *, expected_version: int) -> None:
        if place.version != expected_version + 1:
            raise ValueError(
                f"a place saved over version {expected_version} must carry version "
                f"{expected_version + 1}, not {place.version}"
            )
        try:
            # The condition also fails when the item is absent (no version to compare).
            to_record(place).save(condition=PlaceRecord.version == expected_version)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
        else:
            return
        current = self._current_version(place.id)
        if current is None:
            raise NotFound(f"no place with id {place.id!r}", field="id")
        raise VersionConflict(
            f"place {place.id!r} is at version {current}, not {expected_version}",
            current_version=current,
        )

    def load_fresh(self, places: Iterable[Place]) -> int:
        batch = list(places)
        _reject_duplicate_ids(batch)
        with PlaceRecord.batch_write() as writer:
            for place in batch:
                writer.save(to_record(place))
        return len(batch)

    # Back office (PlaceEditStore) -------------------------------------------------------

    def create(self, place: Place, entry: HistoryEntry) -> None:
        check_write(place, 0, entry)
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(to_record(place), condition=PlaceRecord.id.does_not_exist())
                transaction.save(
                    to_history_record(entry), condition=PlaceHistoryRecord.version.does_not_exist()
                )
        except TransactWriteError as error:
            reasons = error.cancellation_reasons
            if reasons and any(
                reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons
            ):
                raise Conflict(f"a place with id {place.id!r} already exists", field="id") from None
            raise

    def update(self, place: Place, *, expected_version: int, entry: HistoryEntry) -> None:
        outcome = self.update_many([PlaceWrite(place, expected_version, entry)])[0]
        if outcome.status is WriteStatus.NOT_FOUND:
            raise NotFound(f"no place with id {place.id!r}", field="id")
        if outcome.status is WriteStatus.CONFLICT:
            raise VersionConflict(
                f"place {place.id!r} is at version {outcome.current_version}, "
                f"not {expected_version}",
                current_version=outcome.current_version,
            )

    def update_many(self, writes: Sequence[PlaceWrite]) -> list[WriteOutcome]:
        ids = [write.place.id for write in writes]
        if len(set(ids)) != len(ids):
            raise ValueError("a place appears twice in one update_many")
        for write in writes:
            check_write(write.place, write.expected_version, write.entry)
        records = [
            (to_record(write.place), to_history_record(write.entry), write.expected_version)
            for write in writes
        ]
        outcomes: dict[int, WriteOutcome] = {}
        for chunk in _transaction_chunks(records):
            self._write_chunk(records, chunk, outcomes)
        return [outcomes[index] for index in range(len(writes))]

    def _write_chunk(
        self,
        records: list[tuple[PlaceRecord, PlaceHistoryRecord, int]],
        chunk: list[int],
        outcomes: dict[int, WriteOutcome],
    ) -> None:
        remaining = list(chunk)
        busy_retries = 0
        while remaining:
            try:
                with TransactWrite(connection=_connection()) as transaction:
                    for index in remaining:
                        record, history, expected_version = records[index]
                        transaction.save(record, condition=PlaceRecord.version == expected_version)
                        transaction.save(
                            history, condition=PlaceHistoryRecord.version.does_not_exist()
                        )
            except TransactWriteError as error:
                reasons = error.cancellation_reasons
                if not reasons:
                    raise  # not a cancellation (throttling, validation...): a real failure
                failed: list[int] = []
                for position, index in enumerate(remaining):
                    pair = reasons[2 * position : 2 * position + 2]
                    if any(r is not None and r.code == "ConditionalCheckFailed" for r in pair):
                        failed.append(index)
                if failed:
                    for index in failed:
                        outcomes[index] = self._failed_outcome(records[index][0].id)
                    remaining = [index for index in remaining if index not in failed]
                    continue
                # Cancelled for TransactionConflict (or another transient reason): retry.
                busy_retries += 1
                if busy_retries > MAX_TRANSACTION_RETRIES:
                    raise
                time.sleep(random.uniform(0, 0.05 * 2**busy_retries))  # noqa: S311 - jitter
                continue
            for index in remaining:
                outcomes[index] = WriteOutcome(records[index][0].id, WriteStatus.APPLIED)
            remaining = []

    def _failed_outcome(self, place_id: str) -> WriteOutcome:
        current = self._current_version(place_id)
        if current is None:
            return WriteOutcome(place_id, WriteStatus.NOT_FOUND)
        return WriteOutcome(place_id, WriteStatus.CONFLICT, current_version=current)

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
                raise InvalidInput(
                    "malformed cursor: use next_cursor exactly as returned", field="cursor"
                )
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

    @staticmethod
    def _current_version(place_id: str) -> int | None:
        try:
            record = PlaceRecord.get(
                place_id, consistent_read=True, attributes_to_get=[PlaceRecord.version.attr_name]
            )
        except PlaceRecord.DoesNotExist:
            return None
        return int(record.version)


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


def _transaction_chunks(
    records: list[tuple[PlaceRecord, PlaceHistoryRecord, int]],
) -> Iterator[list[int]]:
    chunk: list[int] = []
    size = 0
    for index, (record, history, _) in enumerate(records):
        item_size = len(record.body) + len(record.summary or "") + len(history.body) + 1024
        if chunk and (len(chunk) == TRANSACTION_PLACES or size + item_size > TRANSACTION_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(index)
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
