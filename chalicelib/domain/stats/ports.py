"""Ports of the statistics: where snapshots and counters are kept, and what the snapshot reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.places.history import HistoryPage
from chalicelib.domain.places.models import Place
from chalicelib.domain.stats.models import DepartmentSnapshot, SearchCounts
from chalicelib.domain.submissions.models import Submission


class StatsStore(Protocol):
    def put_snapshots(self, snapshots: Sequence[DepartmentSnapshot]) -> None:
        """Write (or overwrite: a rerun of the same day replaces it) one item per row."""
        ...

    def snapshots(self, department: str, first: date, last: date) -> list[DepartmentSnapshot]:
        """The department's (or ``all``'s) snapshots from ``first`` to ``last``, by day."""
        ...

    def search_counts(self, department: str, first: date, last: date) -> list[SearchCounts]: ...

    def search_departments(self, day: date) -> list[str]:
        """Departments (and ``unknown``) with search counters on ``day``."""
        ...

    def put_search_counts(self, counts: SearchCounts) -> None:
        """Overwrite a counters item (the daily roll-up of ``all``)."""
        ...


class PlaceSource(Protocol):
    def all_places(self) -> Iterator[Place]: ...


class HistorySource(Protocol):
    """Read side of the place store's change log (``PlaceEditStore.history``)."""

    def history(self, place_id: str, *, limit: int, before: int | None = None) -> HistoryPage: ...


class SubmissionSource(Protocol):
    def scan(self) -> Iterator[Submission]: ...


@dataclass(frozen=True)
class DownloadCounts:
    """A department's export downloads: since the beginning, and on one local day."""

    total: int = 0
    on_day: int = 0


class ExportDownloads(Protocol):
    def downloads_by_department(self, day: date) -> dict[str, DownloadCounts]:
        """Downloads counted so far of every export, and those of ``day`` (counted when the
        download happened, by its local day), summed by department."""
        ...


class MailActivity(Protocol):
    def sent_message_ids(self, start: datetime, end: datetime) -> Iterator[str]:
        """Ids of the messages sent in [start, end) (chalicelib/domain/stats/mail_kinds.py
        says what each was)."""
        ...

    def bounces(self, start: datetime, end: datetime) -> int:
        """Addresses suppressed for a bounce in [start, end)."""
        ...
