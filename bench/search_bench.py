"""Search benchmark: 100,000 synthetic places in DynamoDB (moto, in-process), geo searches of
1, 5 and 30 km in Paris and in a rural department, and cold-import time of the API
(bench/import_bench.py, also alone: `make bench-import`).

Prints one JSON document (and writes it to bench/results/search.json). Latencies are moto's,
in-process, on this machine, and moto answers a GSI Query by walking every item of the table
(O(table) per Query, plus re-walks for 1 MB pages): at 100,000 places they measure moto, not
DynamoDB (single-digit milliseconds per Query). Items read and Query calls are what DynamoDB
would bill, and do not depend on the machine: they are the figures the targets are about.
Progress goes to stderr.

    make bench                       # 100,000 places
    BENCH_PLACES=20000 make bench    # quicker
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import import_bench

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "search.json"

SCENARIOS = {
    "paris": (48.8867, 2.3795),
    "lozere_rural": (44.52, 3.50),
}
RADII_KM = (1.0, 5.0, 30.0)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(share * (len(ordered) - 1)))
    return ordered[index]


# moto answers a GSI Query by walking the whole table for every 1 MB page: a 30 km search in
# Paris (tens of MB of places) would take hours. Beyond this radius the figures for a scenario
# are computed from the query plan over the same data: exactly the items and Query calls
# DynamoDB would serve (GSI ranges are exact), without a moto latency.
MOTO_MAX_RADIUS_M = {"paris": 5_000.0}


def _write(figures: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _summary(
    latencies: list[float], reads: list[int], queries: list[int], matching: list[int]
) -> dict[str, Any]:
    ratios = [r / m for r, m in zip(reads, matching, strict=True) if m]
    return {
        "p50_ms": round(_percentile(latencies, 0.5), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
        "items_read_median": statistics.median(reads),
        "query_calls_median": statistics.median(queries),
        "places_in_radius_median": statistics.median(matching),
        "items_read_per_place_in_radius_median": (
            round(statistics.median(ratios), 2) if ratios else None
        ),
        "items_read_per_place_in_radius_max": round(max(ratios), 2) if ratios else None,
    }


def _measured_figures(service: Any, centers: list[Any], radius_km: float) -> dict[str, Any]:
    from chalicelib.domain.search.models import OpenFilter, SearchQuery

    latencies: list[float] = []
    reads: list[int] = []
    queries: list[int] = []
    matching: list[int] = []
    for center in centers:
        query = SearchQuery(center=center, radius_m=radius_km * 1000, open=OpenFilter.ANY)
        t0 = time.perf_counter()
        page = service.search(query)
        latencies.append((time.perf_counter() - t0) * 1000)
        assert page.stats is not None  # noqa: S101 - the DynamoDB service sets it
        reads.append(page.stats.items_read)
        queries.append(page.stats.queries)
        matching.append(page.stats.matched_in_scope)
    return {"source": "moto", **_summary(latencies, reads, queries, matching)}


def _planned_figures(places: list[Any], centers: list[Any], radius_km: float) -> dict[str, Any]:
    from chalicelib.adapters.dynamodb.geo_cells import geo_keys, plan_radius_query
    from chalicelib.domain.places.models import PlaceStatus
    from chalicelib.domain.search.geo import haversine_m

    online = [p for p in places if p.status is PlaceStatus.ONLINE]
    keys = [geo_keys(p.location) for p in online]
    reads: list[int] = []
    queries: list[int] = []
    matching: list[int] = []
    for center in centers:
        ranges = plan_radius_query(center, radius_km * 1000)
        read = 0
        for key in keys:
            for cell_range in ranges:
                parent = key.gh3 if cell_range.index_name == "geo_coarse" else key.gh5
                if parent == cell_range.hash_value and cell_range.low <= key.gh <= cell_range.high:
                    read += 1
                    break
        reads.append(read)
        queries.append(len(ranges))
        matching.append(
            sum(1 for p in online if haversine_m(center, p.location) <= radius_km * 1000)
        )
    return {"source": "query plan", **_summary([], reads, queries, matching)}


def _search_figures(count: int, searches: int) -> dict[str, Any]:
    from moto import mock_aws

    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.search_cells import DynamoSearchRecords
    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.places.models import GeoPoint
    from chalicelib.domain.search.service import SearchService
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from devtools.demo_data import synthetic_places

    now = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # a Monday, late morning in Paris
    figures: dict[str, Any] = {"places": count, "searches_per_case": searches, "cases": {}}
    with mock_aws():
        bind_tables("bench", region="eu-west-3")
        create_tables(wait=True)
        started = time.perf_counter()
        loaded = DynamoPlaceRepository().load_fresh(synthetic_places(count, seed=7, now=now))
        figures["load_seconds"] = round(time.perf_counter() - started, 1)
        print(f"loaded {count} places", file=sys.stderr, flush=True)
        figures["loaded"] = loaded
        service = SearchService(
            DynamoSearchRecords(max_workers=8),
            default_taxonomy(),
            FixedClock(now),
            "https://repere.example.org",
        )
        rng = random.Random(42)
        all_places = list(synthetic_places(count, seed=7, now=now))
        for name, (lat, lon) in SCENARIOS.items():
            for radius_km in RADII_KM:
                case = f"{name}_{radius_km:g}km"
                centers = [
                    # Jitter the centre by up to ~1 km so cells and cache effects vary.
                    GeoPoint(
                        lat=lat + rng.uniform(-0.009, 0.009), lon=lon + rng.uniform(-0.013, 0.013)
                    )
                    for _ in range(searches)
                ]
                if radius_km * 1000 > MOTO_MAX_RADIUS_M.get(name, 1e12):
                    figures["cases"][case] = _planned_figures(all_places, centers, radius_km)
                else:
                    figures["cases"][case] = _measured_figures(service, centers, radius_km)
                print(f"{case}: {figures['cases'][case]}", file=sys.stderr, flush=True)
                _write(figures)
    return figures


def main() -> None:
    count = int(os.environ.get("BENCH_PLACES", "100000"))
    searches = int(os.environ.get("BENCH_SEARCHES", "7"))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)

    figures = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "import": import_bench.measure(int(os.environ.get("BENCH_IMPORT_RUNS", "15"))),
        "search": _search_figures(count, searches),
    }
    _write(figures)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
