"""Search cells: the compact search records of every online place, packed per geohash cell.

Why packed. A search around Paris reads thousands of places; as one item each, DynamoDB bills
every item rounded to 4 KB and botocore walks every attribute of every item (~20 µs an item).
Here one item holds the records of all the online places of a department in one geohash cell
of precision 6 (about 1.2 km x 0.6 km), column by column (``records.encode_records``) and
compressed with zlib, in a single binary attribute: a 5 km search in Paris reads ~330 items
(a few dozen read units) instead of ~5,400 places (~2,100 read units), and splits only the
columns it needs.

Table ``search-cells`` (``SearchCellRecord``):

* key: ``pk`` = department code, ``sk`` = ``<cell>#<shard>`` (``u09tvw#00``): a department's
  cells are one partition (department search is one Query), and a cell whose records outgrow
  ``SHARD_BYTES`` continues in shard 01, 02... (places piled up on one point by a careless
  import, never seen at real densities);
* GSI ``cells_by_region`` (``g3``, the cell's 3-character parent; ``sk``), projecting the
  records only (``d``, the hot columns every search reads, as text; ``x``, the others,
  compressed): a radius search plans a few geohash key ranges (``geo_cells``) and reads them
  in parallel;
* ``v`` is the item's version: writers read a cell, change the rows of their places and write
  it back only if nobody wrote it meanwhile.

Writers keep the cells in the same TransactWriteItems as the place
(``place_repository.write_places``): ``CellPlanner.plan`` reads the cells the changed places
leave and enter, and returns the conditional puts and deletes to add to the transaction.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeGuard

from botocore.config import Config
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.geo_cells import (
    CELL_PRECISION,
    PARENT_PRECISION,
    CellRange,
    encode,
    plan_radius_search,
)
from chalicelib.adapters.dynamodb.models import (
    BY_CITY_CODE_INDEX,
    BY_POSTAL_CODE_INDEX,
    PlaceRecord,
)
from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.ports import PageRead, RecordScan, TerritoryKind
from chalicelib.domain.search.records import (
    RecordBatch,
    RecordTable,
    SearchRecord,
    encode_records,
    search_record,
)

SHARD_BYTES = 96_000
"""Compressed bytes a shard holds at most (DynamoDB allows 400 KB an item; a transaction 4 MB,
so a chunk of writes touching a few dozen full shards still fits)."""

CELLS_INDEX = "cells_by_region"

DEFAULT_MAX_WORKERS = 8
"""Queries in flight at once for one search (botocore's pool holds 10 connections)."""

_SHARD_SEPARATOR = "#"
_AFTER_EVERY_SHARD = "~"  # sorts after "#" and every base32 digit


class CellsByRegionIndex(GlobalSecondaryIndex["SearchCellRecord"]):  # type: ignore[no-untyped-call]
    """Cells by 3-character geohash parent (~156 km x 156 km), in geohash order: a search
    reads a few ranges of it (geo_cells.plan_radius_query)."""

    class Meta:
        index_name = CELLS_INDEX
        projection = IncludeProjection(["c"])

    g3 = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class SearchCellRecord(Model):
    """One shard of one cell of one department: the search records of its online places."""

    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    pk = UnicodeAttribute(hash_key=True)  # department code
    sk = UnicodeAttribute(range_key=True)  # "<cell>#<shard>"
    v = NumberAttribute()  # version of this item, for conditional rewrites
    n = NumberAttribute()  # records held (operators, backfill checks)
    c = BinaryAttribute(legacy_encoding=False)  # the records (``encode_cell``)
    g3 = UnicodeAttribute()

    cells_by_region = CellsByRegionIndex()


# Rows ---------------------------------------------------------------------------------------


_HOT_LENGTH = struct.Struct(">I")


def encode_cell(cell: str, records: Sequence[SearchRecord]) -> bytes:
    """The ``c`` attribute of a cell: its code (6 bytes), the length of the hot columns, the
    hot columns as UTF-8 text, then the cold ones compressed (read only by the filters that
    need them). One attribute: botocore parses each attribute of each item it returns, and
    that parsing is most of what reading a cell costs."""
    hot, cold = encode_records(records)
    hot_bytes = hot.encode("utf-8")
    return b"".join(
        (
            cell.encode("ascii"),
            _HOT_LENGTH.pack(len(hot_bytes)),
            hot_bytes,
            zlib.compress(cold.encode("utf-8"), 9),
        )
    )


def cell_code(blob: bytes) -> str:
    return blob[:CELL_PRECISION].decode("ascii")


def cell_batch(blob: bytes, nearest_m: float = 0.0, farthest_m: float = math.inf) -> RecordBatch:
    """The records of a cell's ``c`` attribute, the cold columns decompressed on demand."""
    start = CELL_PRECISION + _HOT_LENGTH.size
    (length,) = _HOT_LENGTH.unpack_from(blob, CELL_PRECISION)
    hot = blob[start : start + length].decode("utf-8")
    cold = blob[start + length :]
    return RecordBatch(hot, lambda: zlib.decompress(cold).decode("utf-8"), nearest_m, farthest_m)


def decode_records(blob: bytes) -> list[SearchRecord]:
    """The typed records of a cell (writers, the backfill; search reads the columns)."""
    return RecordTable([cell_batch(blob)]).records()


def cell_of(lat: float, lon: float) -> str:
    return encode(lat, lon, CELL_PRECISION)


def cell_key(place: Place) -> tuple[str, str]:
    """(department, cell) of an online place."""
    return place.address.department_code, cell_of(place.location.lat, place.location.lon)


def shard_key(cell: str, shard: int) -> str:
    return f"{cell}{_SHARD_SEPARATOR}{shard:02d}"


def shard_number(sk: str) -> int:
    return int(sk.rsplit(_SHARD_SEPARATOR, 1)[1])


def online(place: Place | None) -> TypeGuard[Place]:
    return place is not None and place.status is PlaceStatus.ONLINE


# Reading --------------------------------------------------------------------------------------


@cache
def _executor(workers: int) -> ThreadPoolExecutor:
    # One pool per container: creating threads for every search costs more than the Queries'
    # own CPU for small radii.
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="search-cells")


