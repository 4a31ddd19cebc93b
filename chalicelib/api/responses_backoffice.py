"""Response bodies of the back office, the submissions' moderation and the statistics,
modelled once: the handler builds the model and serialises it (``to_json(model)``), and the
OpenAPI document takes its schema from the same model.

Routes name these models with ``Later("chalicelib.api.responses_backoffice", ...)`` and
their handlers import this module when they answer: it imports the batch, submission and
editing models, which a public request's cold start must not load.
"""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field, computed_field

from chalicelib.api.responses import ResponseBody
from chalicelib.domain.announcements.models import Announcement
from chalicelib.domain.batch.models import BatchReport
from chalicelib.domain.places.listing import AdminPlaceSummary
from chalicelib.domain.places.models import Place
from chalicelib.domain.stats.models import DepartmentSnapshot
from chalicelib.domain.stats.report import StatsReport as DomainStatsReport
from chalicelib.domain.submissions.models import Submission


class AdminAnnouncement(Announcement):
    """An announcement with its author and bookkeeping (admins only)."""

    @computed_field(description="True when departments is empty: shown everywhere.")  # type: ignore[prop-decorator]
    @property
    def national(self) -> bool:
        return not self.departments


class AnnouncementList(ResponseBody):
    """All announcements, newest start first."""

    announcements: list[AdminAnnouncement]


def admin_announcement(item: Announcement) -> AdminAnnouncement:
    return AdminAnnouncement.model_construct(**dict(item))


class BatchAccepted(ResponseBody):
    """Planned; the batch worker applies it. Read the report at ``status_url`` until
    ``complete`` is true."""

    status_url: str
    report: BatchReport


class ModerationQueue(ResponseBody):
    """The moderation queue (submitter contact included)."""

    submissions: list[Submission]
    next_cursor: str | None = Field(description="The next page's cursor; null on the last.")
    drafts: list[AdminPlaceSummary] | None = Field(
        default=None,
        # Absent, not null, on the other pages (as it always was).
        exclude_if=lambda drafts: drafts is None,
        description="With status=pending, first page only: the territory's drafts "
        "(volunteers' work), published through PATCH /admin/places/{place_id}.",
    )


class ModerationDecision(ResponseBody):
    """The decided submission (ETag: its version) and the place created or changed."""

    submission: Submission
    place: Place | None


# Statistics ---------------------------------------------------------------------------------


class StatsSnapshot(DepartmentSnapshot):
    """A day's snapshot as served: the place sets stay in the stored row (for reports over
    several days), never in a response."""

    place_ids: None = Field(default=None, exclude=True)


class SearchDay(ResponseBody):
    day: date
    counters: dict[str, int]


class ZeroResults(ResponseBody):
    category: str | None
    with_text: bool
    searches: int


class StatsTotals(ResponseBody):
    """Sums over the range. Besides the fields below, the snapshots' daily activity
    (places_updated, team_edits, self_updates, temporary_messages_set,
    places_given_temporary_hours, temporary_closures_signalled, submissions,
    places_added_from_submissions, submissions_rejected, exports_downloaded, mails_sent,
    newsletters_sent, campaign_mails_sent, self_update_link_mails_sent, decision_mails_sent,
    confirmation_mails_sent, bounces), each an integer: distinct-place figures summed over
    days are place-days."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, int] = Field(init=False)

    searches: int
    listings: int
    with_text: int
    zero: int
    categories: dict[str, int]
    open_filters: dict[str, int]
    zero_results: list[ZeroResults]
    distinct_places: dict[str, int | None] = Field(
        description="Each place once over the range (null when a day kept no place set)."
    )
    places_added_by_department: dict[str, int] = Field(description="France's rows.")


class DepartmentStats(ResponseBody):
    department: str
    snapshots: list[StatsSnapshot]
    searches: list[SearchDay] = Field(
        description="Search counters per local day: searches, listings, with_text, zero, "
        "cat#<category>, open#<filter>, zero#<category|none>#<q|noq>."
    )
    totals: StatsTotals


class StatsReport(ResponseBody):
    """The report."""

    model_config = ConfigDict(serialize_by_alias=True)

    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    departments: list[DepartmentStats]


def stats_report(report: DomainStatsReport) -> StatsReport:
    return StatsReport(
        first=report.first,
        last=report.last,
        departments=[
            DepartmentStats(
                department=stats.department,
                snapshots=[
                    StatsSnapshot.model_validate(s.model_dump(exclude={"place_ids"}))
                    for s in stats.snapshots
                ],
                searches=[
                    SearchDay(day=c.day, counters=dict(sorted(c.counters.items())))
                    for c in stats.searches
                ],
                totals=StatsTotals.model_validate(stats.totals()),
            )
            for stats in report.departments
        ],
    )
