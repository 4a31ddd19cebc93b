"""Full reindex with no downtime: scan → bulk into a new index → atomic alias swap.

1. Refuse to start while another reindex holds ``<alias>-reindexing`` (unless ``force``).
2. Create ``<alias>-<UTC timestamp>`` with the current mapping, replicas 0 and no refresh (a
   bulk load is several times faster so).
3. Put it behind ``<alias>-reindexing``: from then on the stream indexer writes every change to
   it too. Any write made to the table after this point reaches the new index through the
   stream; any write made before it is read by the scan, which starts after it.
4. Scan every place (all statuses: offline places become tombstones, see documents.py) and bulk
   them with external versions: where the stream indexer was first with the same or a newer
   version, OpenSearch keeps it (409, not an error).
5. Restore replicas and refresh, refresh the index.
6. One ``POST /_aliases``: remove the old index from the alias, add the new one, drop the
   ``-reindexing`` alias. Searches switch atomically; none ever sees a half-built index.
7. Delete the old index, or keep it (``keep_old``) to swap back by hand.

If anything fails before the swap, the new index is taken out of ``-reindexing`` and deleted;
the live index was never touched.

The same run refreshes every document's hours window, so the daily schedule of this job is what
keeps open=now/today exact (docs/opensearch.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from itertools import islice
from typing import Any

from chalicelib.adapters.opensearch.client import PlacesIndex
from chalicelib.adapters.opensearch.indexer import action_lines
from chalicelib.adapters.opensearch.mapping import index_body
from chalicelib.domain.clock import Clock
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.indexing import PlaceChange
from chalicelib.domain.taxonomy.taxonomy import Taxonomy
from chalicelib.observability import logger


class ReindexError(Exception):
    """The reindex could not complete; the live index is unchanged."""


@dataclass(frozen=True)
class ReindexReport:
    index: str
    previous: list[str]
    documents: int
    deleted_previous: bool
    bulk_requests: int


def new_index_name(alias: str, clock: Clock) -> str:
    return f"{alias}-{clock.now().astimezone(UTC):%Y%m%d-%H%M%S-%f}"


def reindex(
    index: PlacesIndex,
    places: Iterable[Place],
    taxonomy: Taxonomy,
    clock: Clock,
    *,
    days: int,
    bulk_size: int,
    replicas: int = 1,
    keep_old: bool = False,
    force: bool = False,
) -> ReindexReport:
    behind = index.indices_behind(index.alias, index.reindexing_alias)
    stale = behind[index.reindexing_alias]
    if stale and not force:
        raise ReindexError(
            f"another reindex holds {index.reindexing_alias!r} ({', '.join(stale)}); "
            "wait for it, or run with force to take over"
        )
    previous = behind[index.alias]
    name = new_index_name(index.alias, clock)
    body = index_body(replicas=0)
    body["settings"]["index"]["refresh_interval"] = "-1"
    index.create_index(name, body)
    takeover = [{"remove": {"index": old, "alias": index.reindexing_alias}} for old in stale]
    index.update_aliases([*takeover, {"add": {"index": name, "alias": index.reindexing_alias}}])
    logger.info("reindex_started", extra={"index": name, "previous": previous})
    try:
        documents, requests = _load(
            index, name, places, taxonomy=taxonomy, clock=clock, days=days, bulk_size=bulk_size
        )
        index.put_settings(
            name, {"index": {"number_of_replicas": replicas, "refresh_interval": "1s"}}
        )
        index.refresh(name)
        index.update_aliases(
            [
                *({"remove": {"index": old, "alias": index.alias}} for old in previous),
                {"add": {"index": name, "alias": index.alias}},
                {"remove": {"index": name, "alias": index.reindexing_alias}},
            ]
        )
    except Exception:
        logger.exception("reindex_failed", extra={"index": name})
        _abandon(index, name)
        raise
    for old in previous if not keep_old else []:
        index.delete_index(old)
    logger.info(
        "reindex_finished",
        extra={"index": name, "documents": documents, "deleted": [] if keep_old else previous},
    )
    return ReindexReport(
        index=name,
        previous=previous,
        documents=documents,
        deleted_previous=bool(previous) and not keep_old,
        bulk_requests=requests,
    )


def _load(
    index: PlacesIndex,
    name: str,
    places: Iterable[Place],
    *,
    taxonomy: Taxonomy,
    clock: Clock,
    days: int,
    bulk_size: int,
) -> tuple[int, int]:
    documents = 0
    requests = 0
    for chunk in _chunks(iter(places), bulk_size):
        lines: list[dict[str, Any]] = []
        for place in chunk:
            action, document = action_lines(PlaceChange.written(place), name, taxonomy, clock, days)
            lines += [action, document]
        items = index.bulk(lines)
        requests += 1
        failures = [item for item in items if item.status not in (200, 201, 409)]
        if failures:
            raise ReindexError(
                f"{len(failures)} documents rejected, first: {failures[0].status} "
                f"{failures[0].error}"
            )
        documents += len(chunk)
    return documents, requests


def _chunks(places: Iterator[Place], size: int) -> Iterator[list[Place]]:
    while chunk := list(islice(places, size)):
        yield chunk


def _abandon(index: PlacesIndex, name: str) -> None:
    """Take a failed new index out of the stream's targets and delete it (best effort)."""
    try:
        index.update_aliases([{"remove": {"index": name, "alias": index.reindexing_alias}}])
        index.delete_index(name)
    except Exception:
        logger.exception("reindex_cleanup_failed", extra={"index": name})