@dataclass
class _Read:
    batches: list[RecordBatch] = field(default_factory=list)  # one per cell (or place)
    blobs: list[bytes] = field(default_factory=list)  # cells around a point, not yet decoded
    items: int = 0
    queries: int = 0
    read_units: float = 0.0

    def scan(self) -> RecordScan:
        batches = [*self.batches, *map(cell_batch, self.blobs)]
        return RecordScan(RecordTable(batches), self.items, self.queries, self.read_units)


class DynamoSearchRecords:
    """``SearchRecordSource`` on the tables bound by ``tables.bind_tables``.

    Reads use the botocore client directly (not PynamoDB's model layer): a search only needs
    the ``d`` bytes of each cell, and every layer between the wire and the columns costs CPU
    on the hottest path of the product.
    """

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers

    def near(self, center: GeoPoint, radius_m: float) -> RecordScan:
        plan = plan_radius_search(center, radius_m)
        total = _Read()
        for read in self._run_all(plan.ranges):
            total.items += read.items
            total.queries += read.queries
            total.read_units += read.read_units
            for blob in read.blobs:
                bounds = plan.cells.get(cell_code(blob)[: plan.precision])
                if bounds is None:
                    continue  # a cell in a bridged gap: wholly outside the circle
                total.batches.append(cell_batch(blob, bounds.nearest_m, bounds.farthest_m))
        return total.scan()

    def in_territory(self, kind: TerritoryKind, code: str) -> RecordScan:
        if not code:
            # No place has an empty code, and DynamoDB rejects an empty key in a Query.
            return _Read().scan()
        if kind is TerritoryKind.DEPARTMENT:
            read = _query_cells(
                {
                    "TableName": table_name(SearchCellRecord),
                    "KeyConditionExpression": "pk = :h",
                    "ExpressionAttributeValues": {":h": {"S": code}},
                }
            )
        else:
            read = _query_place_records(kind, code)
        return read.scan()

    def places(self, place_ids: Sequence[str]) -> PageRead:
        unique = list(dict.fromkeys(place_ids))
        found: dict[str, Place] = {}
        items = 0
        units = 0.0
        client = _client()
        table = table_name(PlaceRecord)
        for start in range(0, len(unique), 100):  # BatchGetItem takes 100 keys
            request: dict[str, Any] = {
                table: {
                    "Keys": [{"id": {"S": place_id}} for place_id in unique[start : start + 100]],
                    "ProjectionExpression": "body",
                }
            }
            while request:
                response = client.batch_get_item(
                    RequestItems=request, ReturnConsumedCapacity="TOTAL"
                )
                units += _consumed(response)
                for raw in response["Responses"].get(table, []):
                    items += 1
                    place = Place.model_validate_json(raw["body"]["S"])
                    if place.status is PlaceStatus.ONLINE:
                        found[place.id] = place
                # Keys DynamoDB did not get to (throttling, 16 MB): asked again.
                request = response.get("UnprocessedKeys") or {}
        return PageRead(found, items, units)

    def _run_all(self, ranges: list[CellRange]) -> list[_Read]:
        requests = [_range_request(cell_range) for cell_range in ranges]
        if len(requests) <= 1:
            return [_query_cells(request) for request in requests]
        warm_up()  # the client, once, before threads would each build one
        pool = _executor(self._max_workers)
        # result() re-raises a failed Query: a search missing a range would silently lose
        # places, so it fails instead.
        return [future.result() for future in [pool.submit(_query_cells, r) for r in requests]]


