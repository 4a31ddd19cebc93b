"""The search path's own HTTP transport (wire.HttpWire) against DynamoDB's API and faults.

Deployed searches do not go through botocore (wire.py), so moto in process, which patches
botocore, cannot see them: here moto runs as a server on a loopback port, as in the local
stack, and the same reads through ``HttpWire`` and through botocore must give the same
records, pages, read units and counters. Faults come from a small HTTP server of the test's
own: a store that answers 500 then recovers, one that always throttles, one that sends a
damaged body, one that never answers, one that is not there.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from chalicelib.adapters.dynamodb.names import SEARCH_COUNTS_PREFIX, STATS, bound
from chalicelib.adapters.dynamodb.place_repository import to_record
from chalicelib.adapters.dynamodb.search_cells import build_cell_items
from chalicelib.adapters.dynamodb.search_counter import DynamoSearchCounter
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords, search_wire
from chalicelib.adapters.dynamodb.sigv4 import Credentials
from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
from chalicelib.adapters.dynamodb.wire import BotocoreWire, HttpWire, WireError, WireSettings
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.search.records import Field
from chalicelib.domain.stats.search_counts import SearchEvent
from tests.builders import PARIS_19, make_place, offset_point

REGION = "eu-west-3"
CREDENTIALS = Credentials("testing", "testing", "testing")
FAST = WireSettings(connect_timeout_s=0.5, read_timeout_s=0.5, attempts=2, backoff_s=0.001)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
    try:
        bind_tables("wire", region=REGION)
        create_tables()
        yield url
    finally:
        server.stop()


def _seed() -> list[str]:
    places = []
    for index in range(12):
        point = offset_point(PARIS_19, north_m=900.0 * (index % 4), east_m=900.0 * (index // 4))
        places.append(make_place(f"place-{index:02d}", lat=point.lat, lon=point.lon))
    for item in build_cell_items(places):
        item.save()
    for place in places:
        to_record(place).save()
    return sorted(place.id for place in places)


def test_http_reads_are_botocores_reads(moto_server: str) -> None:
    ids = _seed()
    http = DynamoSearchRecords(wire=HttpWire(moto_server, REGION, CREDENTIALS))
    botocore = DynamoSearchRecords(wire=search_wire("botocore"))
    center = GeoPoint(lat=PARIS_19.lat, lon=PARIS_19.lon)

    for records in (http, botocore):
        near = records.near(center, 5_000)
        department = records.in_territory(TerritoryKind.DEPARTMENT, "75")
        page = records.places(ids[:5])
        assert sorted(near.table.column(Field.ID)) == ids
        assert sorted(department.table.column(Field.ID)) == ids
        assert sorted(page.places) == ids[:5]
    assert http.near(center, 5_000).table.records() == botocore.near(center, 5_000).table.records()


def test_the_deployed_transport_is_http_when_credentials_are_in_the_environment(
    moto_server: str,
) -> None:
    assert isinstance(search_wire("http"), HttpWire)
    assert isinstance(search_wire("botocore"), BotocoreWire)


def test_searches_are_counted_over_http(moto_server: str) -> None:
    from datetime import date

    counter = DynamoSearchCounter(HttpWire(moto_server, REGION, CREDENTIALS))
    event = SearchEvent(
        day=date(2026, 12, 4),
        department="75",
        categories=("food",),
        open_filter="not_closed",
        has_text=False,
        zero_results=False,
    )
    counter.record(event)
    counter.record(event)

    item = search_wire("botocore").call(
        "GetItem",
        {
            "TableName": bound().table(STATS),
            "Key": {"pk": {"S": f"{SEARCH_COUNTS_PREFIX}75"}, "sk": {"S": "2026-12-04"}},
        },
    )["Item"]
    assert {value["N"] for name, value in item.items() if name not in ("pk", "sk")} == {"2"}


def test_an_error_answer_is_a_wire_error(moto_server: str) -> None:
    wire = HttpWire(moto_server, REGION, CREDENTIALS)

    with pytest.raises(WireError) as raised:
        wire.call(
            "Query",
            {
                "TableName": "no-such-table",
                "KeyConditionExpression": "pk = :h",
                "ExpressionAttributeValues": {":h": {"S": "x"}},
            },
        )

    assert raised.value.code == "ResourceNotFoundException"


# Faults ---------------------------------------------------------------------------------


class _Store:
    """Answers queued by a test, one per request (the last one repeats)."""

    def __init__(self, answers: list[tuple[int, Any, bool]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, str]] = []


def _server(store: _Store, *, silent: bool = False) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            self.rfile.read(length)
            store.requests.append({k.lower(): v for k, v in self.headers.items()})
            if silent:
                time.sleep(3)  # past the read timeout (0.5 s): the client gives up first
                return
            status, body, damaged = store.answers[min(len(store.requests), len(store.answers)) - 1]
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.0")
            self.send_header("content-length", str(len(payload)))
            crc = zlib.crc32(payload) + (1 if damaged else 0)
            self.send_header("x-amz-crc32", str(crc))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


QUERY = {"TableName": "t", "KeyConditionExpression": "pk = :h"}
BUSY = (500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}, False)
THROTTLED = (400, {"__type": "com.amazon.coral#ThrottlingException", "message": "slow down"}, False)
FINE = (200, {"Items": [], "Count": 0}, False)


def test_a_busy_store_is_asked_again_once() -> None:
    store = _Store([BUSY, FINE])
    server, url = _server(store)
    try:
        assert HttpWire(url, REGION, CREDENTIALS, FAST).call("Query", QUERY) == FINE[1]
    finally:
        server.shutdown()
    assert len(store.requests) == 2
    assert store.requests[0]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert store.requests[0]["x-amz-target"] == "DynamoDB_20120810.Query"


@pytest.mark.parametrize("answer", [BUSY, THROTTLED, (200, {"Items": []}, True)])
def test_a_store_that_keeps_failing_is_a_503_after_two_tries(answer: tuple[int, Any, bool]) -> None:
    store = _Store([answer])
    server, url = _server(store)
    try:
        with pytest.raises(Unavailable):
            HttpWire(url, REGION, CREDENTIALS, FAST).call("Query", QUERY)
    finally:
        server.shutdown()
    assert len(store.requests) == 2


def test_a_store_that_hangs_is_a_503_after_two_read_timeouts() -> None:
    store = _Store([FINE])
    server, url = _server(store, silent=True)
    try:
        with pytest.raises(Unavailable, match="in time"):
            HttpWire(url, REGION, CREDENTIALS, FAST).call("Query", QUERY)
    finally:
        server.shutdown()
    assert len(store.requests) == 2  # each try gave up on its read timeout, then one retry


def test_a_store_that_is_not_there_is_a_503() -> None:
    wire = HttpWire(f"http://127.0.0.1:{_free_port()}", REGION, CREDENTIALS, FAST)

    with pytest.raises(Unavailable):
        wire.call("Query", QUERY)
