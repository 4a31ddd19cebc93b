"""Search records read from DynamoDB (implements ``SearchRecordSource``).

A search only needs the ``c`` text of each search cell (cell_format.py) and, for its page,
the places' JSON bodies: every layer between the wire and the columns costs CPU on the
hottest path of the product, so this module speaks DynamoDB's JSON protocol through a
``DynamoWire`` (wire.py: its own signed HTTP requests when deployed, a botocore client
otherwise), reads that answer fast or fail fast, and never imports PynamoDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.config import Config

from chalicelib.adapters.dynamodb import names
from chalicelib.adapters.dynamodb.cell_format import AFTER_EVERY_SHARD, cell_table
from chalicelib.adapters.dynamodb.geo_cells import CELL_PRECISION, CellRange, plan_radius_search
from chalicelib.adapters.dynamodb.wire import (
    BotocoreWire,
    DynamoWire,
    HttpWire,
    endpoint_for,
    environment_credentials,
    keep_wire_json,
)
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.ports import PageRead, RecordScan, TerritoryKind
from chalicelib.domain.search.records import RecordBatch, RecordTable

DEFAULT_MAX_WORKERS = 8
"""Queries in flight at once for one search (botocore's pool holds 10 connections)."""


@cache
def _executor(workers: int) -> ThreadPoolExecutor:
    # One pool per container: creating threads for every search costs more than the Queries'
    # own CPU for small radii.
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="search-cells")


@dataclass
class _Read:
    batches: list[RecordBatch] = field(default_factory=list)  # places' own records
    blobs: list[str] = field(default_factory=list)  # cells' ``c`` texts, not yet split
    items: int = 0
    queries: int = 0
    read_units: float = 0.0

    def scan(
        self, nearest_m: list[float] | None = None, farthest_m: list[float] | None = None
    ) -> RecordScan:
        """What was read as one table (cells with their distance bounds, when known)."""
        table = (
            RecordTable(self.batches)
            if self.batches
            else cell_table(self.blobs, nearest_m, farthest_m)
        )
        return RecordScan(table, self.items, self.queries, self.read_units)


class DynamoSearchRecords:
    """``SearchRecordSource`` on the tables bound by ``names.bind`` (or ``tables.bind_tables``)."""

    def __init__(
        self, max_workers: int = DEFAULT_MAX_WORKERS, wire: DynamoWire | None = None
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._given_wire = wire

    @property
    def _wire(self) -> DynamoWire:
        # Without one given: botocore's, in the bound region (works everywhere, moto too).
        return self._given_wire or search_wire("botocore")

    def near(self, center: GeoPoint, radius_m: float) -> RecordScan:
        plan = plan_radius_search(center, radius_m)
        total = _Read()
        nearest: list[float] = []
        farthest: list[float] = []
        cells = plan.cells
        precision = plan.precision
        for read in self._run_all(plan.ranges):
            total.items += read.items
            total.queries += read.queries
            total.read_units += read.read_units
            for blob in read.blobs:
                bounds = cells.get(blob[:precision])
                if bounds is None:
                    continue  # a cell in a bridged gap: wholly outside the circle
                total.blobs.append(blob)
                nearest.append(bounds.nearest_m)
                farthest.append(bounds.farthest_m)
        return total.scan(nearest, farthest)

    def in_territory(self, kind: TerritoryKind, code: str) -> RecordScan:
        if not code:
            # No place has an empty code, and DynamoDB rejects an empty key in a Query.
            return _Read().scan()
        if kind is TerritoryKind.DEPARTMENT:
            read = _query_cells(
                self._wire,
                {
                    "TableName": names.bound().table(names.SEARCH_CELLS),
                    "KeyConditionExpression": "pk = :h",
                    "ExpressionAttributeValues": {":h": {"S": code}},
                },
            )
        else:
            read = _query_place_records(self._wire, kind, code)
        return read.scan()

    def places(self, place_ids: Sequence[str]) -> PageRead:
        unique = list(dict.fromkeys(place_ids))
        found: dict[str, Place] = {}
        items = 0
        units = 0.0
        wire = self._wire
        table = names.bound().table(names.PLACES)
        for start in range(0, len(unique), 100):  # BatchGetItem takes 100 keys
            request: dict[str, Any] = {
                table: {
                    "Keys": [{"id": {"S": place_id}} for place_id in unique[start : start + 100]],
                    "ProjectionExpression": "body",
                }
            }
            while request:
                response = wire.call(
                    "BatchGetItem", {"RequestItems": request, "ReturnConsumedCapacity": "TOTAL"}
                )
                units += _consumed(response)
                for raw in response.get("Responses", {}).get(table, []):
                    items += 1
                    place = Place.model_validate_json(raw["body"]["S"])
                    if place.status is PlaceStatus.ONLINE:
                        found[place.id] = place
                # Keys DynamoDB did not get to (throttling, 16 MB): asked again.
                request = response.get("UnprocessedKeys") or {}
        return PageRead(found, items, units)

    def _run_all(self, ranges: list[CellRange]) -> list[_Read]:
        requests = [_range_request(cell_range) for cell_range in ranges]
        wire = self._wire
        if len(requests) <= 1:
            return [_query_cells(wire, request) for request in requests]
        pool = _executor(self._max_workers)
        # result() re-raises a failed Query: a search missing a range would silently lose
        # places, so it fails instead.
        futures = [pool.submit(_query_cells, wire, request) for request in requests]
        return [future.result() for future in futures]


def _range_request(cell_range: CellRange) -> dict[str, Any]:
    # Bounds of the planned range are geohashes padded to 9 characters; cells are 6 long and
    # their sort keys go on with "#<shard>", hence the cut and the "~" after the last one.
    return {
        "TableName": names.bound().table(names.SEARCH_CELLS),
        "IndexName": names.CELLS_INDEX,
        "KeyConditionExpression": "g3 = :h AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":h": {"S": cell_range.hash_value},
            ":low": {"S": cell_range.low[:CELL_PRECISION]},
            ":high": {"S": cell_range.high[:CELL_PRECISION] + AFTER_EVERY_SHARD},
        },
    }


