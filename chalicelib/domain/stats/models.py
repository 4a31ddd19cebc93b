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
    "updated_since",
    "places_updated",
    "team_edits",
    "self_updates",
    "temporary_messages_set",
    "places_given_temporary_hours",
    "temporary_closures_signalled",
    "submissions",
    "places_added_from_submissions",
    "submissions_rejected",
    "exports_downloaded",
    "exports_downloads_total",
    "mails_sent",
    "newsletters_sent",
    "campaign_mails_sent",
    "self_update_link_mails_sent",
    "decision_mails_sent",
    "confirmation_mails_sent",
    "bounces",
)
"""The numeric columns of a snapshot, in report (and CSV) order."""


class PlaceIdSets(DomainModel):
    """The places behind a department row's distinct-place figures, so that a report over
    several days counts a place once, not once per day it was touched."""

    updated: list[str] = Field(default_factory=list)
    team_edits: list[str] = Field(default_factory=list)
    given_temporary_hours: list[str] = Field(default_factory=list)

    @classmethod
    def of(
        cls, updated: set[str], team_edits: set[str], given_temporary_hours: set[str]
    ) -> PlaceIdSets | None:
        """The sets, or None when they would not fit in the row (``PLACE_ID_LIMIT``)."""
        if len(updated) + len(team_edits) + len(given_temporary_hours) > PLACE_ID_LIMIT:
            return None
        return cls(
            updated=sorted(updated),
            team_edits=sorted(team_edits),
            given_temporary_hours=sorted(given_temporary_hours),
        )


PLACE_ID_LIMIT = 9_000
"""Most place ids a row keeps (the three sets together): a snapshot is one DynamoDB item
(400 KB at most) and an id takes ~35 bytes of JSON. Above it (9,000 places touched in one
day in one territory), the row keeps none and a report over several days says it cannot
count distinct places rather than giving a wrong figure."""

DISTINCT_PLACE_FIGURES: dict[str, str] = {
    "places_updated": "updated",
    "team_edits": "team_edits",
    "places_given_temporary_hours": "given_temporary_hours",
}
"""Distinct-place figures of a day, and the id set of ``PlaceIdSets`` behind each."""


class DepartmentSnapshot(DomainModel):
    """One department on one local day (``department`` ``all``: the whole of France).

    Status counts are taken when the snapshot runs; activity counts (updates, temporary
    information, self-updates, submissions, downloads, newsletters, bounces) cover the local
    day ``day``. ``bounces`` is known for France only (a suppressed address has no
    department): None on department rows. "Updated" is the one definition of
    chalicelib/domain/stats/updates.py (a person confirmed or changed the place).
    """

    department: str
    day: date
    computed_at: datetime
    places_online: int = Field(ge=0)
    open_today: int = Field(ge=0)
    temporarily_closed: int = Field(ge=0)
    permanently_closed: int = Field(ge=0)
    coverage_since: date
    verified_since: int = Field(
        ge=0, description="Online places whose verified_at moved since coverage_since."
    )
    updated_since: int = Field(
        default=0,
        ge=0,
        description="Online places a person confirmed or changed since coverage_since.",
    )
    coverage: float | None = Field(
        default=None, description="updated_since / places_online (None without online places)."
    )
    places_updated: int = Field(
        default=0, ge=0, description="Places a person confirmed or changed that day."
    )
    team_edits: int = Field(
        default=0, ge=0, description="Places updated that day through the back office or a batch."
    )
    self_updates: int = Field(default=0, ge=0, description="Self-updates (entries) that day.")
    temporary_messages_set: int = Field(
        default=0, ge=0, description="Temporary messages set (new or changed) that day."
    )
    places_given_temporary_hours: int = Field(
        default=0, ge=0, description="Places given temporary hours (new or changed) that day."
    )
    temporary_closures_signalled: int = Field(
        default=0, ge=0, description="Temporary closures set where none was, or changed."
    )
    submissions: int = Field(default=0, ge=0, description="Public submissions received.")
    places_added_from_submissions: int = Field(
        default=0, ge=0, description="Places created that day by merging a submission."
    )
    submissions_rejected: int = Field(
        default=0, ge=0, description="Submissions rejected by a moderator that day."
    )
    places_added_by_department: dict[str, int] | None = Field(
        default=None,
        description="France's row only: places added from submissions that day, by department.",
    )
    exports_downloaded: int = Field(
        default=0, ge=0, description="Export downloads that day (counted when they happened)."
    )
    exports_downloads_total: int = Field(
        default=0, ge=0, description="Downloads of the department's exports since the start."
    )
    mails_sent: int = Field(default=0, ge=0, description="Mails sent that day, every kind.")
    newsletters_sent: int = Field(default=0, ge=0, description="Weekly newsletters sent.")
    campaign_mails_sent: int = Field(
        default=0, ge=0, description="Update campaign mails (first mail and reminders) sent."
    )
    self_update_link_mails_sent: int = Field(
        default=0, ge=0, description="Self-update links mailed when issued (outside campaigns)."
    )
    decision_mails_sent: int = Field(
        default=0, ge=0, description="Submission decision mails sent to submitters."
    )
    confirmation_mails_sent: int = Field(
        default=0, ge=0, description="Newsletter subscription confirmations sent."
    )
    bounces: int | None = None
    place_ids: PlaceIdSets | None = Field(
        default=None,
        description=(
            "Department rows only, kept for reports over several days (distinct places over a "
            "range); not part of the report's JSON."
        ),
    )


class SearchCounts(DomainModel):
    """The search counters of one department (or ``all``) on one local day."""

    department: str
    day: date
    counters: dict[str, int]

    @property
    def searches(self) -> int:
        return self.counters.get("searches", 0)
