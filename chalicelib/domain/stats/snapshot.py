"""The daily snapshot per department (docs/statistics.md).

Runs once a day (functions/stats_snapshot.py, 00:30 in Paris) for the local day that just
ended: status counts as they stand when it runs, "open today" from the hours engine for that
day, and the day's activity (updates by channel, temporary information set, self-updates,
submissions received / added / rejected, export downloads, mails sent by kind, bounces). One item
per (department, day) plus the ``all`` row for France; a rerun overwrites the same items
(idempotent). It also rolls the day's search counters of every department up
into ``all``, so national figures are one Query.

Why the history figures (team edits, temporary messages, hours and closures, places added)
are computed here and not at read time over the report's period: this job already reads the
history of the places written since the day (or the coverage window) began, and no other
history; a report over up to 366 days at read time would read the history of every place
changed in the period inside the API's 29 seconds. Computed once a day, each figure is a
fixed number on an item a rerun overwrites (history entries exist once per version, so the
same day always gives the same figures), and ``/admin/stats`` stays one Query per department.

``count_places`` is the pure part (the benchmark times it over 100,000 places in memory).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.clock import Clock
from chalicelib.domain.hours.engine import day_hours, schedule_for_place, schedule_for_service
from chalicelib.domain.places.history import HistoryEntry
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.stats.mail_kinds import MAIL_FIELDS, MailKind, classify
from chalicelib.domain.stats.models import DepartmentSnapshot, PlaceIdSets, SearchCounts
from chalicelib.domain.stats.ports import (
    DownloadCounts,
    ExportDownloads,
    HistorySource,
    MailActivity,
    PlaceSource,
    StatsStore,
    SubmissionSource,
)
from chalicelib.domain.stats.search_counts import ALL_DEPARTMENTS
from chalicelib.domain.stats.updates import Activity, updated_between
from chalicelib.domain.submissions.status import SubmissionStatus

_HISTORY_PAGE = 50


@dataclass
class PlaceCounts:
    """Status counts of one department, and the places whose history the day may hold."""

    places_online: int = 0
    open_today: int = 0
    temporarily_closed: int = 0
    permanently_closed: int = 0
    verified_since: int = 0
    updated_since: int = 0


@dataclass
class CountedPlaces:
    by_department: dict[str, PlaceCounts] = field(default_factory=dict)
    # Places written at or after ``day_start`` (id -> department): only they can have history
    # entries since then.
    changed_since: dict[str, str] = field(default_factory=dict)
    # Those of them online now: the ones coverage may count.
    changed_online: set[str] = field(default_factory=set)
    # Every place's department: a campaign mail or a link names a place, not a department.
    department_of: dict[str, str] = field(default_factory=dict)


def is_open_on(place: Place, day: date) -> bool:
    """Opens at some point of ``day``: the place's hours, or a service's own (temporary)
    hours."""
    if day_hours(schedule_for_place(place), day).intervals:
        return True
    return any(
        day_hours(schedule_for_service(place, service), day).intervals
        for service in place.services
        if service.hours is not None or service.temporary_hours is not None
    )


def count_places(
    places: Iterable[Place], day: date, verified_since: datetime, day_start: datetime
) -> CountedPlaces:
    counted = CountedPlaces()
    for place in places:
        counts = counted.by_department.setdefault(place.address.department_code, PlaceCounts())
        counted.department_of[place.id] = place.address.department_code
        if place.updated_at >= day_start:
            counted.changed_since[place.id] = place.address.department_code
        if place.status is PlaceStatus.PERMANENTLY_CLOSED:
            counts.permanently_closed += 1
            continue
        if place.status is not PlaceStatus.ONLINE:
            continue
        counts.places_online += 1
        if place.id in counted.changed_since:
            counted.changed_online.add(place.id)
        if place.verified_at is not None and place.verified_at >= verified_since:
            counts.verified_since += 1
        if schedule_for_place(place).is_temporarily_closed(day):
            counts.temporarily_closed += 1
        elif is_open_on(place, day):
            counts.open_today += 1
    return counted


@dataclass(frozen=True)
class SnapshotSources:
    places: PlaceSource
    history: HistorySource
    submissions: SubmissionSource
    exports: ExportDownloads
    mail: MailActivity


class SnapshotService:
    def __init__(
        self,
        sources: SnapshotSources,
        store: StatsStore,
        clock: Clock,
        *,
        timezone: str = "Europe/Paris",
        coverage_since: date | None = None,
        coverage_days: int = 7,
    ) -> None:
        self._sources = sources
        self._store = store
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._coverage_since = coverage_since
        self._coverage_days = coverage_days

    def default_day(self) -> date:
        """The local day that just ended (the schedule runs after midnight)."""
        return self._clock.now().astimezone(self._zone).date() - timedelta(days=1)

    def run(self, day: date | None = None) -> list[DepartmentSnapshot]:
        day = day or self.default_day()
        now = self._clock.now()
        start, end = self._bounds(day)
        since = self._coverage_since or day - timedelta(days=self._coverage_days - 1)
        since_start = self._local_midnight(since)
        # The history read goes back to the earlier of the day and the coverage window.
        read_from = min(since_start, start)
        counted = count_places(self._sources.places.all_places(), day, since_start, read_from)
        activity = self._activity(counted, read_from, since_start, start, end)
        submissions: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        submission_department: dict[str, str] = {}
        for submission in self._sources.submissions.scan():
            submission_department[submission.id] = submission.department
            if start <= submission.created_at < end:
                submissions[submission.department] += 1
            decision = submission.decision
            if (
                decision is not None
                and decision.status is SubmissionStatus.REJECTED
                and start <= decision.at < end
            ):
                rejected[submission.department] += 1
        downloads = self._sources.exports.downloads_by_department(day)
        mails = self._mails(start, end, counted.department_of, submission_department)
        bounces = self._sources.mail.bounces(start, end)

        departments = (
            set(counted.by_department)
            | set(activity)
            | set(submissions)
            | set(rejected)
            | set(downloads)
            | {dep for dep in mails if dep is not None}
        )
        rows: list[DepartmentSnapshot] = []
        for department in sorted(departments):
            counts = counted.by_department.get(department, PlaceCounts())
            rows.append(
                _snapshot(
                    department,
                    day,
                    now,
                    counts,
                    since,
                    activity=activity.get(department, Activity()),
                    submissions=submissions.get(department, 0),
                    rejected=rejected.get(department, 0),
                    downloads=downloads.get(department, DownloadCounts()),
                    mails=mails.get(department, Counter()),
                    bounces=None,
                    place_ids=_place_ids(activity.get(department)),
                )
            )
        rows.append(
            _national(
                rows,
                day=day,
                now=now,
                since=since,
                mails=sum(mails.values(), Counter()),
                bounces=bounces,
            )
        )
        self._store.put_snapshots(rows)
        self._roll_up_searches(day)
        return rows

    def _mails(
        self,
        start: datetime,
        end: datetime,
        department_of: dict[str, str],
        submission_department: dict[str, str],
    ) -> dict[str | None, Counter[str]]:
        """Mails sent in [start, end), counted under each kind's figure and ``mails_sent``,
        by the department the message concerned (None: none, or not found any more)."""
        found: dict[str | None, Counter[str]] = {}
        for message_id in self._sources.mail.sent_message_ids(start, end):
            mail = classify(message_id)
            department = mail.department
            if mail.place_id is not None:
                department = department_of.get(mail.place_id)
            elif mail.submission_id is not None:
                department = submission_department.get(mail.submission_id)
            counts = found.setdefault(department, Counter())
            counts["mails_sent"] += 1
            if mail.kind in MAIL_FIELDS:
                counts[MAIL_FIELDS[mail.kind]] += 1
        return found

    def _activity(
        self,
        counted: CountedPlaces,
        read_from: datetime,
        since_start: datetime,
        start: datetime,
        end: datetime,
    ) -> dict[str, Activity]:
        """The day's activity by the place's current department (an update rarely moves a
        place to another department; when it does, its day counts where it is now), and the
        online places updated since the coverage window began (``updated_since``, added to
        ``counted``).

        Only places written at or after ``read_from`` can have such entries; their history is
        read newest first and left as soon as it goes back before ``read_from``.
        """
        found: dict[str, Activity] = {}
        for place_id, department in counted.changed_since.items():
            entries = [e for e in self._entries_since(place_id, read_from) if e.at < end]
            if place_id in counted.changed_online and updated_between(entries, since_start, end):
                counted.by_department[department].updated_since += 1
            of_day = [entry for entry in entries if entry.at >= start]
            if of_day:
                activity = found.setdefault(department, Activity())
                for entry in of_day:
                    activity.add(entry)
        return found

    def _entries_since(self, place_id: str, start: datetime) -> Iterator[HistoryEntry]:
        """The place's history entries at or after ``start``, newest first, page by page."""
        before: int | None = None
        while True:
            page = self._sources.history.history(place_id, limit=_HISTORY_PAGE, before=before)
            for entry in page.entries:
                if entry.at < start:
                    return
                yield entry
            if page.next_before is None:
                return
            before = page.next_before

    def _roll_up_searches(self, day: date) -> None:
        summed: Counter[str] = Counter()
        for department in self._store.search_departments(day):
            for counts in self._store.search_counts(department, day, day):
                summed.update(counts.counters)
        self._store.put_search_counts(
            SearchCounts(department=ALL_DEPARTMENTS, day=day, counters=dict(summed))
        )

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return self._local_midnight(day), self._local_midnight(day + timedelta(days=1))

    def _local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self._zone)


