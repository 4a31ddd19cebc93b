"""Search CPU benchmark: Lambda-side CPU per search on DynamoDB's wire responses, beside
PostGIS answering the same searches, in the same run (docs/search.md, "Benchmark").

* Data: ``synthetic_places(BENCH_PLACES, seed=7)`` (100,000 by default), loaded into dynalite
  (DynamoDB on LevelDB, a separate process started here: its CPU is not ours) as the places
  table and the search cells, exactly the items the application writes.
* Repère: the API's own search (``import app``, then ``services().place_search``, the DynamoDB
  backend, a fixed clock), its own signed HTTP requests (``wire.HttpWire``, as deployed) to
  dynalite. Per search, CPU of this process (``time.process_time``: the parallel Queries'
  threads included) for the search and the JSON of the response body: the best of 3 runs at
  each of 7 centres jittered by ~1 km, then the median over the centres (territory cases
  repeat the same search); items and read units as DynamoDB bills them (the
  ``ConsumedCapacity`` dynalite returns); peak extra memory of one search (tracemalloc, in a
  separate pass since tracing slows everything down).
* PostGIS (bench/anchors/postgis.py) on the same online places, the same centres: what a
  PostGIS-backed directory runs for one page (top 20 by distance, the count, category facets),
  wall time per page, best of 3 at each centre and median over the centres as for Repère (its
  server's CPU is most of that time); null when PostgreSQL/PostGIS is not installed.
* Cold path: in fresh interpreters, CPU of the first search after ``import app`` minus the CPU
  of the same search repeated (median of 5 processes).
* OpenSearch path: CPU of ``OpenSearchPlaceSearch`` decoding a 5 km page (hits, aggregations)
  from the test evaluator's response bytes.

Never a timed test: it prints JSON and writes bench/results/search_cpu.json.

    make bench-deps        # PostgreSQL + PostGIS (apt) and dynalite (npm), once
    make bench-search      # 100,000 places
    BENCH_PLACES=20000 make bench-search
    BENCH_DYNALITE_PATH=/tmp/dynalite-100k make bench-search   # load once, reuse after
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "search_cpu.json"
NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # a Monday, late morning in Paris
PARIS = (48.8867, 2.3795)
LOZERE = (44.52, 3.50)
SEARCHES = 7
TRIES = 3
"""Runs of each search at each centre, for both engines alike: the best one counts (this
machine is shared; a run slowed by another job says nothing about the search)."""
COLD_RUNS = 5
PREFIX = "bench"


@dataclass(frozen=True)
class Case:
    center: tuple[float, float] | None = None
    radius_km: float = 5.0
    department: str | None = None
    category: str | None = None
    open_now: bool = False
    params: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "paris_1km": Case(center=PARIS, radius_km=1),
    "paris_5km": Case(center=PARIS, radius_km=5),
    "paris_30km": Case(center=PARIS, radius_km=30),
    "paris_100km": Case(center=PARIS, radius_km=100),
    "paris_5km_food": Case(center=PARIS, radius_km=5, category="food"),
    "paris_5km_open_now": Case(center=PARIS, radius_km=5, open_now=True),
    "department_75": Case(department="75"),
    "rural_5km": Case(center=LOZERE, radius_km=5),
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _centres(case: Case, rng: random.Random) -> list[tuple[float, float] | None]:
    if case.center is None:
        return [None] * SEARCHES
    lat, lon = case.center
    return [
        (lat + rng.uniform(-0.009, 0.009), lon + rng.uniform(-0.013, 0.013))
        for _ in range(SEARCHES)
    ]


def _query(case: Case, centre: tuple[float, float] | None) -> Any:
    from chalicelib.domain.places.models import GeoPoint
    from chalicelib.domain.search.models import OpenFilter, SearchQuery, Territory
    from chalicelib.domain.search.ports import TerritoryKind

    extra: dict[str, Any] = {}
    if case.category is not None:
        extra["categories"] = (case.category,)
    if case.open_now:
        extra["open"] = OpenFilter.NOW
    if centre is None:
        assert case.department is not None  # noqa: S101 - a territory case
        territory = Territory(TerritoryKind.DEPARTMENT, case.department)
        return SearchQuery(territory=territory, **extra)
    return SearchQuery(
        center=GeoPoint(lat=centre[0], lon=centre[1]), radius_m=case.radius_km * 1000, **extra
    )


# Loading ------------------------------------------------------------------------------------


def _load(places: list[Any]) -> dict[str, Any]:
    """Write the places and their search cells (skipped when a kept store has them)."""
    from chalicelib.adapters.dynamodb.models import PlaceRecord
    from chalicelib.adapters.dynamodb.place_repository import to_record
    from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord, build_cell_items

    if PlaceRecord.exists() and SearchCellRecord.exists():
        return {"seconds": 0.0, "places": len(places), "reused": True}
    # The two tables a search reads (dynalite has no TTL, which other tables ask for).
    for model in (PlaceRecord, SearchCellRecord):
        model.create_table(wait=True)
    started = time.perf_counter()
    with PlaceRecord.batch_write() as writer:
        for place in places:
            writer.save(to_record(place))
    cells = build_cell_items(places)
    with SearchCellRecord.batch_write() as cell_writer:
        for item in cells:
            cell_writer.save(item)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "places": len(places),
        "cell_items": len(cells),
    }


# Repère -------------------------------------------------------------------------------------


def _one_search(search: Any, query: Any) -> tuple[float, Any]:
    """CPU of one search and of its response body's JSON, as the handler builds it."""
    from chalicelib.api.public import search_payload

    started = time.process_time()
    page = search.search(query)
    json.dumps(search_payload(page), separators=(",", ":"))
    return (time.process_time() - started) * 1000, page


