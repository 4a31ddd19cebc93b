"""The search as it was before compact records: every candidate decoded into a ``Place`` and
every rule evaluated on it (the engine's ``state_at`` for the open filters). Kept, unchanged in
behaviour, as the reference the record-based ``SearchService`` must agree with exactly
(tests/contract/test_search_reference.py): same ids, order, totals, facets and cursors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.clock import Clock
from chalicelib.domain.hours.engine import (
    HoursState,
    OpenStatus,
    schedule_for_place,
    schedule_for_service,
    state_at,
)
from chalicelib.domain.places.models import (
    Place,
    PlaceStatus,
    Service,
)
from chalicelib.domain.places.views import PlaceSummary, place_summary
from chalicelib.domain.search.cursor import SortKey, decode_cursor, encode_cursor, fingerprint
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.models import (
    DepartmentListing,
    ListingGroup,
    OpenFilter,
    SearchPage,
    SearchQuery,
    SearchStats,
    Territory,
)
from chalicelib.domain.search.ports import Candidates, CandidateSource, TerritoryKind
from chalicelib.domain.search.rules import (
    satisfied_modalities,
    sort_name,
    text_fields,
    text_score,
    welcomes,
)
from chalicelib.domain.search.text import query_terms
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


@dataclass(frozen=True)
class _Match:
    place: Place
    distance_m: float | None
    score: float
    key: SortKey
    state: HoursState | None  # computed when the open filter needed it; reused for display


@dataclass(frozen=True)
class _Found:
    matches: list[_Match]
    facets: dict[str, int]
    stats: SearchStats


class ReferenceSearch:
    def __init__(
        self, candidates: CandidateSource, taxonomy: Taxonomy, clock: Clock, base_url: str
    ) -> None:
        self._candidates = candidates
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url

    def search(self, query: SearchQuery) -> SearchPage:
        now = self._clock.now()
        search_fingerprint = fingerprint(query.fingerprint_parts())
        after = None if query.cursor is None else decode_cursor(query.cursor, search_fingerprint)
        found = self._match(query, now)

        remaining = [m for m in found.matches if after is None or m.key > after]
        page = remaining[: query.limit]
        has_more = len(remaining) > query.limit
        return SearchPage(
            total=len(found.matches),
            results=[self._summary(match, now) for match in page],
            next_cursor=encode_cursor(page[-1].key, search_fingerprint) if has_more else None,
            facets=found.facets,
            stats=found.stats,
        )

    def department_listing(
        self,
        department: str,
        categories: tuple[str, ...],
        open_filter: OpenFilter,
        limit_per_category: int,
    ) -> DepartmentListing:
        """The department's places grouped by leaf category, in taxonomy order, by name."""
        now = self._clock.now()
        query = SearchQuery(
            territory=Territory(TerritoryKind.DEPARTMENT, department),
            categories=categories,
            open=open_filter,
        )
        found = self._match(query, now)
        wanted = self._wanted_categories(categories)
        groups: dict[str, list[_Match]] = {}
        for match in found.matches:
            for category in match.place.categories:
                if wanted is None or category in wanted:
                    groups.setdefault(category, []).append(match)
        order = {category.id: index for index, category in enumerate(self._taxonomy.all())}
        return DepartmentListing(
            department=department,
            total_places=len(found.matches),
            groups=[
                ListingGroup(
                    category=category,
                    total=len(members),
                    places=[self._summary(m, now) for m in members[:limit_per_category]],
                )
                for category, members in sorted(groups.items(), key=lambda g: order[g[0]])
            ],
        )

    def _match(self, query: SearchQuery, now: datetime) -> _Found:
        wanted = self._wanted_categories(query.categories)
        terms = query_terms(query.text) if query.text else []
        fetched = self._fetch(query)
        in_scope = self._in_scope(query, fetched.places)

        facets: Counter[str] = Counter()
        matches: list[_Match] = []
        for place, distance in in_scope:
            score = _text_score(place, terms, self._taxonomy) if terms else 0.0
            if score is None or not _passes_people_filters(place, query):
                continue
            place_ok, place_state = _passes_open_filter(place, None, query.open, now)
            if place_ok:
                # Facets ignore the category filter, so the website can show what else is near.
                # Each place counts once per category, however many of its services fall in it.
                facets.update(
                    {a for leaf in place.categories for a in self._taxonomy.ancestors(leaf)}
                )
            if wanted is None:
                passes, state = place_ok, place_state
            else:
                services = [s for s in place.services if s.category in wanted]
                if not services:
                    continue
                passes, state = _services_pass_open_filter(place, services, query.open, now)
            if passes:
                key = _sort_key(score, distance, place)
                matches.append(_Match(place, distance, score, key, state))
        matches.sort(key=lambda match: match.key)
        return _Found(
            matches=matches,
            facets=dict(sorted(facets.items(), key=lambda item: (-item[1], item[0]))),
            stats=SearchStats(
                items_read=fetched.items_read,
                queries=fetched.queries,
                candidates=len(fetched.places),
                matched_in_scope=len(in_scope),
            ),
        )

    def _wanted_categories(self, categories: Iterable[str]) -> frozenset[str] | None:
        wanted: set[str] = set()
        for category in categories:
            wanted |= self._taxonomy.descendants(category)  # raises on an unknown id
        return frozenset(wanted) if wanted else None

    def _fetch(self, query: SearchQuery) -> Candidates:
        if query.center is not None:
            return self._candidates.near(query.center, query.radius_m)
        assert query.territory is not None  # guaranteed by SearchQuery
        return self._candidates.in_territory(query.territory.kind, query.territory.code)

    def _in_scope(
        self, query: SearchQuery, places: list[Place]
    ) -> list[tuple[Place, float | None]]:
        scoped: list[tuple[Place, float | None]] = []
        seen: set[str] = set()
        for place in places:
            # Defensive: an index lagging behind a status change must not leak a draft.
            if place.status is not PlaceStatus.ONLINE or place.id in seen:
                continue
            seen.add(place.id)
            if query.center is None:
                scoped.append((place, None))
                continue
            distance = haversine_m(query.center, place.location)
            if distance <= query.radius_m:
                scoped.append((place, distance))
        return scoped

    def _summary(self, match: _Match, now: datetime) -> PlaceSummary:
        return place_summary(
            match.place,
            at=now,
            base_url=self._base_url,
            distance_m=match.distance_m,
            state=match.state,
        )


