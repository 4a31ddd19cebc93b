"""OpenSearch backend benchmark, against the test evaluator (no cluster can run here):

* requests per search and per department listing (counted by the fake connection: must be 1);
* stream indexer throughput for one batch of 10,000 records (records/s, bulk request sizes);
* full reindex time for 100,000 places (scan from memory → documents → bulk → alias swap).

Times include the evaluator's own work (indexing into Python dicts), and most of them is ours:
building documents (opening intervals for the hours window). A real cluster adds network and
Lucene time to the bulk requests. Prints JSON and writes bench/results/opensearch.json.

    python -m bench.opensearch_bench
    BENCH_REINDEX_PLACES=20000 python -m bench.opensearch_bench   # quicker
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "opensearch.json"
NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def _requests_per_search(places: list[Any]) -> dict[str, Any]:
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.adapters.opensearch.reindex import reindex
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.places.models import GeoPoint
    from chalicelib.domain.search.models import OpenFilter, SearchQuery
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from tests.opensearch_eval import Cluster

    clock = FixedClock(NOW)
    cluster = Cluster(validate_bodies=False)
    index = PlacesIndex(cluster.client(), "bench-places")
    reindex(index, places, default_taxonomy(), clock, days=8, bulk_size=500)
    search = OpenSearchPlaceSearch(index, default_taxonomy(), clock, "https://x")
    counts = []
    cases = [
        SearchQuery(center=GeoPoint(lat=48.8867, lon=2.3795), radius_m=5000, limit=20),
        SearchQuery(
            center=GeoPoint(lat=48.8867, lon=2.3795),
            radius_m=5000,
            text="restos coeur",
            open=OpenFilter.NOW,
            categories=("food",),
        ),
    ]
    for query in cases:
        before = cluster.count(suffix="/_search")
        page = search.search(query)
        if page.next_cursor:
            search.search(SearchQuery(**{**query.__dict__, "cursor": page.next_cursor}))
            counts.append(cluster.count(suffix="/_search") - before - 1)
        counts.append(cluster.count(suffix="/_search") - before - (1 if page.next_cursor else 0))
    before = cluster.count(suffix="/_search")
    search.department_listing("75", (), OpenFilter.NOW, 50)
    listing = cluster.count(suffix="/_search") - before
    return {"per_search": sorted(set(counts)), "per_department_listing": listing}


def _indexer_throughput(places: list[Any]) -> dict[str, Any]:
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
    from chalicelib.adapters.opensearch.reindex import reindex
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.search.indexing import PlaceChange
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from tests.opensearch_eval import Cluster

    clock = FixedClock(NOW)
    cluster = Cluster(validate_bodies=False)
    index = PlacesIndex(cluster.client(), "bench-places")
    reindex(index, [], default_taxonomy(), clock, days=8, bulk_size=500)
    writer = OpenSearchIndexWriter(index, default_taxonomy(), clock, days=8, bulk_size=500)
    changes = [PlaceChange.written(place) for place in places]
    started = time.perf_counter()
    errors = writer.apply(changes)
    seconds = time.perf_counter() - started
    assert errors == [None] * len(changes)  # noqa: S101 - a benchmark of a correct run
    return {
        "records": len(changes),
        "seconds": round(seconds, 2),
        "records_per_second": round(len(changes) / seconds),
        "bulk_requests": writer.requests,
        "bulk_sizes": {
            "min": min(writer.bulk_sizes),
            "median": statistics.median(writer.bulk_sizes),
            "max": max(writer.bulk_sizes),
        },
        "bulk_mib_median": round(writer.bytes / writer.requests / 1024 / 1024, 2),
        "alias_lookups": cluster.count("GET"),
    }


def _reindex_time(places: list[Any]) -> dict[str, Any]:
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.adapters.opensearch.reindex import reindex
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from tests.opensearch_eval import Cluster

    clock = FixedClock(NOW)
    cluster = Cluster(validate_bodies=False)
    index = PlacesIndex(cluster.client(), "bench-places")
    started = time.perf_counter()
    report = reindex(index, places, default_taxonomy(), clock, days=8, bulk_size=500)
    seconds = time.perf_counter() - started
    return {
        "places": report.documents,
        "seconds": round(seconds, 1),
        "places_per_second": round(report.documents / seconds),
        "bulk_requests": report.bulk_requests,
        "alias_swaps": 1,
    }


def main() -> None:
    from devtools.demo_data import leaflet_places, synthetic_places

    reindex_count = int(os.environ.get("BENCH_REINDEX_PLACES", "100000"))
    batch = list(synthetic_places(10_000, seed=3, now=NOW))
    figures: dict[str, Any] = {
        "requests": _requests_per_search(
            list(leaflet_places(NOW))
            + list(synthetic_places(500, seed=1, now=NOW, departments=["75"]))
        ),
        "indexer_batch": _indexer_throughput(batch),
    }
    figures["reindex"] = _reindex_time(list(synthetic_places(reindex_count, seed=7, now=NOW)))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
