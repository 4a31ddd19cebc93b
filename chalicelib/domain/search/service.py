"""Search over compact records from an index: exact distance, filters, relevance, facets, pages.

The DynamoDB backend feeds this service with the search records of the cells around a point or
of a territory (chalicelib/adapters/dynamodb/search_cells.py); every rule about what matches and
in which order is applied here, once, on the records' columns (``RecordTable``: no pydantic, no
object per record), and only the places of the page are read and decoded in full. The
OpenSearch backend must reproduce the same results (tests/contract/test_search_contract.py runs
the same scenarios against both), and tests/contract/test_search_reference.py checks this
service against the previous, Place-based implementation: same ids, order, totals, facets and
cursors.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from chalicelib.domain.clock import Clock
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.places.views import place_summary
from chalicelib.domain.search.cursor import SortKey, decode_cursor, encode_cursor, fingerprint
from chalicelib.domain.search.matching import (
    DATES_ONLY,
    Found,
    Match,
    OpenFilterRows,
    has_duplicates,
    match_plainly,
    match_rows,
    people_filter,
)
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
from chalicelib.domain.search.records import Field, RecordTable
from chalicelib.domain.search.rules import category_words, text_score
from chalicelib.domain.search.text import query_terms
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


class SearchService:
    def __init__(
        self, records: SearchRecordSource, taxonomy: Taxonomy, clock: Clock, base_url: str
    ) -> None:
        self._records = records
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url
        self._ancestors: dict[str, frozenset[str]] = {}

    def search(self, query: SearchQuery) -> SearchPage:
        now = self._clock.now()
        search_fingerprint = fingerprint(query.fingerprint_parts())
        after = None if query.cursor is None else decode_cursor(query.cursor, search_fingerprint)
        found, scan = self._match(query, now, after)

        remaining = (
            found.candidates
            if after is None
            else [match for match in found.candidates if match[0] > after]
        )
        # The page and one more (is there a next page?), without sorting every match.
        page = heapq.nsmallest(query.limit + 1, remaining)
        has_more = len(page) > query.limit
        page = page[: query.limit]
        ids = scan.table.column(Field.ID)
        read = self._records.places([ids[row] for _, row, _ in page])
        results = [
            place_summary(place, at=now, base_url=self._base_url, distance_m=distance)
            for _, row, distance in page
            # A place taken offline since the records were read is left out of the page.
            if (place := read.places.get(ids[row])) is not None
            and place.status is PlaceStatus.ONLINE
        ]
        return SearchPage(
            total=found.total,
            results=results,
            next_cursor=encode_cursor(page[-1][0], search_fingerprint) if has_more else None,
            facets=self._facets(found.counted),
            stats=SearchStats(
                items_read=scan.items_read + read.items_read,
                queries=scan.queries + 1,
                candidates=len(scan.table),
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
        found, scan = self._match(query, now, None, plain=False)
        wanted = self._wanted_categories(categories)
        table = scan.table
        leaves = table.column(Field.CATEGORIES)
        groups: dict[str, list[Match]] = {}
        for match in sorted(found.candidates):
            for category in leaves[match[1]].split():
                if wanted is None or category in wanted:
                    groups.setdefault(category, []).append(match)
        shown = {category: members[:limit_per_category] for category, members in groups.items()}
        ids = table.column(Field.ID)
        read = self._records.places(
            list(dict.fromkeys(ids[match[1]] for members in shown.values() for match in members))
        )
        order = {category.id: index for index, category in enumerate(self._taxonomy.all())}
        return DepartmentListing(
            department=department,
            total_places=found.total,
            groups=[
                ListingGroup(
                    category=category,
                    total=len(groups[category]),
                    places=[
                        place_summary(place, at=now, base_url=self._base_url)
                        for _, row, _ in members
                        if (place := read.places.get(ids[row])) is not None
                        and place.status is PlaceStatus.ONLINE
                    ],
                )
                for category, members in sorted(shown.items(), key=lambda g: order[g[0]])
            ],
        )

    def _match(
        self, query: SearchQuery, now: datetime, after: SortKey | None, *, plain: bool = True
    ) -> tuple[Found, RecordScan]:
        """What the search matches (``plain``: the default search may count in bulk and keep
        only the candidates of the page after ``after``)."""
        wanted = self._wanted_categories(query.categories)
        scan = self._fetch(query)
        table = scan.table
        open_filter = OpenFilterRows(query.open, now, table)
        people = people_filter(query, table)
        scorer = self._scorer(query.text, table)
        if (
            plain
            and scorer is None
            and people is None
            and query.open in DATES_ONLY
            and not has_duplicates(table)
        ):
            return match_plainly(query, table, open_filter, wanted, after), scan
        return match_rows(query, table, open_filter, wanted, scorer=scorer, people=people), scan

    def _facets(self, combinations: Counter[str]) -> dict[str, int]:
        # Each place counts once per category and ancestor, however many services fall in it.
        facets: Counter[str] = Counter()
        for categories, count in combinations.items():
            for category in self._with_ancestors(categories):
                facets[category] += count
        return dict(sorted(facets.items(), key=lambda item: (-item[1], item[0])))

    def _with_ancestors(self, categories: str) -> frozenset[str]:
        found = self._ancestors.get(categories)
        if found is None:
            ancestors = self._taxonomy.ancestors
            found = frozenset(a for leaf in categories.split() for a in ancestors(leaf))
            self._ancestors[categories] = found
        return found

    def _scorer(self, text: str | None, table: RecordTable) -> Callable[[int], float | None] | None:
        terms = query_terms(text) if text else []
        if not terms:
            return None
        names = table.column(Field.SORT_NAME)
        organisations = table.column(Field.ORGANISATION_WORDS)
        descriptions = table.column(Field.TEXT_WORDS)
        leaves = table.column(Field.CATEGORIES)
        label_words: dict[str, list[str]] = {}

        def score(row: int) -> float | None:
            categories = leaves[row]
            labels = label_words.get(categories)
            if labels is None:
                labels = category_words(categories.split(), self._taxonomy)
                label_words[categories] = labels
            fields = {
                "name": names[row].split(),
                "organisation": organisations[row].split(),
                "category": labels,
                "description": descriptions[row].split(),
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
