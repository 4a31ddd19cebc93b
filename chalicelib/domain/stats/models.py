"""What the statistics are made of: daily snapshots per department and search counters."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from chalicelib.domain.hours.models import DomainModel

SNAPSHOT_COUNTS: tuple[str, ...] = (
    "places_online",
    "open_today",
    "temporarily_closed",
    "permanently_closed",
    "verified_since",
    "self_updates",
    "submissions",
    "exports_downloaded",
    "exports_downloads_total",
    "newsletters_sent",
    "bounces",
)
"""The numeric columns of a snapshot, in report (and CSV) order."""


class DepartmentSnapshot(DomainModel):
    """One department on one local day (``department`` ``all``: the whole of France).

    Status counts are taken when the snapshot runs; activity counts (self-updates,
    submissions, downloads, newsletters, bounces) cover the local day ``day``. ``bounces`` is
    known for France only (a suppressed address has no department): None on department rows.
    """

    department: str
    day: date
    computed_at: datetime
    places_online: int = Field(ge=0)
    open_today: int = Field(ge=0)
    temporarily_closed: int = Field(ge=0)
    permanently_closed: int = Field(ge=0)
    coverage_since: date
    verified_since: int = Field(ge=0, description="Online places verified since coverage_since.")
    coverage: float | None = Field(
        default=None, description="verified_since / places_online (None without online places)."
    )
    self_updates: int = Field(default=0, ge=0)
    submissions: int = Field(default=0, ge=0)
    exports_downloaded: int = Field(default=0, ge=0)
    exports_downloads_total: int = Field(default=0, ge=0)
    newsletters_sent: int = Field(default=0, ge=0)
    bounces: int | None = None


class SearchCounts(DomainModel):
    """The search counters of one department (or ``all``) on one local day."""

    department: str
    day: date
    counters: dict[str, int]

    @property
    def searches(self) -> int:
        return self.counters.get("searches", 0)
