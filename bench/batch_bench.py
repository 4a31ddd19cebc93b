"""Batch update benchmark: 1,000 and 10,000 synthetic places in DynamoDB (moto, in-process).

For each size: a dry run, then the "lockdown" batch (a temporary closure and message on every
online place of the selection), then a replay of the same key. Prints one JSON document and
writes it to bench/results/batch.json.

What it measures, and how far to trust it:

- DynamoDB calls per operation and items written: counted on the botocore clients, exact;
  they are what DynamoDB would receive.
- Write units: computed from the written items' sizes with DynamoDB's rules (1 WCU per KB
  started; 2 for an item written inside a transaction) for the base table; the global
  secondary indexes' writes (not transactional: 1 per KB of projected item) are estimated
  from the place before and after, index by index. moto does not report consumed capacity.
- Seconds: wall time in moto on this machine, not DynamoDB's latency;
  ``dynamodb_seconds_estimate`` multiplies the sequential calls by a typical in-region latency
  instead. moto deep-copies every table a TransactWriteItems touches (its rollback), stream
  log included: about 6 s per transaction on a 100-place table here, hours for 10,000 places.
  The bench turns that copy off (``moto_without_table_copies``): the scenario cancels no
  transaction (checked: every place must come back ``applied``), so no rollback is needed,
  and the figures then measure our code and moto's request handling.
- Peak memory: the peak resident set size of the process (``ru_maxrss``) after each phase.
  Each size runs in its own process; moto's tables live in the same process, so this is an
  upper bound of what the Lambda would hold (tracemalloc would be finer but slows the run
  several times over).

    make bench-batch                        # 1,000 and 10,000 places
    BENCH_BATCH_SIZES=1000 make bench-batch
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "batch.json"
SIZES = tuple(int(size) for size in os.environ.get("BENCH_BATCH_SIZES", "1000,10000").split(","))
NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)  # the first day of the lockdown
LATENCY_MS = {"TransactWriteItems": 40.0, "BatchGetItem": 15.0, "default": 8.0}
"""Typical in-region latencies used only for ``dynamodb_seconds_estimate`` (assumptions)."""


class CallCounter:
    """Counts DynamoDB requests and the items (and write units) they write."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_written = 0
        self.base_wcu = 0

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        self.calls[operation] += 1
        if operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                put = item.get("Put") or item.get("Update") or item.get("Delete") or {}
                self.items_written += 1
                self.base_wcu += 2 * _units(put.get("Item", put.get("Key", {})))
        elif operation == "PutItem":
            self.items_written += 1
            self.base_wcu += _units(params["Item"])
        elif operation == "UpdateItem":
            self.items_written += 1
            self.base_wcu += 1  # the ledger's completion mark: a few attributes
        elif operation == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    self.items_written += 1
                    self.base_wcu += _units(request.get("PutRequest", {}).get("Item", {}))

    def reset(self) -> dict[str, Any]:
        figures = {
            "calls": dict(sorted(self.calls.items())),
            "write_calls": sum(
                count
                for operation, count in self.calls.items()
                if operation in ("TransactWriteItems", "PutItem", "UpdateItem", "BatchWriteItem")
            ),
            "items_written": self.items_written,
            "base_table_wcu": self.base_wcu,
        }
        self.calls.clear()
        self.items_written = 0
        self.base_wcu = 0
        return figures


def _value_size(value: dict[str, Any]) -> int:  # noqa: PLR0911 - one branch per type
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return math.ceil(len(str(raw).lstrip("-").replace(".", "")) / 2) + 1
    if kind == "SS":
        return sum(len(item.encode()) for item in raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) for k, v in raw.items())
    if kind == "L":
        return 3 + sum(_value_size(v) for v in raw)
    return len(json.dumps(raw))


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: attribute names plus values, in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _units(item: dict[str, Any]) -> int:
    return max(1, math.ceil(item_size(item) / 1024))