def _place_ids(activity: Activity | None) -> PlaceIdSets | None:
    if activity is None:
        return None
    return PlaceIdSets.of(
        activity.places_updated, activity.team_edits, activity.temporary_hours_places
    )


def _national_place_ids(rows: list[DepartmentSnapshot]) -> PlaceIdSets | None:
    """France's sets: the departments' together, unless one of them was too large to keep."""
    active = [row for row in rows if row.places_updated]
    if any(row.place_ids is None for row in active):
        return None
    sets = [row.place_ids for row in active if row.place_ids is not None]
    return PlaceIdSets.of(
        {place for ids in sets for place in ids.updated},
        {place for ids in sets for place in ids.team_edits},
        {place for ids in sets for place in ids.given_temporary_hours},
    )


def _coverage(updated: int, online: int) -> float | None:
    return round(updated / online, 4) if online else None


def _snapshot(
    department: str,
    day: date,
    now: datetime,
    counts: PlaceCounts,
    since: date,
    *,
    activity: Activity,
    submissions: int,
    rejected: int,
    downloads: DownloadCounts,
    mails: Counter[str],
    bounces: int | None,
    place_ids: PlaceIdSets | None = None,
) -> DepartmentSnapshot:
    return DepartmentSnapshot(
        department=department,
        day=day,
        computed_at=now,
        places_online=counts.places_online,
        open_today=counts.open_today,
        temporarily_closed=counts.temporarily_closed,
        permanently_closed=counts.permanently_closed,
        coverage_since=since,
        verified_since=counts.verified_since,
        updated_since=counts.updated_since,
        coverage=_coverage(counts.updated_since, counts.places_online),
        places_updated=len(activity.places_updated),
        team_edits=len(activity.team_edits),
        self_updates=activity.self_updates,
        temporary_messages_set=activity.temporary_messages_set,
        places_given_temporary_hours=len(activity.temporary_hours_places),
        temporary_closures_signalled=activity.temporary_closures_signalled,
        submissions=submissions,
        places_added_from_submissions=len(activity.places_added_from_submissions),
        submissions_rejected=rejected,
        exports_downloaded=downloads.on_day,
        exports_downloads_total=downloads.total,
        mails_sent=mails["mails_sent"],
        newsletters_sent=mails[MAIL_FIELDS[MailKind.NEWSLETTER]],
        campaign_mails_sent=mails[MAIL_FIELDS[MailKind.CAMPAIGN]],
        self_update_link_mails_sent=mails[MAIL_FIELDS[MailKind.SELF_UPDATE_LINK]],
        decision_mails_sent=mails[MAIL_FIELDS[MailKind.DECISION]],
        confirmation_mails_sent=mails[MAIL_FIELDS[MailKind.CONFIRMATION]],
        bounces=bounces,
        place_ids=place_ids,
    )