def _range_request(cell_range: CellRange) -> dict[str, Any]:
    # Bounds of the planned range are geohashes padded to 9 characters; cells are 6 long and
    # their sort keys go on with "#<shard>", hence the cut and the "~" after the last one.
    return {
        "TableName": table_name(SearchCellRecord),
        "IndexName": CELLS_INDEX,
        "KeyConditionExpression": "g3 = :h AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":h": {"S": cell_range.hash_value},
            ":low": {"S": cell_range.low[:CELL_PRECISION]},
            ":high": {"S": cell_range.high[:CELL_PRECISION] + _AFTER_EVERY_SHARD},
        },
    }


def _query_cells(request: dict[str, Any]) -> _Read:
    read = _Read()
    client = _client()
    arguments = {**request, "ProjectionExpression": "c", "ReturnConsumedCapacity": "TOTAL"}
    while True:
        response = client.query(**arguments)
        read.queries += 1
        read.read_units += _consumed(response)
        for item in response["Items"]:
            read.items += 1
            read.blobs.append(item["c"]["B"])
        last = response.get("LastEvaluatedKey")
        if last is None:
            return read
        arguments["ExclusiveStartKey"] = last


def _query_place_records(kind: TerritoryKind, code: str) -> _Read:
    """Postal code and INSEE city code searches: the ``sr`` of each place, from the places
    table's sparse territory indexes (small partitions: a few hundred places at most)."""
    index, key = {
        TerritoryKind.POSTAL_CODE: (BY_POSTAL_CODE_INDEX, "postal_code"),
        TerritoryKind.CITY_CODE: (BY_CITY_CODE_INDEX, "city_code"),
    }[kind]
    read = _Read()
    client = _client()
    arguments: dict[str, Any] = {
        "TableName": table_name(PlaceRecord),
        "IndexName": index,
        "KeyConditionExpression": "#k = :h",
        "ExpressionAttributeNames": {"#k": key},
        "ExpressionAttributeValues": {":h": {"S": code}},
        "ProjectionExpression": "sr",
        "ReturnConsumedCapacity": "TOTAL",
    }
    while True:
        response = client.query(**arguments)
        read.queries += 1
        read.read_units += _consumed(response)
        for item in response["Items"]:
            read.items += 1
            read.batches.append(RecordBatch.joined(item["sr"]["S"]))
        last = response.get("LastEvaluatedKey")
        if last is None:
            return read
        arguments["ExclusiveStartKey"] = last


def _consumed(response: dict[str, Any]) -> float:
    consumed = response.get("ConsumedCapacity")
    if not consumed:
        return 0.0
    if isinstance(consumed, list):
        return float(sum(entry.get("CapacityUnits", 0.0) for entry in consumed))
    return float(consumed.get("CapacityUnits", 0.0))


