"""In-memory fakes of the statistics ports (docs/statistics.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from chalicelib.domain.places.models import Place
from chalicelib.domain.stats.models import DepartmentSnapshot, SearchCounts
from chalicelib.domain.stats.search_counts import SearchEvent, counter_names
from chalicelib.domain.submissions.models import Submission


class InMemoryStatsStore:
    """``StatsStore`` and ``SearchCounter`` over dicts (counters add up like UpdateItem ADD)."""

    def __init__(self) -> None:
        self.snapshot_items: dict[tuple[str, date], DepartmentSnapshot] = {}
        self.counter_items: dict[tuple[str, date], Counter[str]] = {}
        self.events: list[SearchEvent] = []

    # SearchCounter
    def record(self, event: SearchEvent) -> None:
        self.events.append(event)
        item = self.counter_items.setdefault((event.department, event.day), Counter())
        item.update(counter_names(event))

    # StatsStore
    def put_snapshots(self, snapshots: Sequence[DepartmentSnapshot]) -> None:
        for snapshot in snapshots:
            self.snapshot_items[(snapshot.department, snapshot.day)] = snapshot

    def snapshots(self, department: str, first: date, last: date) -> list[DepartmentSnapshot]:
        return [
            snapshot
            for (dep, day), snapshot in sorted(self.snapshot_items.items())
            if dep == department and first <= day <= last
        ]

    def latest_snapshot_before(self, department: str, day: date) -> DepartmentSnapshot | None:
        earlier = [
            s for (dep, d), s in self.snapshot_items.items() if dep == department and d < day
        ]
        return max(earlier, key=lambda s: s.day) if earlier else None

    def search_counts(self, department: str, first: date, last: date) -> list[SearchCounts]:
        return [
            SearchCounts(department=dep, day=day, counters=dict(counters))
            for (dep, day), counters in sorted(self.counter_items.items())
            if dep == department and first <= day <= last
        ]

    def search_departments(self, day: date) -> list[str]:
        return sorted(dep for (dep, d) in self.counter_items if d == day and dep != "all")

    def put_search_counts(self, counts: SearchCounts) -> None:
        self.counter_items[(counts.department, counts.day)] = Counter(counts.counters)


class FailingSearchCounter:
    def __init__(self) -> None:
        self.calls = 0

    def record(self, event: SearchEvent) -> None:
        self.calls += 1
        raise ConnectionError("the stats table is unreachable")


class PlacesOf:
    """``PlaceSource`` over an in-memory repository's dict."""

    def __init__(self, places: dict[str, Place]) -> None:
        self._places = places

    def all_places(self) -> Iterator[Place]:
        return iter(list(self._places.values()))


class SubmissionsOf:
    def __init__(self, submissions: list[Submission] | None = None) -> None:
        self.submissions = submissions or []

    def scan(self) -> Iterator[Submission]:
        return iter(self.submissions)


class FixedExportDownloads:
    def __init__(self, totals: dict[str, int] | None = None) -> None:
        self.totals = dict(totals or {})

    def totals_by_department(self) -> dict[str, int]:
        return dict(self.totals)


class FakeMailActivity:
    def __init__(self) -> None:
        self.sent: list[tuple[str | None, datetime]] = []
        self.bounced: list[datetime] = []

    def newsletters_sent(self, start: datetime, end: datetime) -> dict[str | None, int]:
        found: Counter[str | None] = Counter(dep for dep, at in self.sent if start <= at < end)
        return dict(found)

    def bounces(self, start: datetime, end: datetime) -> int:
        return sum(1 for at in self.bounced if start <= at < end)
