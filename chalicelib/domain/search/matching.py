"""Which rows of a record table a search matches, how many, which categories they count in
the facets, and which of them can be on the page.

Two ways, one answer (tests/contract/test_search_reference.py holds both to the Place-based
reference):

* ``match_rows``: every row in scope is measured and filtered one by one. Words (scores),
  audience, modality and language filters and the "open now / today" filters need it.
* ``match_plainly``: the default search (no words, no people filter, open filter on dates
  only, with or without categories) does not look at most rows one by one. Around a point,
  a batch (a search cell) wholly within the radius is counted with list operations that run
  in C (``list.extend``, ``str.count``, ``Counter``), and only the batches crossing the circle
  are measured place by place; the page is looked for in the nearest batches first, and the
  search stops measuring for it as soon as no later batch can hold a place nearer than its
  last one. In a territory, every row is in scope and the page is the first names.

``Found.candidates`` holds every match that may be on the page after the cursor: all of them
on the first way, a few dozen on the second.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, compress, filterfalse

from chalicelib.domain.hours.compact import (
    CompiledSchedule,
    OpenStateContext,
    closed_on,
    open_state,
)
from chalicelib.domain.search.cursor import SortKey
from chalicelib.domain.search.geo import distance_from
from chalicelib.domain.search.models import OpenFilter, SearchQuery
from chalicelib.domain.search.records import (
    MODALITY_BITS,
    Field,
    RecordTable,
    Span,
    record_schedule,
    service_schedules,
)

NO_SCORE = -round(0.0, 6)
"""The score part of the order without words (-0.0, as the reference computes it)."""

Match = tuple[SortKey, int, float | None]
"""(sort key, row of the record in the table, distance in metres or None): the sort key is
unique (it ends with the id), so matches order by it alone."""

DATES_ONLY = (OpenFilter.ANY, OpenFilter.NOT_CLOSED)


@dataclass(frozen=True)
class Found:
    total: int
    """Places that match."""
    counted: Counter[str]
    """For the facets: places per combination of categories (every place that passes the
    other filters, whatever the category filter)."""
    candidates: list[Match]
    """Every match that may be on the page after the cursor (a superset)."""
    in_scope: int
    """Places within the radius or territory, before any other filter."""


class OpenFilterRows:
    """One open filter evaluated on a table's rows at one instant.

    The place-level answer for "open now / today" depends only on the record's hours, its
    closure, its time zone and its department's holidays: it is computed once per distinct
    combination in a search (places share their hours more often than not).
    """

    def __init__(self, wanted: OpenFilter, now: datetime, table: RecordTable) -> None:
        self.wanted = wanted
        self._context = OpenStateContext(now)
        self._paris_today = self._context.local_day(None).today
        self._table = table
        self._states: dict[tuple[str, str, str, str, str], tuple[bool, bool]] = {}
        if wanted is not OpenFilter.ANY:
            self._zones = table.column(Field.ZONE)
            self._from = table.column(Field.CLOSED_FROM)
            self._until = table.column(Field.CLOSED_UNTIL)

    def _today(self, row: int) -> int:
        zone = self._zones[row]
        return self._paris_today if not zone else self._context.local_day(zone).today

    def place_passes(self, row: int) -> bool:
        wanted = self.wanted
        if wanted is OpenFilter.ANY:
            return True
        if wanted is OpenFilter.NOT_CLOSED:
            # Dates only, no hours: the default filter stays cheap.
            start = self._from[row]
            if not start:
                return True
            today = self._today(row)
            until = self._until[row]
            return not (int(start) <= today and (not until or today <= int(until)))
        table = self._table
        key = (
            table.column(Field.HOURS)[row],
            self._from[row],
            self._until[row],
            self._zones[row],
            table.column(Field.DEPARTMENT)[row],
        )
        state = self._states.get(key)
        if state is None:
            state = self._open_state(row, record_schedule(key[0], key[1], key[2]))
            self._states[key] = state
        return state[0] if wanted is OpenFilter.NOW else state[1]

    def services_pass(self, row: int, wanted: frozenset[str]) -> bool | None:
        """Whether a service in the wanted categories passes; None when the place has none
        (with a category filter the services asked for decide, not the whole place: a day
        centre whose shower is closed is not where to shower today)."""
        table = self._table
        if not table.column(Field.SERVICES)[row]:
            if wanted.isdisjoint(table.column(Field.CATEGORIES)[row].split()):
                return None
            return self.place_passes(row)  # every service follows the place
        schedules = service_schedules(table, row, wanted)
        if not schedules:
            return None
        if self.wanted is OpenFilter.ANY:
            return True
        if self.wanted is OpenFilter.NOT_CLOSED:
            today = self._today(row)
            return any(not closed_on(schedule[2], today) for schedule in schedules)
        index = 0 if self.wanted is OpenFilter.NOW else 1
        return any(self._open_state(row, schedule)[index] for schedule in schedules)

    def _open_state(self, row: int, schedule: CompiledSchedule) -> tuple[bool, bool]:
        zone = self._zones[row] or None
        department = self._table.column(Field.DEPARTMENT)[row]
        local = self._context.local_day(zone)
        return open_state(schedule, local, self._context.holidays(department, local.today))


def people_filter(query: SearchQuery, table: RecordTable) -> Callable[[int], bool] | None:
    """Audience, modality and language filters on a row, or None when none is asked."""
    if not (query.audiences or query.modalities or query.languages):
        return None
    audiences = query.audiences
    needed = 0
    for modality in query.modalities:
        needed |= MODALITY_BITS[modality]
    # French is spoken everywhere in the directory; other languages only where listed.
    languages = [code for code in query.languages if code != "fr"]
    excluded = table.column(Field.EXCLUDED_AUDIENCES)
    modalities = table.column(Field.MODALITIES)
    spoken = table.column(Field.LANGUAGES)

    def passes(row: int) -> bool:
        if audiences and excluded[row]:
            not_welcome = excluded[row].split()
            if any(value in not_welcome for value in audiences):
                return False
        if needed and int(modalities[row] or 0) & needed != needed:
            return False
        if languages:
            listed = spoken[row].split()
            return all(code in listed for code in languages)
        return True

    return passes


def has_duplicates(table: RecordTable) -> bool:
    """Whether a place is in the table twice (read in two cells while it moved)."""
    ids = table.column(Field.ID)
    return len(set(ids)) != len(ids)


# The first way: row by row ----------------------------------------------------------------


def match_rows(
    query: SearchQuery,
    table: RecordTable,
    open_filter: OpenFilterRows,
    wanted: frozenset[str] | None,
    *,
    scorer: Callable[[int], float | None] | None,
    people: Callable[[int], bool] | None,
) -> Found:
    rows, distances = _in_scope(query, table)
    ids = table.column(Field.ID)
    names = table.column(Field.SORT_NAME)
    leaves = table.column(Field.CATEGORIES)
    counted: list[str] = []
    matches: list[Match] = []
    for index, row in enumerate(rows):
        score = 0.0
        if scorer is not None:
            found_score = scorer(row)
            if found_score is None:
                continue
            score = found_score
        if people is not None and not people(row):
            continue
        place_ok = open_filter.place_passes(row)
        if place_ok:
            counted.append(leaves[row])
        if wanted is None:
            passes = place_ok
        else:
            services_ok = open_filter.services_pass(row, wanted)
            if services_ok is None:
                continue
            passes = services_ok
        if passes:
            distance = None if distances is None else distances[index]
            distance_mm = 0 if distance is None else round(distance * 1000)
            key = (-round(score, 6), distance_mm, names[row], ids[row])
            matches.append((key, row, distance))
    return Found(len(matches), Counter(counted), matches, len(rows))


def _in_scope(query: SearchQuery, table: RecordTable) -> tuple[list[int], list[float] | None]:
    """The rows inside the radius and their distances, or every row and no distance for a
    territory search (the index read the territory exactly)."""
    rows = _newest(table)
    if query.center is None:
        return list(rows), None
    distance_to = distance_from(query.center.lat, query.center.lon)
    lats = list(map(float, table.column(Field.LAT)))
    lons = list(map(float, table.column(Field.LON)))
    radius = query.radius_m
    kept: list[int] = []
    distances: list[float] = []
    for row in rows:
        distance = distance_to(lats[row], lons[row])
        if distance <= radius:
            kept.append(row)
            distances.append(distance)
    return kept, distances


def _newest(table: RecordTable) -> Iterable[int]:
    """The rows to read: each place once, at its highest version (a place moving between two
    cells while they are read can be in both)."""
    ids = table.column(Field.ID)
    if not has_duplicates(table):
        return range(len(ids))
    versions = table.column(Field.VERSION)
    newest: dict[str, int] = {}
    for row, place_id in enumerate(ids):
        seen = newest.get(place_id)
        if seen is None or int(versions[seen]) < int(versions[row]):
            newest[place_id] = row
    return sorted(newest.values())


# The second way: the default search ------------------------------------------------------


class _Plain:
    """Counting, facets and page candidates of the default search (see the module)."""

    def __init__(
        self,
        table: RecordTable,
        open_filter: OpenFilterRows,
        wanted: frozenset[str] | None,
        after: SortKey | None,
    ) -> None:
        self._open = open_filter
        self._wanted = wanted
        self._after = after
        self._ids = table.column(Field.ID)
        self._names = table.column(Field.SORT_NAME)
        self._leaves = table.column(Field.CATEGORIES)
        self._closures = table.column(Field.CLOSED_FROM)
        self._own = table.column(Field.SERVICES) if wanted is not None else None
        self._wanted_in: dict[str, int] = {}  # combination of categories -> 1 if it matches
        self.total = 0
        self.counted: list[str] = []  # combinations of the rows filtered one by one
        self.bulk: Counter[str] = Counter()  # combinations of the rows counted in bulk
        self.candidates: list[Match] = []

    def combinations(self) -> Counter[str]:
        """Places per combination of categories, for the facets."""
        counted = Counter(self.counted)
        counted.update(self.bulk)
        return counted

    def count_rows(self, spans: list[tuple[int, int]]) -> None:
        """Count the rows of these spans, all in scope, without measuring them.

        Thousands of spans of a few rows each around a point: the rows are gathered and
        counted with list operations that run in C (``map``, ``compress``, ``Counter``); only
        rows with a closure, or services with hours of their own when categories are asked
        for, go through the filters one by one."""
        starts, ends = zip(*spans, strict=True) if spans else ((), ())
        rows = list(chain.from_iterable(map(range, starts, ends)))
        special = set(compress(rows, map(self._closures.__getitem__, rows)))
        if self._own is not None:
            special.update(compress(rows, map(self._own.__getitem__, rows)))
        if special:
            for row in sorted(special):
                self._row(row, None, keep=False)
            rows = list(filterfalse(special.__contains__, rows))
        combinations = Counter(map(self._leaves.__getitem__, rows))
        self.bulk.update(combinations)
        if self._wanted is None:
            self.total += len(rows)
            return
        hits = self._wanted_in
        for combination in combinations.keys() - hits.keys():
            hits[combination] = 0 if self._wanted.isdisjoint(combination.split()) else 1
        self.total += sum(count * hits[combination] for combination, count in combinations.items())

    def _row(self, row: int, distance: float | None, *, keep: bool) -> None:
        """One row in scope, filtered; kept as a page candidate when ``keep``."""
        if self._closures[row] or self._own is not None:
            place_ok = self._open.place_passes(row)
            if self._wanted is None:
                passes = place_ok
            else:
                services_ok = self._open.services_pass(row, self._wanted)
                if services_ok is None:
                    if place_ok:
                        self.counted.append(self._leaves[row])
                    return
                passes = services_ok
        else:
            place_ok = passes = True
        if place_ok:
            self.counted.append(self._leaves[row])
        if not passes:
            return
        self.total += 1
        if keep:
            distance_mm = 0 if distance is None else round(distance * 1000)
            key = (NO_SCORE, distance_mm, self._names[row], self._ids[row])
            if self._after is None or key > self._after:
                self.candidates.append((key, row, distance))

    def measure(
        self,
        span: Span,
        distance_to: Callable[[float, float], float],
        coordinates: tuple[Sequence[str], Sequence[str]],
        radius: float,
        *,
        keep: bool,
    ) -> int:
        """Measure a span's rows one by one; the count of rows within the radius."""
        inside = 0
        lats, lons = coordinates
        for row in range(span.start, span.end):
            distance = distance_to(float(lats[row]), float(lons[row]))
            if distance <= radius:
                inside += 1
                self._row(row, distance, keep=keep)
        return inside