def _national(
    rows: list[DepartmentSnapshot],
    *,
    day: date,
    now: datetime,
    since: date,
    mails: Counter[str],
    bounces: int,
) -> DepartmentSnapshot:
    counts = PlaceCounts(
        places_online=sum(row.places_online for row in rows),
        open_today=sum(row.open_today for row in rows),
        temporarily_closed=sum(row.temporarily_closed for row in rows),
        permanently_closed=sum(row.permanently_closed for row in rows),
        verified_since=sum(row.verified_since for row in rows),
        updated_since=sum(row.updated_since for row in rows),
    )
    national = _snapshot(
        ALL_DEPARTMENTS,
        day,
        now,
        counts,
        since,
        activity=Activity(),
        submissions=sum(row.submissions for row in rows),
        rejected=sum(row.submissions_rejected for row in rows),
        downloads=DownloadCounts(
            total=sum(row.exports_downloads_total for row in rows),
            on_day=sum(row.exports_downloaded for row in rows),
        ),
        # Every mail of the day, those whose department is unknown included.
        mails=mails,
        bounces=bounces,
    )
    # Department rows count distinct places of their department; a place is in one
    # department, so France's distinct counts are their sums.
    summed = {
        name: sum(getattr(row, name) for row in rows)
        for name in (
            "places_updated",
            "team_edits",
            "self_updates",
            "temporary_messages_set",
            "places_given_temporary_hours",
            "temporary_closures_signalled",
            "places_added_from_submissions",
        )
    }
    added = {
        row.department: row.places_added_from_submissions
        for row in rows
        if row.places_added_from_submissions
    }
    return national.model_copy(
        update={
            **summed,
            "places_added_by_department": added,
            "place_ids": _national_place_ids(rows),
        }
    )