SEARCH_CLIENT_CONFIG = Config(
    # Every request is built here, from code: validating it again costs ~15 % of its CPU.
    parameter_validation=False,
    # A search answers fast or not at all: API Gateway gives up at 29 s, the function at 10.
    connect_timeout=1,
    read_timeout=3,
    retries={"max_attempts": 2, "mode": "standard"},
    max_pool_connections=DEFAULT_MAX_WORKERS + 2,
)


@cache
def _client_for(region: str, host: str | None) -> Any:
    session = PlaceRecord._get_connection().connection.session
    return session.create_client(
        "dynamodb", region_name=region, endpoint_url=host, config=SEARCH_CLIENT_CONFIG
    )


def _client() -> Any:
    """The search path's own botocore client (its reads only), on the tables' binding."""
    meta: Any = PlaceRecord.Meta
    return _client_for(meta.region, meta.host)


def warm_up() -> None:
    """Create the search client now (before threads would each build one; or at init)."""
    _client()


def forget_search_client() -> None:
    """Drop the search client (``tables.bind_tables`` rebinds the tables)."""
    _client_for.cache_clear()


def table_name(model: type[Model]) -> str:
    """The bound name of a model's table (``tables.bind_tables``)."""
    meta: Any = model.Meta  # PynamoDB types Meta as read-only settings
    return str(meta.table_name)


# Writing --------------------------------------------------------------------------------------


@dataclass
class Shard:
    sk: str
    version: int | None  # None: a new item
    records: list[SearchRecord]
    changed: bool = False


@dataclass(frozen=True)
class CellWrite:
    """A conditional put (or delete, when ``record.n`` is 0) of one shard."""

    label: Hashable
    record: SearchCellRecord
    condition: Condition
    delete: bool

    def add_to(self, transaction: Transaction) -> None:
        if self.delete:
            transaction.delete(self.label, self.record, self.condition)
        else:
            transaction.put(self.label, self.record, self.condition)


def cell_label(department: str, sk: str) -> tuple[str, str, str]:
    return ("cell", department, sk)


def is_cell_label(label: Hashable) -> bool:
    return isinstance(label, tuple) and len(label) == 3 and label[0] == "cell"


class CellPlanner:
    """Plans the cell writes that keep search records in step with place writes.

    ``plan`` takes (before, after) pairs: the place as the writer read it (None for a new
    place) and as it will be written (None when the place is removed). It reads the cells the
    places leave and enter (strongly consistent) and returns one conditional write per shard
    that changes: a cell changed by someone else between this read and the transaction makes
    the transaction fail on that cell's label, and the writer plans again.
    """

    def plan(self, changes: Sequence[tuple[Place | None, Place | None]]) -> list[CellWrite]:
        leaving: dict[tuple[str, str], set[str]] = {}
        entering: dict[tuple[str, str], list[SearchRecord]] = {}
        for before, after in changes:
            if online(before):
                leaving.setdefault(cell_key(before), set()).add(before.id)
            if online(after):
                key = cell_key(after)
                leaving.setdefault(key, set()).add(after.id)  # its old row, if any, is replaced
                entering.setdefault(key, []).append(search_record(after))
        writes: list[CellWrite] = []
        for key in sorted(leaving):
            shards = read_cell(*key)
            _replace(shards, key[1], leaving[key], entering.get(key, []))
            writes.extend(shard_writes(key[0], key[1], shards))
        return writes


def read_cell(department: str, cell: str) -> list[Shard]:
    """Every shard of a cell, strongly consistent, in shard order."""
    return [
        Shard(sk=item.sk, version=int(item.v), records=decode_records(item.c))
        for item in SearchCellRecord.query(
            department,
            SearchCellRecord.sk.between(
                cell + _SHARD_SEPARATOR, cell + _SHARD_SEPARATOR + _AFTER_EVERY_SHARD
            ),
            consistent_read=True,
        )
    ]