def _query_cells(wire: DynamoWire, request: dict[str, Any]) -> _Read:
    read = _Read()
    arguments = {**request, "ProjectionExpression": "c", "ReturnConsumedCapacity": "TOTAL"}
    while True:
        response = wire.call("Query", arguments)
        read.queries += 1
        read.read_units += _consumed(response)
        for item in response.get("Items", ()):
            read.items += 1
            read.blobs.append(item["c"]["S"])
        last = response.get("LastEvaluatedKey")
        if last is None:
            return read
        arguments["ExclusiveStartKey"] = last


def _query_place_records(wire: DynamoWire, kind: TerritoryKind, code: str) -> _Read:
    """Postal code and INSEE city code searches: the ``sr`` of each place, from the places
    table's sparse territory indexes (small partitions: a few hundred places at most)."""
    index, key = {
        TerritoryKind.POSTAL_CODE: (names.BY_POSTAL_CODE_INDEX, "postal_code"),
        TerritoryKind.CITY_CODE: (names.BY_CITY_CODE_INDEX, "city_code"),
    }[kind]
    read = _Read()
    arguments: dict[str, Any] = {
        "TableName": names.bound().table(names.PLACES),
        "IndexName": index,
        "KeyConditionExpression": "#k = :h",
        "ExpressionAttributeNames": {"#k": key},
        "ExpressionAttributeValues": {":h": {"S": code}},
        "ProjectionExpression": "sr",
        "ReturnConsumedCapacity": "TOTAL",
    }
    while True:
        response = wire.call("Query", arguments)
        read.queries += 1
        read.read_units += _consumed(response)
        for item in response.get("Items", ()):
            read.items += 1
            read.batches.append(RecordBatch.joined(item["sr"]["S"]))
        last = response.get("LastEvaluatedKey")
        if last is None:
            return read
        arguments["ExclusiveStartKey"] = last


def _consumed(response: dict[str, Any]) -> float:
    consumed = response.get("ConsumedCapacity")
    if not consumed:
        return 0.0
    if isinstance(consumed, list):
        return float(sum(entry.get("CapacityUnits", 0.0) for entry in consumed))
    return float(consumed.get("CapacityUnits", 0.0))


SEARCH_CLIENT_CONFIG = Config(
    # Every request is built here, from code: validating it again costs ~15 % of its CPU.
    parameter_validation=False,
    # A search answers fast or not at all: API Gateway gives up at 29 s, the function at 10.
    connect_timeout=1,
    read_timeout=3,
    retries={"max_attempts": 2, "mode": "standard"},
    max_pool_connections=DEFAULT_MAX_WORKERS + 2,
)


@cache
def _client_for(region: str) -> Any:
    # The endpoint comes from botocore's own configuration (AWS_ENDPOINT_URL_DYNAMODB for
    # the local stack), as for PynamoDB's client; lean_client only makes creating it cheaper.
    from chalicelib.adapters.dynamodb.lean_client import create_dynamodb_client

    client = create_dynamodb_client(region, SEARCH_CLIENT_CONFIG)
    for operation in ("Query", "BatchGetItem"):
        client.meta.events.register(f"before-parse.dynamodb.{operation}", keep_wire_json)
    return client


def search_client() -> Any:
    """The search path's botocore client (``BotocoreWire``), in the bound region."""
    return _client_for(names.bound().region)


@cache
def _wire_for(region: str, transport: str) -> DynamoWire:
    if transport == "http":
        credentials = environment_credentials()
        endpoint = endpoint_for(region)
        if credentials is not None and endpoint is not None:
            return HttpWire(endpoint, region, credentials)
    return BotocoreWire(lambda: _client_for(region))


def search_wire(transport: str) -> DynamoWire:
    """The search path's transport in the bound region: ``http`` (``HttpWire``, when the
    credentials are in the environment and the region is in the ``aws`` partition, else
    botocore's) or ``botocore`` (REPERE_DYNAMODB_SEARCH_TRANSPORT, docs/search.md)."""
    return _wire_for(names.bound().region, transport)


def forget_search_client() -> None:
    """Drop the search transports (``tables.bind_tables`` rebinds the tables)."""
    _client_for.cache_clear()
    _wire_for.cache_clear()
