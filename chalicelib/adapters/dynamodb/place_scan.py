"""Every place of the places table, by a paginated Scan (implements ``PlaceSnapshotSource``).

For the OpenSearch reindex. A Scan is not a snapshot: a place written while it runs may be read
before or after the write. The reindex does not need more: writes made after it started reach
the new index through the stream (see chalicelib/adapters/opensearch/reindex.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_place
from chalicelib.domain.places.models import Place


class DynamoPlaceScan:
    def __init__(self, page_size: int = 500) -> None:
        self._page_size = page_size

    def all_places(self) -> Iterator[Place]:
        for record in PlaceRecord.scan(page_size=self._page_size, consistent_read=True):
            yield to_place(record)