def match_plainly(
    query: SearchQuery,
    table: RecordTable,
    open_filter: OpenFilterRows,
    wanted: frozenset[str] | None,
    after: SortKey | None,
) -> Found:
    """The default search (see the module): no words, no people filter, dates-only open
    filter, no place twice in the table."""
    plain = _Plain(table, open_filter, wanted, after)
    center = query.center
    if center is None:
        plain.count_rows([(0, len(table))])
        plain.candidates = _first_names(table, query.limit, after, open_filter, wanted)
        return Found(plain.total, plain.combinations(), plain.candidates, len(table))

    radius = query.radius_m
    distance_to = distance_from(center.lat, center.lon)
    coordinates = (table.column(Field.LAT), table.column(Field.LON))
    in_scope = 0
    wanted_page = query.limit + 1
    worst_mm = math.inf  # distance of the last place the page may need so far
    spans = sorted(
        (span for span in table.spans if span.nearest_m <= radius),
        key=lambda span: span.nearest_m,
    )
    after_mm = -1 if after is None else after[1]
    inside: list[tuple[int, int]] = []  # spans within the radius, counted together at the end
    for span in spans:
        seeking = (
            worst_mm == math.inf or math.floor(span.nearest_m * 1000) <= worst_mm
        ) and span.farthest_m * 1000 + 1 >= after_mm  # else: nothing after the cursor
        if not seeking and span.farthest_m <= radius:
            in_scope += span.end - span.start
            inside.append((span.start, span.end))
            continue
        in_scope += plain.measure(span, distance_to, coordinates, radius, keep=seeking)
        if seeking and len(plain.candidates) >= wanted_page:
            plain.candidates = heapq.nsmallest(wanted_page, plain.candidates)
            worst_mm = plain.candidates[-1][0][1]
    plain.count_rows(inside)
    return Found(plain.total, plain.combinations(), plain.candidates, in_scope)


def _first_names(
    table: RecordTable,
    limit: int,
    after: SortKey | None,
    open_filter: OpenFilterRows,
    wanted: frozenset[str] | None,
) -> list[Match]:
    """The page candidates of a territory: the first names (then ids) that match."""
    ids = table.column(Field.ID)
    names = table.column(Field.SORT_NAME)
    closures = table.column(Field.CLOSED_FROM)
    own = table.column(Field.SERVICES) if wanted is not None else None
    leaves = table.column(Field.CATEGORIES)
    floor = None if after is None else (after[2], after[3])

    def matches(row: int) -> bool:
        if floor is not None and (names[row], ids[row]) <= floor:
            return False
        if wanted is None:
            return not closures[row] or open_filter.place_passes(row)
        if not closures[row] and (own is None or not own[row]):
            return not wanted.isdisjoint(leaves[row].split())
        return bool(open_filter.services_pass(row, wanted))

    plain_rows = wanted is None and floor is None and not any(closures)
    rows: Iterable[int] = range(len(ids)) if plain_rows else filter(matches, range(len(ids)))
    first = heapq.nsmallest(limit + 1, ((names[row], ids[row], row) for row in rows))
    return [((NO_SCORE, 0, name, place_id), row, None) for name, place_id, row in first]
