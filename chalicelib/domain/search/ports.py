"""Ports of search.

* ``SearchRecordSource``: what an index gives ``SearchService``: compact search records around
  a point or in a territory, and the full places of one page (DynamoDB's packed search cells,
  or a fake);
* ``CandidateSource``: whole online places around a point (duplicate detection of public
  submissions), built on a ``SearchRecordSource`` (``search.candidates``);
* ``PlaceSearch``: the whole search contract that both backends (the DynamoDB-backed service,
  OpenSearch) honour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.places.models import GeoPoint, Place

if TYPE_CHECKING:  # models.py imports TerritoryKind from here
    from chalicelib.domain.search.models import (
        DepartmentListing,
        OpenFilter,
        SearchPage,
        SearchQuery,
    )
    from chalicelib.domain.search.records import RecordTable


class TerritoryKind(StrEnum):
    DEPARTMENT = "department"
    POSTAL_CODE = "postal_code"
    CITY_CODE = "city_code"


@dataclass(frozen=True)
class Candidates:
    """Online places an index returned, with what it cost to read them."""

    places: list[Place]
    items_read: int
    queries: int


@dataclass(frozen=True)
class RecordScan:
    """Search records an index returned, with what reading them cost.

    ``table`` may hold places outside the radius (cells are boxes) and, while a place moves,
    the same place twice (keep the highest version); never a place that is not online.
    ``read_units`` are DynamoDB read capacity units (eventually consistent reads).
    """

    table: RecordTable
    items_read: int
    queries: int
    read_units: float


@dataclass(frozen=True)
class PageRead:
    """The full places of a page, by id (a place gone or taken offline since is absent)."""

    places: dict[str, Place]
    items_read: int
    read_units: float


class SearchRecordSource(Protocol):
    def near(self, center: GeoPoint, radius_m: float) -> RecordScan:
        """Records of the online places that may lie within ``radius_m`` of ``center``: a
        superset is allowed (the caller filters by exact distance), a place within the radius
        must never be missing."""
        ...

    def in_territory(self, kind: TerritoryKind, code: str) -> RecordScan:
        """Records of the online places of a department, postal code or INSEE city code."""
        ...

    def places(self, place_ids: Sequence[str]) -> PageRead:
        """The online places among ``place_ids`` (one page: at most a few hundred ids)."""
        ...


class CandidateSource(Protocol):
    def near(self, center: GeoPoint, radius_m: float) -> Candidates:
        """Online places that may lie within ``radius_m`` of ``center``.

        A superset is allowed (the caller filters by exact distance); a place within the
        radius must never be missing.
        """
        ...

    def in_territory(self, kind: TerritoryKind, code: str) -> Candidates:
        """Online places of a department, postal code or INSEE city code (exact match)."""
        ...


class PlaceSearch(Protocol):
    """The whole search contract, whatever the engine: ``SearchService`` (DynamoDB candidates,
    every rule in memory) or ``OpenSearchPlaceSearch``; both pass tests/contract/
    test_search_contract.py with the same ids, order, totals, facets and cursor behaviour."""

    def search(self, query: SearchQuery) -> SearchPage:
        """One page of results. Raises InvalidInput for a malformed or foreign cursor and for
        an unknown category."""
        ...

    def department_listing(
        self,
        department: str,
        categories: tuple[str, ...],
        open_filter: OpenFilter,
        limit_per_category: int,
    ) -> DepartmentListing:
        """The department's places grouped by leaf category, in taxonomy order, by name."""
        ...
