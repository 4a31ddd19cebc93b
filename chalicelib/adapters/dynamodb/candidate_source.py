"""Search candidates from the sparse GSIs of the places table (implements ``CandidateSource``).

``near`` runs the key ranges planned by ``geo_cells.plan_radius_query`` on ``geo_fine`` or
``geo_coarse`` in parallel and keeps the places within the radius; ``in_territory`` reads one
partition of ``by_department``, ``by_postal_code`` or ``by_city_code``. Only online places are
in these indexes, so nothing read is thrown away for its status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.pagination import ResultIterator

from chalicelib.adapters.dynamodb.geo_cells import CellRange, plan_radius_query
from chalicelib.adapters.dynamodb.models import (
    GEO_COARSE_INDEX,
    GEO_FINE_INDEX,
    PlaceRecord,
    warm_up,
)
from chalicelib.adapters.dynamodb.place_repository import to_place
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.ports import Candidates, TerritoryKind

DEFAULT_MAX_WORKERS = 8
"""Queries in flight at once for one search. botocore clients are thread-safe and keep a pool
of 10 connections by default, so 8 workers never wait for a connection."""


@dataclass(frozen=True)
class _Read:
    """Places read by one Query (all its pages), and what that cost."""

    places: list[Place]
    items_read: int
    queries: int


class DynamoCandidateSource:
    """Candidates from the places table bound by ``models.bind_tables``.

    ``near`` returns exactly the online places within the radius (it filters what the key
    ranges over-read, with the same ``haversine_m`` the domain uses), nearest first.
    ``items_read`` counts every item DynamoDB returned, ``queries`` every Query request
    (a range larger than a 1 MB page costs more than one).
    """

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers

    def near(self, center: GeoPoint, radius_m: float) -> Candidates:
        ranges = plan_radius_query(center, radius_m)
        reads = self._run_all([self._range_reader(cell_range) for cell_range in ranges])
        by_id: dict[str, tuple[float, Place]] = {}
        for read in reads:
            for place in read.places:
                distance = haversine_m(center, place.location)
                if distance > radius_m:
                    continue
                # Ranges do not overlap, but a place moved while the search runs can be read
                # by two of them (before and after the move): keep the newest.
                seen = by_id.get(place.id)
                if seen is None or seen[1].version < place.version:
                    by_id[place.id] = (distance, place)
        ordered = sorted(by_id.values(), key=lambda pair: (pair[0], pair[1].id))
        return Candidates(
            places=[place for _, place in ordered],
            items_read=sum(read.items_read for read in reads),
            queries=sum(read.queries for read in reads),
        )

    def in_territory(self, kind: TerritoryKind, code: str) -> Candidates:
        if not code:
            # No place has an empty code, and DynamoDB rejects an empty key in a Query.
            return Candidates(places=[], items_read=0, queries=0)
        index: GlobalSecondaryIndex[PlaceRecord] = {
            TerritoryKind.DEPARTMENT: PlaceRecord.by_department,
            TerritoryKind.POSTAL_CODE: PlaceRecord.by_postal_code,
            TerritoryKind.CITY_CODE: PlaceRecord.by_city_code,
        }[kind]
        read = _read_all(index.query(code))
        return Candidates(places=read.places, items_read=read.items_read, queries=read.queries)

    def _run_all(self, readers: list[Callable[[], _Read]]) -> list[_Read]:
        if len(readers) <= 1:
            return [reader() for reader in readers]  # no thread for a single Query
        warm_up()
        workers = min(self._max_workers, len(readers))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geo-query") as pool:
            futures = [pool.submit(reader) for reader in readers]
            # result() re-raises a failed Query: a search with a missing range would silently
            # lose places, so it fails instead.
            return [future.result() for future in futures]

    @staticmethod
    def _range_reader(cell_range: CellRange) -> Callable[[], _Read]:
        index: GlobalSecondaryIndex[PlaceRecord]
        if cell_range.index_name == GEO_FINE_INDEX:
            index = PlaceRecord.geo_fine
        elif cell_range.index_name == GEO_COARSE_INDEX:
            index = PlaceRecord.geo_coarse
        else:
            raise ValueError(f"unknown geo index {cell_range.index_name!r}")
        condition: Condition = PlaceRecord.gh.between(cell_range.low, cell_range.high)

        def read() -> _Read:
            return _read_all(index.query(cell_range.hash_value, range_key_condition=condition))

        return read


def _read_all(results: ResultIterator[PlaceRecord]) -> _Read:
    places: list[Place] = []
    items_read = 0
    queries = 0
    pages: Iterator[dict[str, Any]] = results.page_iter
    for page in pages:
        queries += 1
        for raw in page.get("Items", []):
            items_read += 1
            place = to_place(PlaceRecord.from_raw_data(raw))
            # Index attributes are only written on online places, so this drops nothing
            # unless some other writer broke that rule; then it keeps drafts private.
            if place.status is PlaceStatus.ONLINE:
                places.append(place)
    return _Read(places, items_read, queries)
