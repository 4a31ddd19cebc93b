"""The admin statistics report: snapshots + search counters over a date range, as JSON or CSV.

Who sees what: an admin any department or ``all`` (France, the default); a territory
moderator only its departments (without ``department``: each of them). Volunteers none.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.exports.tabular import neutralise
from chalicelib.domain.stats.models import (
    DISTINCT_PLACE_FIGURES,
    SNAPSHOT_COUNTS,
    DepartmentSnapshot,
    SearchCounts,
)
from chalicelib.domain.stats.ports import StatsStore
from chalicelib.domain.stats.search_counts import (
    ALL_DEPARTMENTS,
    CATEGORY_PREFIX,
    LISTINGS,
    NO_CATEGORY,
    OPEN_PREFIX,
    SEARCHES,
    WITH_TEXT,
    ZERO,
    ZERO_PREFIX,
)
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

DEFAULT_DAYS = 30

# Stocks (places online, closed, covered…) are states on a day, not events: never summed.
STOCK_COUNTS = frozenset(
    {
        "places_online",
        "open_today",
        "temporarily_closed",
        "permanently_closed",
        "verified_since",
        "updated_since",
        "exports_downloads_total",
    }
)
ACTIVITY_TOTALS: tuple[str, ...] = tuple(n for n in SNAPSHOT_COUNTS if n not in STOCK_COUNTS)
"""Daily activity figures summed over the report's range. Distinct-place figures
(``places_updated``, ``team_edits``, ``places_given_temporary_hours``) are distinct per day:
a place counted on two days counts twice in the sum (place-days); ``distinct_places`` counts
each place once over the range."""


@dataclass(frozen=True)
class DepartmentStats:
    department: str
    snapshots: list[DepartmentSnapshot]
    searches: list[SearchCounts]

    def totals(self) -> dict[str, Any]:
        summed: Counter[str] = Counter()
        for counts in self.searches:
            summed.update(counts.counters)
        activity = {
            name: sum(getattr(snapshot, name) or 0 for snapshot in self.snapshots)
            for name in ACTIVITY_TOTALS
        }
        added: Counter[str] = Counter()
        for snapshot in self.snapshots:
            added.update(snapshot.places_added_by_department or {})
        return {
            SEARCHES: summed.get(SEARCHES, 0),
            LISTINGS: summed.get(LISTINGS, 0),
            WITH_TEXT: summed.get(WITH_TEXT, 0),
            ZERO: summed.get(ZERO, 0),
            "categories": _prefixed(summed, CATEGORY_PREFIX),
            "open_filters": _prefixed(summed, OPEN_PREFIX),
            "zero_results": _zero_results(summed),
            **activity,
            "distinct_places": _distinct_places(self.snapshots),
            # France's rows only (department rows are their own department).
            "places_added_by_department": dict(sorted(added.items())),
        }


@dataclass(frozen=True)
class StatsReport:
    first: date
    last: date
    departments: list[DepartmentStats]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "departments": [
                {
                    "department": stats.department,
                    "snapshots": [
                        s.model_dump(mode="json", exclude={"place_ids"}) for s in stats.snapshots
                    ],
                    "searches": [
                        {"day": c.day.isoformat(), "counters": dict(sorted(c.counters.items()))}
                        for c in stats.searches
                    ],
                    "totals": stats.totals(),
                }
                for stats in self.departments
            ],
        }

    def as_csv(self) -> str:
        """One row per department and day. Every cell goes through the exports' formula
        neutralisation: department codes and category ids are validated, but a spreadsheet
        must never be one validation bug away from running a formula."""
        counter_columns = sorted(
            {name for stats in self.departments for c in stats.searches for name in c.counters}
        )
        header = ["department", "day", *SNAPSHOT_COUNTS, "coverage", *counter_columns]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([neutralise(cell) for cell in header])
        for stats in self.departments:
            snapshots = {s.day: s for s in stats.snapshots}
            searches = {c.day: c for c in stats.searches}
            for day in sorted(set(snapshots) | set(searches)):
                snapshot = snapshots.get(day)
                counters = searches[day].counters if day in searches else {}
                row: list[object] = [stats.department, day.isoformat()]
                row += [_cell(getattr(snapshot, name, None)) for name in SNAPSHOT_COUNTS]
                row.append(_cell(snapshot.coverage if snapshot is not None else None))
                row += [counters.get(name, 0) for name in counter_columns]
                writer.writerow([neutralise(str(cell)) for cell in row])
        return out.getvalue()


def _distinct_places(snapshots: list[DepartmentSnapshot]) -> dict[str, int | None]:
    """Each distinct-place figure over the whole range: the union of the days' place sets.
    None when a day with such places kept no set (over ``PLACE_ID_LIMIT``, or a snapshot
    written before the sets existed): a wrong figure would be worse than none."""
    found: dict[str, int | None] = {}
    for figure, attribute in DISTINCT_PLACE_FIGURES.items():
        seen: set[str] = set()
        known = True
        for snapshot in snapshots:
            if not getattr(snapshot, figure):
                continue
            if snapshot.place_ids is None:
                known = False
                break
            seen.update(getattr(snapshot.place_ids, attribute))
        found[figure] = len(seen) if known else None
    return found


def _cell(value: object) -> object:
    return "" if value is None else value


def _prefixed(summed: Counter[str], prefix: str) -> dict[str, int]:
    found = {name.removeprefix(prefix): n for name, n in summed.items() if name.startswith(prefix)}
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _zero_results(summed: Counter[str]) -> list[dict[str, Any]]:
    rows = []
    for name, count in summed.items():
        if name.startswith(ZERO_PREFIX):
            category, text = name.removeprefix(ZERO_PREFIX).rsplit("#", 1)
            rows.append(
                {
                    "category": None if category == NO_CATEGORY else category,
                    "with_text": text == "q",
                    "searches": count,
                }
            )
    return sorted(rows, key=lambda row: (-row["searches"], row["category"] or ""))


class StatsService:
    def __init__(
        self,
        store: StatsStore,
        clock: Clock,
        *,
        timezone: str = "Europe/Paris",
        max_range_days: int = 366,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self._store = store
        self._taxonomy = taxonomy
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._max_days = max_range_days

    def date_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        """Validated range; defaults: up to today (local), the last 30 days."""
        last = last or self._clock.now().astimezone(self._zone).date()
        try:
            first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        except OverflowError:  # 'to' in the first days of year 1: no 30 days before it
            raise InvalidInput("'to' is too early", field="to") from None
        if first > last:
            raise InvalidInput("'from' must not be after 'to'", field="from")
        if (last - first).days + 1 > self._max_days:
            raise InvalidInput(f"the range must be at most {self._max_days} days", field="to")
        return first, last

    def departments_for(self, principal: Principal, department: str | None) -> list[str]:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        if department is not None:
            if department != ALL_DEPARTMENTS or not principal.is_admin:
                require_department(principal, department)
            return [department]
        if principal.is_admin:
            return [ALL_DEPARTMENTS]
        return list(principal.departments)

    def open_closed_chart(
        self, principal: Principal, department: str | None, first: date | None, last: date | None
    ) -> str:
        """SVG: weekly open / closed places of the territory (or each of a moderator's)."""
        from chalicelib.domain.stats.charts import open_closed_svg

        departments = self.departments_for(principal, department)
        first, last = self.date_range(first, last)
        series = {code: self._store.snapshots(code, first, last) for code in departments}
        return open_closed_svg(series, first, last)

    def top_categories_chart(
        self,
        principal: Principal,
        department: str | None,
        first: date | None,
        last: date | None,
        limit: int,
    ) -> str:
        """SVG: the most searched categories, labelled in French."""
        from chalicelib.domain.stats.charts import top_categories, top_categories_svg

        departments = self.departments_for(principal, department)
        first, last = self.date_range(first, last)
        searches = [c for code in departments for c in self._store.search_counts(code, first, last)]
        territory = "France" if departments == [ALL_DEPARTMENTS] else ", ".join(departments)
        return top_categories_svg(
            top_categories(searches, limit), self._label, territory, first, last
        )

    def _label(self, category: str) -> str:
        if self._taxonomy is None:
            return category
        try:
            return self._taxonomy.get(category).fr
        except InvalidInput:  # a category retired since it was counted: show its id
            return category

    def report(
        self,
        principal: Principal,
        department: str | None,
        first: date | None,
        last: date | None,
    ) -> StatsReport:
        departments = self.departments_for(principal, department)
        first, last = self.date_range(first, last)
        return StatsReport(
            first=first,
            last=last,
            departments=[
                DepartmentStats(
                    department=code,
                    snapshots=self._store.snapshots(code, first, last),
                    searches=self._store.search_counts(code, first, last),
                )
                for code in departments
            ],
        )
