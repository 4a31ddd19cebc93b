"""``SearchIndexWriter`` on OpenSearch: versioned bulk writes.

Every change is an ``index`` action with ``version_type: external`` and the place's version:
OpenSearch applies it only when the stored version is lower, and answers 409 otherwise. A 409 is
therefore not a failure: the index already holds that version or a newer one (a duplicate or a
late stream record).

A place that is not online, or deleted, is written as a *tombstone* document (documents.py), not
deleted: an OpenSearch delete forgets the document's version after ``index.gc_deletes`` (60 s by
default), after which a late, older record would be applied and bring the place back. A
tombstone keeps the version for good, and matches no search (every search filters
``status: online``). A deletion's version is the deleted version plus one.

While a reindex runs, changes go to the live index and to the one being built (see
``PlacesIndex.write_targets``): one ``GET _alias`` per batch, then bulk requests of at most
``bulk_size`` actions and ``max_bytes`` bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy.exceptions import OpenSearchException

from chalicelib.adapters.opensearch.client import BulkItem, PlacesIndex
from chalicelib.adapters.opensearch.documents import REMOVED, place_document, tombstone
from chalicelib.domain.clock import Clock
from chalicelib.domain.search.indexing import PlaceChange
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
"""Amazon OpenSearch Service accepts 10 MiB request bodies on its smallest instances."""


@dataclass(frozen=True)
class BulkStats:
    """What a writer sent (the benchmark reads it)."""

    requests: int
    actions: int
    bytes: int


def action_lines(
    change: PlaceChange, index_name: str, taxonomy: Taxonomy, clock: Clock, days: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bulk action and document of one change for one index."""
    if change.place is None:
        document = tombstone(change.place_id, change.version, REMOVED)
    else:
        document = place_document(change.place, taxonomy, at=clock.now(), days=days)
    action = {
        "index": {
            "_index": index_name,
            "_id": change.place_id,
            "version": change.version,
            "version_type": "external",
        }
    }
    return action, document


class OpenSearchIndexWriter:
    def __init__(
        self,
        index: PlacesIndex,
        taxonomy: Taxonomy,
        clock: Clock,
        *,
        days: int,
        bulk_size: int,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._index = index
        self._taxonomy = taxonomy
        self._clock = clock
        self._days = days
        self._bulk_size = bulk_size
        self._max_bytes = max_bytes
        self.requests = 0
        self.actions = 0
        self.bytes = 0
        self.bulk_sizes: list[int] = []

    def apply(self, changes: Sequence[PlaceChange]) -> list[str | None]:
        if not changes:
            return []
        targets = self._index.write_targets()
        if not targets:
            reason = f"no index behind alias {self._index.alias!r}: run a reindex first"
            return [reason] * len(changes)
        errors: list[str | None] = [None] * len(changes)
        documents = [self._document(change) for change in changes]
        # Approximate request bytes of each action and document (for the size cap).
        weights = [len(json.dumps(document)) + 160 for _, document in documents]
        pending = [(position, target) for position in range(len(changes)) for target in targets]
        for batch, size in self._batches(pending, weights):
            lines: list[dict[str, Any]] = []
            for position, target in batch:
                action, document = documents[position]
                lines.append({"index": {**action["index"], "_index": target}})
                lines.append(document)
            try:
                items = self._send(lines, size)
            except OpenSearchException as error:
                # The whole request failed (after the client's retries): every change in it
                # is reported failed, to be retried; the other requests still count.
                for position, target in batch:
                    errors[position] = errors[position] or f"{target}: {error!r}"
                continue
            for (position, target), item in zip(batch, items, strict=True):
                if not _applied(item) and errors[position] is None:
                    errors[position] = f"{target}: {item.status} {item.error}"
        return errors

    def stats(self) -> BulkStats:
        return BulkStats(requests=self.requests, actions=self.actions, bytes=self.bytes)

    def _document(self, change: PlaceChange) -> tuple[dict[str, Any], dict[str, Any]]:
        return action_lines(change, "", self._taxonomy, self._clock, self._days)

    def _batches(
        self, pending: list[tuple[int, str]], weights: list[int]
    ) -> Iterator[tuple[list[tuple[int, str]], int]]:
        batch: list[tuple[int, str]] = []
        size = 0
        for position, target in pending:
            weight = weights[position]
            if batch and (len(batch) >= self._bulk_size or size + weight > self._max_bytes):
                yield batch, size
                batch, size = [], 0
            batch.append((position, target))
            size += weight
        if batch:
            yield batch, size

    def _send(self, lines: list[dict[str, Any]], size: int) -> list[BulkItem]:
        self.requests += 1
        self.actions += len(lines) // 2
        self.bulk_sizes.append(len(lines) // 2)
        self.bytes += size
        return self._index.bulk(lines)


def _applied(item: BulkItem) -> bool:
    # 409: the index already holds this version or a newer one.
    return item.status in (200, 201) or item.version_conflict