def _peak_extra_mib(search: Any, query: Any) -> float:
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    _one_search(search, query)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round((peak - baseline) / 2**20, 1)


def _repere_case(search: Any, case: Case, centres: list[Any]) -> dict[str, Any]:
    _one_search(search, _query(case, centres[0]))  # this case's first search is not timed
    cpu: list[float] = []
    items: list[int] = []
    units: list[float] = []
    totals: list[int] = []
    for centre in centres:
        runs = [_one_search(search, _query(case, centre)) for _ in range(TRIES)]
        ms, page = min(runs, key=lambda run: run[0])
        cpu.append(ms)
        items.append(page.stats.items_read)
        units.append(page.stats.read_units)
        totals.append(page.total)
    return {
        "cpu_ms": round(statistics.median(cpu), 1),
        "cpu_ms_min_max": [round(min(cpu), 1), round(max(cpu), 1)],
        "items_read": int(statistics.median(items)),
        "read_units": round(statistics.median(units), 1),
        "total_median": int(statistics.median(totals)),
        "peak_extra_mib": _peak_extra_mib(search, _query(case, centres[0])),
    }


# PostGIS ------------------------------------------------------------------------------------


def _postgis_case(anchor: Any, case: Case, centres: list[Any]) -> float:
    from bench.anchors.postgis import category_leaves

    leaves = category_leaves(case.category) if case.category else None
    times = []
    for centre in centres:
        runs = []
        for _ in range(TRIES):
            if centre is None:
                assert case.department is not None  # noqa: S101 - a territory case
                page = anchor.department(case.department)
            else:
                page = anchor.geo(
                    centre[0], centre[1], case.radius_km * 1000, leaves, open_now_only=case.open_now
                )
            runs.append(page.ms)
        times.append(min(runs))
    return round(float(statistics.median(times)), 1)


# Cold path ----------------------------------------------------------------------------------

_COLD = """
import json, sys, time
started = time.process_time()
import app
from chalicelib import composition
from chalicelib.composition.root import Services
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from bench.search_cpu import CASES, NOW, _one_search, _query
imported = time.process_time() - started
root = composition.install(Services.on_aws(get_settings(), clock=FixedClock(NOW)))
search = root.place_search
query = _query(CASES["paris_5km"], CASES["paris_5km"].center)
first, _ = _one_search(search, query)
warm = sorted(_one_search(search, query)[0] for _ in range(5))[2]
print(json.dumps({"import_ms": imported * 1000, "first_ms": first, "warm_ms": warm}))
"""


def _cold(environment: dict[str, str]) -> dict[str, Any]:
    runs = []
    for _ in range(COLD_RUNS):
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _COLD],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
    extra = [run["first_ms"] - run["warm_ms"] for run in runs]
    return {
        "cold_first_search_extra_cpu_ms": round(statistics.median(extra), 1),
        "import_app_cpu_ms": round(statistics.median(run["import_ms"] for run in runs), 1),
        "first_search_cpu_ms": round(statistics.median(run["first_ms"] for run in runs), 1),
        "warm_search_cpu_ms": round(statistics.median(run["warm_ms"] for run in runs), 1),
    }


# OpenSearch ---------------------------------------------------------------------------------