def _replace(shards: list[Shard], cell: str, removed: set[str], added: list[SearchRecord]) -> None:
    home: dict[str, Shard] = {}
    for shard in shards:
        kept = []
        for record in shard.records:
            if record.id in removed:
                home[record.id] = shard
                shard.changed = True
            else:
                kept.append(record)
        shard.records = kept
    for record in added:
        # Back where it was (rows stay put), else the first shard, else a new one.
        target = home.get(record.id) or (shards[0] if shards else None)
        if target is None:
            target = Shard(sk=shard_key(cell, 0), version=None, records=[])
            shards.append(target)
        target.records.append(record)
        target.changed = True
    _spill_over(shards, cell)


def _cell_bytes(records: list[SearchRecord]) -> int:
    return len(encode_cell("x" * CELL_PRECISION, records))


def _spill_over(shards: list[Shard], cell: str) -> None:
    """Move rows out of shards grown past ``SHARD_BYTES`` into the next shards."""
    index = 0
    while index < len(shards):
        shard = shards[index]
        if shard.changed:
            while len(shard.records) > 1 and _cell_bytes(shard.records) > SHARD_BYTES:
                if index + 1 == len(shards):
                    number = shard_number(shard.sk) + 1
                    shards.append(Shard(sk=shard_key(cell, number), version=None, records=[]))
                moved = shard.records[len(shard.records) // 2 :]
                shard.records = shard.records[: len(shard.records) // 2]
                shards[index + 1].records[:0] = moved
                shards[index + 1].changed = True
        index += 1


def shard_writes(department: str, cell: str, shards: list[Shard]) -> Iterator[CellWrite]:
    for shard in shards:
        if not shard.changed:
            continue
        condition: Condition
        if shard.version is None:
            if not shard.records:
                continue  # created and emptied within one plan
            condition = SearchCellRecord.pk.does_not_exist()
            version = 1
        else:
            condition = SearchCellRecord.v == shard.version
            version = shard.version + 1
        shard.records.sort(key=lambda record: record.id)
        item = SearchCellRecord(
            pk=department,
            sk=shard.sk,
            v=version,
            n=len(shard.records),
            # An emptied shard is deleted: its key is all the delete needs.
            c=encode_cell(cell, shard.records) if shard.records else b"",
            g3=cell[:PARENT_PRECISION],
        )
        yield CellWrite(
            label=cell_label(department, shard.sk),
            record=item,
            condition=condition,
            delete=not shard.records,
        )


def build_cell_items(places: Sequence[Place]) -> list[SearchCellRecord]:
    """The cell items of these places alone, for a bulk load into empty tables (benchmarks):
    the same grouping, shards and encoding as the write path, without reading anything."""
    by_cell: dict[tuple[str, str], list[SearchRecord]] = {}
    for place in places:
        if online(place):
            by_cell.setdefault(cell_key(place), []).append(search_record(place))
    items: list[SearchCellRecord] = []
    for (department, cell), records in by_cell.items():
        shards: list[Shard] = []
        _replace(shards, cell, set(), records)
        items.extend(write.record for write in shard_writes(department, cell, shards))
    return items


def merge_into_cells(changes: Sequence[tuple[Place | None, Place | None]]) -> None:
    """Bring the cells in step with places written outside a transaction (bulk seeding, the
    backfill): cell by cell, a conditional rewrite, planned again if a cell moved on."""
    planner = CellPlanner()
    by_cell: dict[tuple[str, str], list[tuple[Place | None, Place | None]]] = {}
    for before, after in changes:
        for place in (before, after):
            if online(place):
                by_cell.setdefault(cell_key(place), []).append((before, after))
                break
    for cell_changes in by_cell.values():
        for _ in range(10):
            if all(_commit_alone(write) for write in planner.plan(cell_changes)):
                break
        else:
            raise RuntimeError("a search cell kept changing while it was merged")


def _commit_alone(write: CellWrite) -> bool:
    """One cell write on its own; False when its condition failed (plan again)."""
    from pynamodb.exceptions import DeleteError, PutError

    try:
        if write.delete:
            write.record.delete(condition=write.condition, add_version_condition=False)
        else:
            write.record.save(condition=write.condition)
    except (PutError, DeleteError) as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
