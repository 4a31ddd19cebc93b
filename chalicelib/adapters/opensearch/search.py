"""``PlaceSearch`` on OpenSearch: one request per search or department listing.

Hits carry the public place in ``_source``, so results are built with the same
``place_summary`` as the DynamoDB backend (distance from our own ``haversine_m``, opening state
from the hours engine at the clock's instant) without reading DynamoDB.

When the index cannot answer exactly, it says so by raising ``IndexCannotAnswer`` rather than
returning something wrong; the fallback (fallback.py) then answers from DynamoDB:

* open=now/today and some in-scope document's hours window does not cover the instant (the daily
  refresh is late: see docs/opensearch.md);
* a response that does not have the expected shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.adapters.opensearch import queries
from chalicelib.adapters.opensearch.cursor import After, decode, encode
from chalicelib.domain.clock import Clock
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.views import PlaceSummary, place_summary
from chalicelib.domain.search.cursor import fingerprint
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.models import (
    DepartmentListing,
    ListingGroup,
    OpenFilter,
    SearchPage,
    SearchQuery,
    Territory,
)
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.search.text import query_terms
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


class IndexCannotAnswer(Exception):
    """The index cannot give the exact answer (``reason`` is a metric dimension)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class Searcher(Protocol):
    def search(self, body: dict[str, Any]) -> dict[str, Any]: ...


class OpenSearchPlaceSearch:
    def __init__(self, index: Searcher, taxonomy: Taxonomy, clock: Clock, base_url: str) -> None:
        self._index = index
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url

    def search(self, query: SearchQuery) -> SearchPage:
        now = self._clock.now()
        search_fingerprint = fingerprint(query.fingerprint_parts())
        after = None if query.cursor is None else decode(query.cursor, search_fingerprint)
        self._check_categories(query.categories)
        terms = query_terms(query.text) if query.text else []
        body = queries.search_body(
            query,
            terms=terms,
            now=now,
            after=after,
            category_count=len(self._taxonomy.all()),
        )
        response = self._index.search(body)
        try:
            _check_hours(response, query.open)
            hits: list[dict[str, Any]] = response["hits"]["hits"]
            total = int(response["hits"]["total"]["value"])
            buckets = response["aggregations"][queries.FACETS][queries.FACETS]["buckets"]
            facets = {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets}
            page = hits[: query.limit]
            results = [self._summary(hit, query, now) for hit in page]
            next_cursor = None
            if len(hits) > query.limit:
                last = _after(page[-1], query, scored=bool(terms))
                next_cursor = encode(last, search_fingerprint)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise IndexCannotAnswer("unexpected_response", repr(error)) from error
        return SearchPage(
            total=total,
            results=results,
            next_cursor=next_cursor,
            facets=dict(sorted(facets.items(), key=lambda item: (-item[1], item[0]))),
            stats=None,
        )

    def department_listing(
        self,
        department: str,
        categories: tuple[str, ...],
        open_filter: OpenFilter,
        limit_per_category: int,
    ) -> DepartmentListing:
        now = self._clock.now()
        query = SearchQuery(
            territory=Territory(TerritoryKind.DEPARTMENT, department),
            categories=categories,
            open=open_filter,
        )
        wanted = self._check_categories(categories)
        body = queries.listing_body(
            query,
            now=now,
            wanted_categories=None if wanted is None else sorted(wanted),
            category_count=len(self._taxonomy.all()),
            limit_per_category=limit_per_category,
        )
        response = self._index.search(body)
        try:
            _check_hours(response, open_filter)
            matching = response["aggregations"][queries.MATCHING]
            order = {category.id: index for index, category in enumerate(self._taxonomy.all())}
            groups = []
            for bucket in matching[queries.GROUPS]["buckets"]:
                top = bucket[queries.TOP]["hits"]["hits"]
                places = [self._summary(hit, query, now) for hit in top]
                groups.append(ListingGroup(str(bucket["key"]), int(bucket["doc_count"]), places))
            groups.sort(key=lambda group: order[group.category])
            return DepartmentListing(
                department=department,
                total_places=int(matching["doc_count"]),
                groups=groups,
            )
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise IndexCannotAnswer("unexpected_response", repr(error)) from error

    def _check_categories(self, categories: tuple[str, ...]) -> frozenset[str] | None:
        """The wanted categories with their descendants; InvalidInput on an unknown one."""
        wanted: set[str] = set()
        for category in categories:
            wanted |= self._taxonomy.descendants(category)
        return frozenset(wanted) if wanted else None

    def _summary(self, hit: dict[str, Any], query: SearchQuery, now: datetime) -> PlaceSummary:
        place = Place.model_validate(hit["_source"]["place"])
        distance = None if query.center is None else haversine_m(query.center, place.location)
        return place_summary(place, at=now, base_url=self._base_url, distance_m=distance)


def _check_hours(response: dict[str, Any], wanted: OpenFilter) -> None:
    if wanted not in (OpenFilter.NOW, OpenFilter.TODAY):
        return
    behind = int(response["aggregations"][queries.HOURS_BEHIND]["doc_count"])
    if behind:
        raise IndexCannotAnswer(
            "hours_window_behind",
            f"{behind} documents have no opening intervals for this instant",
        )


def _after(hit: dict[str, Any], query: SearchQuery, *, scored: bool) -> After:
    values = list(hit["sort"])
    score = float(values.pop(0)) if scored else 0.0
    distance = float(values.pop(0)) if query.center is not None else None
    name, place_id = values
    domain_mm = None
    if query.center is not None:
        location = Place.model_validate(hit["_source"]["place"]).location
        domain_mm = round(haversine_m(query.center, location) * 1000)
    return After(score, distance, str(name), str(place_id), domain_mm)