def _opensearch(places: list[Any]) -> dict[str, Any]:
    """CPU of our side of an OpenSearch search: the body built, the response bytes parsed by
    opensearch-py and decoded into the page (hits, total, facets, cursor). The cluster's own
    work is left out: the test evaluator answers once, and its response bytes are replayed."""
    from opensearchpy import Connection, OpenSearch

    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.adapters.opensearch.reindex import reindex
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from tests.opensearch_eval import Cluster

    clock = FixedClock(NOW)
    cluster = Cluster(validate_bodies=False)
    index = PlacesIndex(cluster.client(), "bench-places")
    around_paris = [p for p in places if abs(p.location.lat - PARIS[0]) < 0.1]
    reindex(index, around_paris, default_taxonomy(), clock, days=8, bulk_size=500)
    recorded: list[tuple[int, dict[str, str], str]] = []
    original = cluster.handle

    def record(method: str, url: str, params: dict[str, Any], body: Any) -> tuple[int, Any]:
        status, payload = original(method, url, params, body)
        recorded.append((status, {"content-type": "application/json"}, json.dumps(payload)))
        return status, payload

    cluster.handle = record  # type: ignore[method-assign]
    query = _query(CASES["paris_5km"], PARIS)
    OpenSearchPlaceSearch(index, default_taxonomy(), clock, "https://x").search(query)

    class Replay(Connection):
        def perform_request(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, str], str]:
            return recorded[-1]

    replayed = PlacesIndex(
        OpenSearch(hosts=[{"host": "replay", "port": 9200}], connection_class=Replay),
        "bench-places",
    )
    search = OpenSearchPlaceSearch(replayed, default_taxonomy(), clock, "https://x")
    search.search(query)
    own = []
    for _ in range(SEARCHES):
        ms, page = _one_search(search, query)
        own.append(ms)
    return {
        "paris_5km_cpu_ms": round(statistics.median(own), 1),
        "places_indexed": len(around_paris),
        "response_kib": round(len(recorded[-1][2]) / 1024, 1),
        "total": page.total,
    }


# Main ---------------------------------------------------------------------------------------


def _environment(endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "REPERE_TABLE_PREFIX": PREFIX,
        "REPERE_SEARCH_BACKEND": "dynamodb",
        "REPERE_STAGE": "local",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def _places(count: int) -> list[Any]:
    from devtools.demo_data import synthetic_places

    return list(synthetic_places(count, seed=7, now=NOW))


def main() -> None:
    from bench.anchors.dynalite import DynaliteServer
    from bench.anchors.postgis import PostgisAnchor, rows_from_places

    count = int(os.environ.get("BENCH_PLACES", "100000"))
    kept = os.environ.get("BENCH_DYNALITE_PATH")  # keep the loaded store between runs
    server = DynaliteServer.start(Path(kept) if kept else None)
    if server is None:
        raise SystemExit(f"dynalite is needed: {DynaliteServer.unavailable_reason()}")
    with server:
        environment = _environment(server.endpoint_url)
        os.environ.update(environment)
        places = _places(count)
        _log(f"generated {len(places)} places")

        from chalicelib.adapters.dynamodb.tables import bind_tables

        bind_tables(PREFIX, region="eu-west-3")
        figures: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0]},
            "places": count,
            "engine": "dynalite (DynamoDB API on LevelDB), HTTP on loopback",
            "load": _load(places),
        }
        _log(f"loaded: {figures['load']}")

        import app  # noqa: F401 - the API's own init (gc.freeze, settings, logging)
        from chalicelib import composition
        from chalicelib.composition.root import Services
        from chalicelib.config import get_settings
        from chalicelib.domain.clock import FixedClock

        root = composition.install(Services.on_aws(get_settings(), clock=FixedClock(NOW)))
        search = root.place_search

        anchor = PostgisAnchor.start()
        figures["postgis"] = (
            PostgisAnchor.unavailable_reason() if anchor is None else "PostgreSQL + PostGIS"
        )
        if anchor is not None:
            anchor.load(rows_from_places(places, NOW))
        rng = random.Random(42)
        cases: dict[str, Any] = {}
        try:
            for name, case in CASES.items():
                centres = _centres(case, rng)
                result = _repere_case(search, case, centres)
                result["postgis_ms"] = (
                    None if anchor is None else _postgis_case(anchor, case, centres)
                )
                cases[name] = result
                _log(f"{name}: {result}")
        finally:
            if anchor is not None:
                anchor.stop()
        figures["cases"] = cases
        figures.update(_cold(environment))
        _log(f"cold: {figures['cold_first_search_extra_cpu_ms']} ms")
    figures["opensearch"] = _opensearch(places)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
