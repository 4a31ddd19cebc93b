"""Change feed benchmark (docs/changes.md), on moto in process: what a page costs a reader,
what a write costs the write path, and how fast the sequencer files a backlog.

* ``write_path``: DynamoDB items in one admin edit's transaction, with the feed (the pending
  change is one more item; counted from the TransactWriteItems request itself).
* ``page``: calls and items read per page of ``PAGE`` changes (a strongly consistent Query;
  an empty poll adds the head's GetItem and one Query of the oldest kept change).
* ``sequencer``: seconds and changes per second to file a backlog of ``BACKLOG`` public writes
  (moto's speed, not DynamoDB's: the figure bounds the lag the sequencer adds on this machine;
  on AWS the lag is the schedule's period, one minute, plus this).

Prints JSON and writes bench/results/changes.json. Never a timed test.

    .venv/bin/python -m bench.changes_bench
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "changes.json"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
BACKLOG = int(os.environ.get("BENCH_CHANGES_BACKLOG", "1000"))
PAGE = 100


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, int]]]:
    """(operation, items in the request) of every DynamoDB call made meanwhile."""
    from chalicelib.adapters.dynamodb.tables import TABLES

    calls: list[tuple[str, int]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, len(params.get("TransactItems", ())) or 1))

    emitters = []
    for table in TABLES.values():
        emitter = table._get_connection().connection.client.meta.events
        if emitter not in emitters:
            emitter.register("provide-client-params.dynamodb.*", record)
            emitters.append(emitter)
    try:
        yield calls
    finally:
        for emitter in emitters:
            emitter.unregister("provide-client-params.dynamodb.*", record)


def _sequence_all() -> tuple[float, int]:
    from chalicelib.adapters.dynamodb.changes import DynamoChangeLog

    log = DynamoChangeLog()
    started = time.perf_counter()
    filed = 0
    while count := log.sequence_pending(500):
        filed += count
    return time.perf_counter() - started, filed


def _pages() -> tuple[Counter[str], Counter[str], int]:
    """Calls of a full page of changes and of an empty poll, after a first sync."""
    from chalicelib.adapters.dynamodb.changes import DynamoChangeLog
    from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
    from chalicelib.domain.changes.service import ChangeFeed

    feed = ChangeFeed(DynamoChangeLog(), DynamoSearchRecords(), cursor_key=b"b" * 32)
    cursor = feed.read(department="75", since=None, limit=PAGE).next_cursor
    while True:
        page = feed.read(department="75", since=cursor, limit=PAGE)
        cursor = page.next_cursor
        if page.phase == "changes":
            break
    with dynamodb_calls() as calls:
        page = feed.read(department="75", since=cursor, limit=PAGE)
    full_page = Counter(name for name, _ in calls)
    while page.has_more:
        page = feed.read(department="75", since=page.next_cursor, limit=PAGE)
    with dynamodb_calls() as calls:
        empty = feed.read(department="75", since=page.next_cursor, limit=PAGE)
    return full_page, Counter(name for name, _ in calls), len(empty.changes)


def main() -> None:
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.domain.auth import Principal, Role
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.ids import SequentialIds
    from chalicelib.domain.places.editing import PlaceEditor, PlacePatch
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
    from devtools.demo_data import synthetic_places
    from devtools.moto_serial import install

    install()
    admin = Principal(subject="bench", role=Role.ADMIN)
    with mock_aws():
        bind_tables("bench", region="eu-west-3")
        create_tables()
        store = DynamoPlaceRepository()
        places = [p for p in synthetic_places(BACKLOG, seed=11, now=NOW, departments=["75"])]
        store.load_fresh(places)
        online = [p for p in places if p.status.value == "online"]
        editor = PlaceEditor(store, FixedClock(NOW), SequentialIds(), default_taxonomy())
        with dynamodb_calls() as calls:
            editor.edit(
                admin,
                online[0].id,
                expected_version=online[0].version,
                patch=PlacePatch(description="Horaires d'hiver"),
            )
        transact = [items for name, items in calls if name == "TransactWriteItems"]
        for place in online[1:]:
            editor.edit(
                admin,
                place.id,
                expected_version=place.version,
                patch=PlacePatch(description="Horaires d'hiver"),
            )
        sequencing, filed = _sequence_all()
        full_page, empty_poll, empty_changes = _pages()
        document = {
            "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count()},
            "write_path": {
                "transaction_items_with_feed": transact[0] if transact else None,
                "feed_items_per_public_write": 1,
            },
            "page": {
                "changes": PAGE,
                "calls": dict(full_page),
                "items_read": PAGE,
                "empty_poll_calls": dict(empty_poll),
                "empty_poll_changes": empty_changes,
            },
            "sequencer": {
                "backlog": filed,
                "seconds_on_moto": round(sequencing, 2),
                "changes_per_second_on_moto": round(filed / sequencing, 1) if sequencing else None,
            },
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
