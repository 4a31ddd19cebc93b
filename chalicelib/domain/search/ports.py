"""Ports of search. ``CandidateSource`` is what an index gives the in-memory search service
(DynamoDB geohash / territory indexes, or a fake); ``PlaceSearch`` is the whole search contract
that both backends (DynamoDB-backed service, OpenSearch) honour."""

from __future__ import annotations

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
