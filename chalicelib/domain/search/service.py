"""Search over compact records from an index: exact distance, filters, relevance, facets, pages.

The DynamoDB backend feeds this service with the search records of the cells around a point or
of a territory (chalicelib/adapters/dynamodb/search_cells.py); every rule about what matches and
in which order is applied here, once, on records (plain JSON values, no pydantic), and only the
places of the page are read and decoded in full. The OpenSearch backend must reproduce the same
results (tests/contract/test_search_contract.py runs the same scenarios against both), and
tests/contract/test_search_reference.py checks this service against the previous, Place-based
implementation: same ids, order, totals, facets and cursors.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.clock import Clock
from chalicelib.domain.hours.compact import CompiledSchedule, OpenStateContext, open_state
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.places.views import place_summary
from chalicelib.domain.search.cursor import SortKey, decode_cursor, encode_cursor, fingerprint
from chalicelib.domain.search.geo import haversine_coords_m
from chalicelib.domain.search.models import (
    DepartmentListing,
    ListingGroup,
    OpenFilter,
    SearchPage,
    SearchQuery,
    SearchStats,
    Territory,
)
from chalicelib.domain.search.ports import RecordScan, SearchRecordSource, TerritoryKind
from chalicelib.domain.search.records import MODALITY_BITS, SearchRecord, service_schedules
from chalicelib.domain.search.rules import category_words, text_score
from chalicelib.domain.search.text import query_terms
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

_Match = tuple[SortKey, SearchRecord, float | None]
"""(sort key, record, distance in metres or None): the sort key is unique (it ends with the
id), so matches order by it alone."""


@dataclass(frozen=True)
class _Found:
    matches: list[_Match]
    facets: dict[str, int]
    scan: RecordScan
    in_scope: int


class _OpenFilter:
    """One open filter evaluated on compiled schedules at one instant."""

    def __init__(self, wanted: OpenFilter, now: datetime) -> None:
        self._wanted = wanted
        self._context = OpenStateContext(now)

    def passes(self, record: SearchRecord, schedule: CompiledSchedule) -> bool:
        wanted = self._wanted
        if wanted is OpenFilter.ANY:
            return True
        local = self._context.local_day(record.zone)
        if wanted is OpenFilter.NOT_CLOSED:
            # Dates only, no hours: the default filter stays cheap.
            for period in schedule[2]:
                last = period[1]
                if period[0] <= local.today and (last is None or local.today <= last):
                    return False
            return True
        holidays = self._context.holidays(record.department, local.today)
        now, today = open_state(schedule, local, holidays)
        return now if wanted is OpenFilter.NOW else today


class SearchService:
    def __init__(
        self, records: SearchRecordSource, taxonomy: Taxonomy, clock: Clock, base_url: str
    ) -> None:
        self._records = records
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url

    def search(self, query: SearchQuery) -> SearchPage:
        now = self._clock.now()
        search_fingerprint = fingerprint(query.fingerprint_parts())
        after = None if query.cursor is None else decode_cursor(query.cursor, search_fingerprint)
        found = self._match(query, now)

        remaining = found.matches if after is None else [m for m in found.matches if m[0] > after]
        # The page and one more (is there a next page?), without sorting every match.
        page = heapq.nsmallest(query.limit + 1, remaining)
        has_more = len(page) > query.limit
        page = page[: query.limit]
        read = self._records.places([match[1].id for match in page])
        results = [
            place_summary(place, at=now, base_url=self._base_url, distance_m=distance)
            for _, record, distance in page
            # A place taken offline since the records were read is left out of the page.
            if (place := read.places.get(record.id)) is not None
            and place.status is PlaceStatus.ONLINE
        ]
        scan = found.scan
        return SearchPage(
            total=len(found.matches),
            results=results,
            next_cursor=encode_cursor(page[-1][0], search_fingerprint) if has_more else None,
            facets=found.facets,
            stats=SearchStats(
                items_read=scan.items_read + read.items_read,
                queries=scan.queries + 1,
                candidates=len(scan.records),
                matched_in_scope=found.in_scope,
                read_units=scan.read_units + read.read_units,
            ),
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
        for match in sorted(found.matches):
            for category in match[1].category_list:
                if wanted is None or category in wanted:
                    groups.setdefault(category, []).append(match)
        shown = {category: members[:limit_per_category] for category, members in groups.items()}
        read = self._records.places(
            list(dict.fromkeys(match[1].id for members in shown.values() for match in members))
        )
        order = {category.id: index for index, category in enumerate(self._taxonomy.all())}
        return DepartmentListing(
            department=department,
            total_places=len(found.matches),
            groups=[
                ListingGroup(
                    category=category,
                    total=len(groups[category]),
                    places=[
                        place_summary(place, at=now, base_url=self._base_url)
                        for _, record, _ in members
                        if (place := read.places.get(record.id)) is not None
                        and place.status is PlaceStatus.ONLINE
                    ],
                )
                for category, members in sorted(shown.items(), key=lambda g: order[g[0]])
            ],
        )

    def _match(self, query: SearchQuery, now: datetime) -> _Found:
        wanted = self._wanted_categories(query.categories)
        scan = self._fetch(query)
        open_filter = _OpenFilter(query.open, now)
        people = _people_filter(query)
        scorer = self._scorer(query.text)
        center = query.center
        radius = query.radius_m

        combinations: Counter[str] = Counter()
        matches: list[_Match] = []
        in_scope = 0
        for record in _newest(scan.records):
            distance = None
            if center is not None:
                distance = haversine_coords_m(center.lat, center.lon, record.lat, record.lon)
                if distance > radius:
                    continue
            in_scope += 1
            score = 0.0
            if scorer is not None:
                found_score = scorer(record)
                if found_score is None:
                    continue
                score = found_score
            if people is not None and not people(record):
                continue
            place_ok = open_filter.passes(record, record.schedule)
            if place_ok:
                # Facets ignore the category filter, so the website can show what else is near;
                # counted per distinct combination of categories, expanded once at the end.
                combinations[record.categories] += 1
            if wanted is None:
                passes = place_ok
            else:
                schedules = service_schedules(record, wanted)
                if not schedules:
                    continue
                passes = any(open_filter.passes(record, s) for s in schedules)
            if passes:
                distance_mm = 0 if distance is None else round(distance * 1000)
                key = (-round(score, 6), distance_mm, record.sort_name, record.id)
                matches.append((key, record, distance))
        return _Found(
            matches=matches,
            facets=self._facets(combinations),
            scan=scan,
            in_scope=in_scope,
        )

    def _facets(self, combinations: Counter[str]) -> dict[str, int]:
        # Each place counts once per category and ancestor, however many services fall in it.
        facets: Counter[str] = Counter()
        ancestors = self._taxonomy.ancestors
        for categories, count in combinations.items():
            for category in {a for leaf in categories.split() for a in ancestors(leaf)}:
                facets[category] += count
        return dict(sorted(facets.items(), key=lambda item: (-item[1], item[0])))

    def _scorer(self, text: str | None) -> Callable[[SearchRecord], float | None] | None:
        terms = query_terms(text) if text else []
        if not terms:
            return None
        label_words: dict[str, list[str]] = {}

        def score(record: SearchRecord) -> float | None:
            categories = record.categories
            labels = label_words.get(categories)
            if labels is None:
                labels = category_words(categories.split(), self._taxonomy)
                label_words[categories] = labels
            fields = {
                "name": record.sort_name.split(),
                "organisation": record.organisation_words.split(),
                "category": labels,
                "description": record.text_words.split(),
            }
            return text_score(fields, terms)

        return score

    def _wanted_categories(self, categories: Iterable[str]) -> frozenset[str] | None:
        wanted: set[str] = set()
        for category in categories:
            wanted |= self._taxonomy.descendants(category)  # raises on an unknown id
        return frozenset(wanted) if wanted else None

    def _fetch(self, query: SearchQuery) -> RecordScan:
        if query.center is not None:
            return self._records.near(query.center, query.radius_m)
        assert query.territory is not None  # guaranteed by SearchQuery  # noqa: S101
        return self._records.in_territory(query.territory.kind, query.territory.code)


def _newest(records: list[SearchRecord]) -> Iterable[SearchRecord]:
    """Each place once, at its highest version (a place moving between two cells while they
    are read can be in both)."""
    newest: dict[str, SearchRecord] = {}
    for record in records:
        seen = newest.get(record.id)
        if seen is None or seen.version < record.version:
            newest[record.id] = record
    return newest.values() if len(newest) != len(records) else records


def _people_filter(query: SearchQuery) -> Callable[[SearchRecord], bool] | None:
    """Audience, modality and language filters on a record, or None when none is asked."""
    if not (query.audiences or query.modalities or query.languages):
        return None
    audiences = query.audiences
    needed = 0
    for modality in query.modalities:
        needed |= MODALITY_BITS[modality]
    # French is spoken everywhere in the directory; other languages only where listed.
    languages = [code for code in query.languages if code != "fr"]

    def passes(record: SearchRecord) -> bool:
        if audiences and record.excluded_audiences:
            excluded = record.excluded_audiences.split()
            if any(value in excluded for value in audiences):
                return False
        if record.modalities & needed != needed:
            return False
        if languages:
            spoken = record.languages.split()
            return all(code in spoken for code in languages)
        return True

    return passes
