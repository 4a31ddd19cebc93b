"""Helpers for tests of the OpenSearch backend: an index on the evaluator (or on a real cluster
when OPENSEARCH_URL is set), filled through the real adapter code (reindex, stream writer)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from opensearchpy import OpenSearch

from chalicelib.adapters.opensearch.client import PlacesIndex
from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
from chalicelib.adapters.opensearch.reindex import reindex
from chalicelib.domain.clock import Clock
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.indexing import PlaceChange
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.opensearch_eval import Cluster

HOURS_DAYS = 8
LIVE_URL = os.environ.get("OPENSEARCH_URL")


@dataclass
class SearchIndex:
    """An alias with an index behind it, and a writer that fills it like the stream indexer."""

    index: PlacesIndex
    writer: OpenSearchIndexWriter
    cluster: Cluster | None  # None on a live cluster
    live: bool

    def add(self, places: Iterable[Place]) -> None:
        changes = [PlaceChange.written(place) for place in places]
        errors = self.writer.apply(changes)
        assert errors == [None] * len(changes), errors
        if self.live:
            self.index.client.indices.refresh(index=self.index.alias)

    def close(self) -> None:
        if self.live:
            for name in self.index.indices_behind(self.index.alias)[self.index.alias]:
                self.index.delete_index(name)
        elif self.cluster is not None:
            assert self.cluster.problems == [], self.cluster.problems


def evaluator_index(
    clock: Clock, *, cluster: Cluster | None = None, alias: str = "test-places"
) -> SearchIndex:
    cluster = cluster or Cluster()
    return _prepare(PlacesIndex(cluster.client(), alias), clock, cluster, live=False)


def live_index(clock: Clock) -> SearchIndex:
    """An alias of its own on the cluster at OPENSEARCH_URL (no authentication, or the user and
    password of the URL): ``OPENSEARCH_URL=http://localhost:9200 make unit``."""
    assert LIVE_URL is not None
    client = OpenSearch(hosts=[LIVE_URL], timeout=30)
    alias = f"repere-contract-{uuid.uuid4().hex[:12]}"
    return _prepare(PlacesIndex(client, alias), clock, None, live=True)


def _prepare(
    index: PlacesIndex, clock: Clock, cluster: Cluster | None, *, live: bool
) -> SearchIndex:
    taxonomy = default_taxonomy()
    reindex(index, [], taxonomy, clock, days=HOURS_DAYS, bulk_size=100, replicas=0)
    writer = OpenSearchIndexWriter(index, taxonomy, clock, days=HOURS_DAYS, bulk_size=100)
    return SearchIndex(index=index, writer=writer, cluster=cluster, live=live)
