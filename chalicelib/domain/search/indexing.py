"""Keeping a search index in step with the places table (the stream indexer and the reindex).

The index is a projection: DynamoDB stays the source of truth. Each change carries the version
the index must hold afterwards, and an index applies a change only over an older version, so
changes may arrive late, twice or out of order (stream retries, a reindex running beside the
stream) and the index still ends at the newest state of every place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.places.models import Place


@dataclass(frozen=True)
class PlaceChange:
    """One change of the places table.

    ``place`` is the place as written (any status), or None when the item was deleted; then
    ``version`` is the deleted version plus one, so the removal orders after every write.
    """

    place_id: str
    version: int
    place: Place | None

    @classmethod
    def written(cls, place: Place) -> PlaceChange:
        return cls(place.id, place.version, place)

    @classmethod
    def removed(cls, last: Place) -> PlaceChange:
        return cls(last.id, last.version + 1, None)


class SearchIndexWriter(Protocol):
    def apply(self, changes: Sequence[PlaceChange]) -> list[str | None]:
        """Apply the changes in order. For each: None when the index now holds that version or
        a newer one (applied, or superseded: not an error), else why it failed (retry it)."""
        ...


class PlaceSnapshotSource(Protocol):
    def all_places(self) -> Iterator[Place]:
        """Every place of the store, whatever its status (a scan: each place at least once)."""
        ...
