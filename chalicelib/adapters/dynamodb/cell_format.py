"""How a search cell's records are stored: the ``c`` attribute (no PynamoDB here: the search
path decodes cells with this module and botocore alone)."""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Sequence

from chalicelib.adapters.dynamodb.geo_cells import CELL_PRECISION, encode
from chalicelib.domain.search.records import (
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


def cell_table(
    texts: Sequence[str],
    nearest_m: list[float] | None = None,
    farthest_m: list[float] | None = None,
) -> RecordTable:
    """The records of many cells' ``c`` attributes as one table (a search reads thousands:
    one split for all of them, no object per cell), the cold columns decoded on demand.
    Without distance bounds, every cell is "anywhere" (0 to infinity)."""
    parts = _COLD.join([text[CELL_PRECISION:] for text in texts]).split(_COLD) if texts else []
    if len(parts) != 2 * len(texts):
        raise ValueError("a search cell without its cold columns")
    packed = parts[1::2]
    return RecordTable.from_texts(
        parts[::2],
        lambda: [zlib.decompress(base64.b64decode(text)).decode("utf-8") for text in packed],
        [0.0] * len(texts) if nearest_m is None else nearest_m,
        [math.inf] * len(texts) if farthest_m is None else farthest_m,
    )


def decode_records(text: str) -> list[SearchRecord]:
    """The typed records of a cell (writers, the backfill; search reads the columns)."""
    return cell_table([text]).records()


def cell_of(lat: float, lon: float) -> str:
    return encode(lat, lon, CELL_PRECISION)
