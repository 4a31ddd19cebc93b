"""In-memory fakes of the statistics ports (docs/statistics.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from chalicelib.domain.places.models import Place
from chalicelib.domain.stats.models import DepartmentSnapshot, SearchCounts
from chalicelib.domain.stats.ports import DownloadCounts
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
    """Download counts by department: ``totals`` since the start, ``of_day`` for any day."""

    def __init__(
        self, totals: dict[str, int] | None = None, of_day: dict[str, int] | None = None
    ) -> None:
        self.totals = dict(totals or {})
        self.of_day = dict(of_day or {})

    def downloads_by_department(self, day: date) -> dict[str, DownloadCounts]:
        return {
            department: DownloadCounts(total=total, on_day=self.of_day.get(department, 0))
            for department, total in self.totals.items()
        }


class FakeMailActivity:
    """The sent-mail ledger as (message id, sent at), and bounces."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, datetime]] = []
        self.bounced: list[datetime] = []

    def sent_message_ids(self, start: datetime, end: datetime) -> Iterator[str]:
        return iter([message_id for message_id, at in self.sent if start <= at < end])

    def bounces(self, start: datetime, end: datetime) -> int:
        return sum(1 for at in self.bounced if start <= at < end)