def _sort_key(score: float, distance: float | None, place: Place) -> SortKey:
    # Best score first, then nearest, then by name and id so the order is total and stable.
    distance_mm = 0 if distance is None else round(distance * 1000)
    return (-round(score, 6), distance_mm, sort_name(place), place.id)


def _local_day(place: Place, now: datetime) -> date:
    return now.astimezone(ZoneInfo(place.timezone)).date()


def _closed_today(place: Place, service: Service | None, day: date) -> bool:
    if place.status is PlaceStatus.PERMANENTLY_CLOSED or place.active_temporary_closure(day):
        return True
    closure = None if service is None else service.temporary_closure
    return closure is not None and closure.covers(day)


def _state_passes(state: HoursState, wanted: OpenFilter, now: datetime) -> bool:
    if wanted is OpenFilter.NOW:
        return state.open_now
    # TODAY: open now, or an opening interval of today is still to come.
    return state.open_now or (
        state.status is OpenStatus.CLOSED
        and any(interval.end > now for interval in state.today.intervals)
    )


def _passes_open_filter(
    place: Place, service: Service | None, wanted: OpenFilter, now: datetime
) -> tuple[bool, HoursState | None]:
    if wanted is OpenFilter.ANY:
        return True, None
    if wanted is OpenFilter.NOT_CLOSED:
        # Cheap path for the default filter: dates only, no hours computed.
        return not _closed_today(place, service, _local_day(place, now)), None
    schedule = (
        schedule_for_place(place) if service is None else schedule_for_service(place, service)
    )
    state = state_at(schedule, now)
    return _state_passes(state, wanted, now), state if service is None else None


def _services_pass_open_filter(
    place: Place, services: list[Service], wanted: OpenFilter, now: datetime
) -> tuple[bool, HoursState | None]:
    """With a category filter the services asked for decide, not the whole place:
    a day centre whose shower is closed is not where to shower today."""
    return (
        any(_passes_open_filter(place, service, wanted, now)[0] for service in services),
        None,
    )


def _passes_people_filters(place: Place, query: SearchQuery) -> bool:
    if not all(welcomes(place.audience, value) for value in query.audiences):
        return False
    if not set(query.modalities) <= satisfied_modalities(place):
        return False
    # French is spoken everywhere in the directory; other languages only where listed.
    return all(code == "fr" or code in place.languages for code in query.languages)


def _text_score(place: Place, terms: list[str], taxonomy: Taxonomy) -> float | None:
    return text_score(text_fields(place, taxonomy), terms)
