"""Statistics benchmark: the daily snapshot over 100,000 places, and the search counter write.

Three measures, kept apart because they measure different things (docs/statistics.md):

1. ``compute_100k``: the snapshot's pure computation (status counts, "open today" through the
   hours engine, coverage) over 100,000 synthetic places already in memory, then the whole
   ``SnapshotService.run`` over in-memory fakes of the same places. This is the CPU a Lambda
   spends whatever the store.
2. ``moto``: the same snapshot end to end on DynamoDB in moto (in-process) at a smaller size
   (BENCH_STATS_MOTO_PLACES, default 10,000): the Scan of the places table, the worker, the
   writes. moto's Scan is much slower than DynamoDB's, so this is an upper bound of the I/O
   part, not a DynamoDB latency. The bytes scanned give DynamoDB's read cost at 100,000.
3. ``counter``: the one UpdateItem (ADD) per search on moto, and what ``counter_names`` costs.

Prints one JSON document and writes it to bench/results/stats.json. Progress goes to stderr.

    .venv/bin/python -m bench.stats_bench
    BENCH_STATS_PLACES=20000 BENCH_STATS_MOTO_PLACES=2000 .venv/bin/python -m bench.stats_bench
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "stats.json"
NOW = datetime(2020, 4, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 April in Paris
GENERATED_AT = datetime(2020, 3, 25, 10, tzinfo=UTC)  # places written a week before
DAY = date(2020, 4, 1)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _places(count: int) -> list[Any]:
    from devtools.demo_data import synthetic_places

    return list(synthetic_places(count, seed=7, now=GENERATED_AT))


class _NoMail:
    def sent_message_ids(self, start: datetime, end: datetime) -> Any:
        return iter(())

    def bounces(self, start: datetime, end: datetime) -> int:
        return 0


class _NoExports:
    def downloads_by_department(self, day: Any) -> dict[str, Any]:
        return {}


class _NoSubmissions:
    def scan(self) -> Any:
        return iter(())


def compute(count: int) -> dict[str, Any]:
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources, count_places
    from tests.fakes import InMemoryPlaceRepository
    from tests.stats_fakes import InMemoryStatsStore, PlacesOf

    _log(f"generating {count} places")
    started = time.perf_counter()
    places = _places(count)
    generated_s = time.perf_counter() - started

    day_start = datetime(2020, 3, 31, 22, tzinfo=UTC)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        count_places(places, DAY, day_start - timedelta(days=6), day_start)
        runs.append(time.perf_counter() - started)

    repository = InMemoryPlaceRepository({place.id: place for place in places})
    service = SnapshotService(
        SnapshotSources(
            places=PlacesOf(repository.places),
            history=repository,
            submissions=_NoSubmissions(),
            exports=_NoExports(),
            mail=_NoMail(),
        ),
        InMemoryStatsStore(),
        FixedClock(NOW),
    )
    started = time.perf_counter()
    rows = service.run()
    service_s = time.perf_counter() - started
    # Allocations of one run beyond the places already loaded (tracemalloc slows the run down,
    # so it is a second run, not the timed one).
    tracemalloc.start()
    service.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    france = rows[-1]
    return {
        "places": count,
        "generate_s": round(generated_s, 2),
        "count_places_s_median_of_3": round(statistics.median(runs), 2),
        "count_places_us_per_place": round(statistics.median(runs) / count * 1e6, 1),
        "service_run_s": round(service_s, 2),
        "service_run_extra_peak_mib": round(peak / 2**20, 1),
        "departments": len(rows) - 1,
        "france": {
            "places_online": france.places_online,
            "open_today": france.open_today,
            "temporarily_closed": france.temporarily_closed,
            "permanently_closed": france.permanently_closed,
        },
    }


def moto(count: int) -> dict[str, Any]:
    from moto import mock_aws

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "REPERE_TABLE_PREFIX": "bench",
        }
    )
    from chalicelib import composition
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.place_scan import DynamoPlaceScan
    from chalicelib.adapters.dynamodb.search_counter import DynamoSearchCounter
    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.composition.root import Services
    from chalicelib.config import get_settings
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.stats.search_counts import SearchEvent, counter_names

    get_settings.cache_clear()
    with mock_aws():
        bind_tables("bench", region="eu-west-3")
        create_tables()
        places = _places(count)
        _log(f"loading {count} places into moto")
        started = time.perf_counter()
        DynamoPlaceRepository().load_fresh(places)
        load_s = time.perf_counter() - started
        body_bytes = sum(len(place.model_dump_json()) for place in places)

        _log("scanning")
        started = time.perf_counter()
        scanned = sum(1 for _ in DynamoPlaceScan().all_places())
        scan_s = time.perf_counter() - started

        _log("snapshot worker")
        composition.uninstall()
        root = Services.on_aws(get_settings(), clock=FixedClock(NOW))
        composition.install(root)
        started = time.perf_counter()
        rows = root.snapshot_service.run()
        worker_s = time.perf_counter() - started

        _log("counter writes")
        counter = DynamoSearchCounter()
        event = SearchEvent(DAY, "75", ("food_distribution",), "not_closed", True, True)
        counter.record(event)  # the client exists before timing
        latencies = []
        for _ in range(200):
            started = time.perf_counter()
            counter.record(event)
            latencies.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for _ in range(10_000):
            counter_names(event)
        names_us = (time.perf_counter() - started) / 10_000 * 1e6
        composition.uninstall()

    average_item = body_bytes / count
    return {
        "places": count,
        "load_s": round(load_s, 1),
        "scan_s": round(scan_s, 2),
        "scan_places": scanned,
        "snapshot_worker_s": round(worker_s, 2),
        "snapshot_rows": len(rows),
        "average_place_json_bytes": round(average_item),
        "dynamodb_scan_read_units_at_100k_consistent": round(100_000 * average_item / 4096),
        "counter_update_item_ms_p50": round(statistics.median(latencies), 2),
        "counter_update_item_ms_p95": round(sorted(latencies)[189], 2),
        "counter_names_us": round(names_us, 2),
    }


def main() -> int:
    count = int(os.environ.get("BENCH_STATS_PLACES", "100000"))
    moto_count = int(os.environ.get("BENCH_STATS_MOTO_PLACES", "10000"))
    figures = {
        "machine": "2 cores, shared with other work",
        "compute_in_memory": compute(count),
        "moto_end_to_end": moto(moto_count),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
