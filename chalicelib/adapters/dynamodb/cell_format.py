"""How a search cell's records are stored: the ``c`` attribute (no PynamoDB here: the search
path decodes cells with this module and botocore alone)."""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Callable, Sequence

from chalicelib.adapters.dynamodb.geo_cells import CELL_PRECISION, encode
from chalicelib.domain.search.records import (
    RecordBatch,
    RecordTable,
    SearchRecord,
    encode_records,
)

SHARD_SEPARATOR = "#"
AFTER_EVERY_SHARD = "~"  # sorts after "#" and every base32 digit

_COLD = "!"  # between the hot columns and the compressed cold ones (never in either)


def encode_cell(cell: str, records: Sequence[SearchRecord]) -> str:
    """The ``c`` attribute of a cell: its code (6 characters), the hot columns as text, then
    the cold ones compressed and in base64 (read only by the filters that need them).

    One string attribute: botocore parses each attribute of each item it returns, which is
    most of what reading a cell costs, and it base64-decodes every binary value it meets; a
    string arrives as it is stored, and the cold part is decoded only when a search asks."""
    hot, cold = encode_records(records)
    packed = base64.b64encode(zlib.compress(cold.encode("utf-8"), 9)).decode("ascii")
    return f"{cell}{hot}{_COLD}{packed}"


def cell_code(text: str) -> str:
    return text[:CELL_PRECISION]


def _cold(packed: str) -> Callable[[], str]:
    return lambda: zlib.decompress(base64.b64decode(packed)).decode("utf-8")


def cell_batch(text: str, nearest_m: float = 0.0, farthest_m: float = math.inf) -> RecordBatch:
    """The records of a cell's ``c`` attribute, the cold columns decoded on demand."""
    hot, packed = text[CELL_PRECISION:].split(_COLD)
    return RecordBatch(hot, _cold(packed), nearest_m, farthest_m)


def decode_records(text: str) -> list[SearchRecord]:
    """The typed records of a cell (writers, the backfill; search reads the columns)."""
    return RecordTable([cell_batch(text)]).records()


def cell_of(lat: float, lon: float) -> str:
    return encode(lat, lon, CELL_PRECISION)
