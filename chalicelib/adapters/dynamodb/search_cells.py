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

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import names
from chalicelib.adapters.dynamodb.cell_format import (
    AFTER_EVERY_SHARD,
    SHARD_SEPARATOR,
    cell_of,
    decode_records,
    encode_cell,
)
from chalicelib.adapters.dynamodb.geo_cells import (
    CELL_PRECISION,
    PARENT_PRECISION,
)
from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.search.records import (
    SearchRecord,
    search_record,
)

SHARD_BYTES = 96_000
"""Compressed bytes a shard holds at most (DynamoDB allows 400 KB an item; a transaction 4 MB,
so a chunk of writes touching a few dozen full shards still fits)."""


class CellsByRegionIndex(GlobalSecondaryIndex["SearchCellRecord"]):  # type: ignore[no-untyped-call]
    """Cells by 3-character geohash parent (~156 km x 156 km), in geohash order: a search
    reads a few ranges of it (geo_cells.plan_radius_query)."""

    class Meta:
        index_name = names.CELLS_INDEX
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
    c = UnicodeAttribute()  # the records (``encode_cell``)
    g3 = UnicodeAttribute()

    cells_by_region = CellsByRegionIndex()


# Rows ---------------------------------------------------------------------------------------


def cell_key(place: Place) -> tuple[str, str]:
    """(department, cell) of an online place."""
    return place.address.department_code, cell_of(place.location.lat, place.location.lon)


def shard_key(cell: str, shard: int) -> str:
    return f"{cell}{SHARD_SEPARATOR}{shard:02d}"


def shard_number(sk: str) -> int:
    return int(sk.rsplit(SHARD_SEPARATOR, 1)[1])


def online(place: Place | None) -> TypeGuard[Place]:
    return place is not None and place.status is PlaceStatus.ONLINE


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
                cell + SHARD_SEPARATOR, cell + SHARD_SEPARATOR + AFTER_EVERY_SHARD
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
    return len(encode_cell("x" * CELL_PRECISION, records).encode("utf-8"))


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
            c=encode_cell(cell, shard.records) if shard.records else "",
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