def gsi_wcu(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Estimated write units the places table's GSIs consume for one item update."""
    from chalicelib.adapters.dynamodb.models import PlaceRecord

    total = 0
    for index in PlaceRecord._indexes.values():  # name -> index
        meta = index.Meta
        keys = [
            attribute.attr_name
            for attribute in meta.attributes.values()
            if attribute.is_hash_key or attribute.is_range_key
        ]

        def projected(item: dict[str, Any], meta: Any = meta, keys: list[str] = keys) -> int:
            if meta.projection.projection_type == "ALL":
                return item_size(item)
            names = {*keys, "id", *meta.projection.non_key_attributes}
            return item_size({name: value for name, value in item.items() if name in names})

        had = all(key in before for key in keys)
        has = all(key in after for key in keys)
        same_key = had and has and all(before[key] == after[key] for key in keys)
        if same_key:
            total += max(1, math.ceil(projected(after) / 1024))
        else:
            total += 1 if had else 0  # delete of the old index entry
            total += max(1, math.ceil(projected(after) / 1024)) if has else 0
    return total


@contextmanager
def moto_without_table_copies() -> Iterator[None]:
    """See the module docstring: moto's whole-table copy before each transaction, skipped."""
    import copy

    from moto.dynamodb import models as moto_models
    from moto.dynamodb.models.table import Table

    class _Copy:
        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    namespace = vars(moto_models)
    saved = namespace["copy"]
    namespace["copy"] = _Copy()
    try:
        yield
    finally:
        namespace["copy"] = saved


@contextmanager
def counting(counter: CallCounter) -> Iterator[None]:
    from chalicelib.adapters.dynamodb.tables import TABLES

    emitters = []
    for model in TABLES.values():
        client = model._get_connection().connection.client
        emitter = client.meta.events
        if emitter not in emitters:
            emitter.register("provide-client-params.dynamodb.*", counter)
            emitters.append(emitter)
    try:
        yield
    finally:
        for emitter in emitters:
            emitter.unregister("provide-client-params.dynamodb.*", counter)


def estimate_seconds(calls: dict[str, int]) -> float:
    return round(
        sum(count * LATENCY_MS.get(op, LATENCY_MS["default"]) for op, count in calls.items())
        / 1000,
        1,
    )


def run_size(count: int) -> dict[str, Any]:
    from moto import mock_aws

    from chalicelib.adapters.dynamodb.batch_ledger import DynamoBatchLedger
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository, to_record
    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.domain.auth import Principal, Role
    from chalicelib.domain.batch.models import BatchRequest, ResultStatus
    from chalicelib.domain.batch.service import BatchUpdateService
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.places.models import PlaceStatus
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from devtools.demo_data import synthetic_places

    admin = Principal(subject="bench-admin", role=Role.ADMIN)
    figures: dict[str, Any] = {"places": count}
    with mock_aws(), moto_without_table_copies():
        bind_tables("bench", region="eu-west-3")
        create_tables(wait=True)
        store = DynamoPlaceRepository()
        places = [
            place.model_copy(update={"status": PlaceStatus.ONLINE})
            for place in synthetic_places(count, seed=2020, now=NOW)
        ]
        started = time.perf_counter()
        store.load_fresh(places)
        figures["load_seconds"] = round(time.perf_counter() - started, 1)
        service = BatchUpdateService(
            store, DynamoBatchLedger(), FixedClock(NOW), default_taxonomy()
        )
        patch = {
            "temporary_closure": {"start_date": "2020-03-17", "reason": "Confinement"},
            "temporary_message": {
                "start_date": "2020-03-17",
                "text": "Fermé pendant le confinement",
            },
        }
        body = {
            "idempotency_key": f"bench-lockdown-{count}",
            "selection": {"ids": [place.id for place in places]},
            "patch": patch,
            "comment": "benchmark",
        }
        counter = CallCounter()
        phases: dict[str, Any] = {}
        for phase, dry_run in (("dry_run", True), ("apply", False), ("replay", False)):
            request = BatchRequest.model_validate({**body, "dry_run": dry_run})
            started = time.perf_counter()
            with counting(counter):
                report = service.run(admin, request)
            seconds = time.perf_counter() - started
            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            calls = counter.reset()
            phases[phase] = {
                "seconds_moto": round(seconds, 1),
                "dynamodb_seconds_estimate": estimate_seconds(calls["calls"]),
                "process_peak_rss_mb": round(peak_kb / 1024),
                "counts": {status.value: n for status, n in report.counts.items() if n},
                **calls,
            }
            if report.counts[ResultStatus.APPLIED] != count:
                raise RuntimeError(f"{phase}: not every place applied: {report.counts}")
            if phase == "apply":
                applied = report.counts[ResultStatus.APPLIED]
                after = store.get_many([place.id for place in places[:200]])
                sample = [
                    gsi_wcu(to_record(place).serialize(), to_record(after[place.id]).serialize())
                    for place in places[:200]
                ]
                history_sizes = []
                for place in places[:200]:
                    version = after[place.id].version
                    entry = store.history_entry(place.id, version)
                    entry_json = entry.model_dump_json() if entry is not None else ""
                    history_sizes.append(
                        item_size(
                            {
                                "place_id": {"S": place.id},
                                "version": {"N": str(version)},
                                "body": {"S": entry_json},
                            }
                        )
                    )
                place_sizes = [item_size(to_record(after[p.id]).serialize()) for p in places[:200]]
                phases[phase]["per_place"] = {
                    "applied": applied,
                    "transaction_items": 2,  # the place and its history entry
                    "items_written_all_tables": round(calls["items_written"] / applied, 3),
                    "write_calls": round(calls["write_calls"] / applied, 4),
                    "base_table_wcu_incl_transaction_doubling": round(
                        calls["base_table_wcu"] / applied, 2
                    ),
                    "gsi_wcu_estimate": round(sum(sample) / len(sample), 2),
                    "mean_place_item_bytes": round(sum(place_sizes) / len(place_sizes)),
                    "mean_history_item_bytes": round(sum(history_sizes) / len(history_sizes)),
                }
        figures["phases"] = phases
    return figures


def _size_in_own_process(count: int) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.batch_bench", "--size", str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(output.stdout)
    return figures


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--size":
        print(json.dumps(run_size(int(sys.argv[2]))))
        return
    figures = {
        "machine_note": "moto in-process on this machine; see the module docstring",
        "sizes": [_size_in_own_process(count) for count in SIZES],
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
