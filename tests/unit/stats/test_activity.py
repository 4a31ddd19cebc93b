"""The day's activity figures of the snapshot, derived from history entries: team edits,
temporary messages, hours and closures, self-updates, submissions received / added /
rejected. In-memory fakes, the real place editor, a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry, diff_places
from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepair
from chalicelib.domain.stats.models import PLACE_ID_LIMIT, DepartmentSnapshot, PlaceIdSets
from chalicelib.domain.stats.report import DepartmentStats, StatsReport
from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources
from chalicelib.domain.submissions.models import Decision, Submission
from chalicelib.domain.submissions.status import SubmissionStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.place_writes import create
from tests.stats_fakes import (
    FakeMailActivity,
    FixedExportDownloads,
    InMemoryStatsStore,
    PlacesOf,
    SubmissionsOf,
)
from tests.unit.stats.scenario import _submission

DAY = date(2020, 4, 1)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
STRUCTURE = Actor(subject="link:1", role="structure")


def at(hour_utc: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def _patch(**fields: object) -> PlacePatch:
    return PlacePatch.model_validate(fields)


MESSAGE = {"start_date": "2020-04-01", "text": "Colis le mardi seulement"}
CLOSURE = {"start_date": "2020-04-01", "reason": "confinement"}
HOURS = {
    "start_date": "2020-04-01",
    "hours": {"monday": [{"start": "10:00", "end": "12:00"}]},
}


class World:
    """``places``: the in-memory fake by default, or DynamoDB on moto (the integration test,
    which runs the worker instead of ``run``)."""

    def __init__(self, places: PlaceEditStore | None = None) -> None:
        self.places: PlaceEditStore = places or InMemoryPlaceRepository()
        for place_id, department, postal in (
            ("a", "75", "75019"),
            ("b", "75", "75019"),
            ("c", "75", "75019"),
            ("f", "93", "93200"),
        ):
            self.places.add(make_place(place_id, department=department, postal_code=postal))
        self.clock = FixedClock(at(7))
        self.editor = PlaceEditor(self.places, self.clock, SequentialIds(), default_taxonomy())
        self.submissions: list[Submission] = []
        self.store = InMemoryStatsStore()

    def play(self) -> None:
        e = self.editor
        # The day before: a closure on c (not the day's).
        self.clock.set(at(9, DAY - timedelta(days=1)))
        e.edit(ADMIN, "c", expected_version=1, patch=_patch(temporary_closure=CLOSURE))
        self.clock.set(at(7))
        # a: a message and a closure by the team, then the closure's reason changed.
        e.edit(ADMIN, "a", expected_version=1, patch=_patch(temporary_message=MESSAGE))
        e.edit(ADMIN, "a", expected_version=2, patch=_patch(temporary_closure=CLOSURE))
        changed = {**CLOSURE, "reason": "travaux"}
        e.edit(ADMIN, "a", expected_version=3, patch=_patch(temporary_closure=changed))
        # b: temporary hours through a batch, and the same hours again by its structure.
        e.edit(
            ADMIN,
            "b",
            expected_version=1,
            patch=_patch(temporary_hours=HOURS),
            channel=Channel.BATCH,
        )
        e.apply_self_update(self.places.get("b"), expected_version=2, patch=None, actor=STRUCTURE)
        # c: its closure lifted (clearing is not a signal).
        e.edit(ADMIN, "c", expected_version=2, patch=_patch(temporary_closure=None))
        # 93: a place created from a merged submission, one received, one rejected.
        added = make_place("new-1", department="93", postal_code="93200")
        added = added.model_copy(update={"created_at": at(9), "updated_at": at(9)})
        entry = HistoryEntry(
            place_id=added.id,
            version=1,
            at=at(9),
            actor=Actor(subject="mod-1", role="admin"),
            channel=Channel.SUBMISSION,
            action=Action.CREATED,
            changes=diff_places(None, added),
        )
        create(self.places, added, entry)
        self.submissions.append(_submission("s1", "93", at(6)))
        rejected = _submission("s2", "93", at(5, DAY - timedelta(days=2)))
        decision = Decision(status=SubmissionStatus.REJECTED, at=at(10), by="mod-1")
        self.submissions.append(
            rejected.model_copy(update={"status": SubmissionStatus.REJECTED, "decision": decision})
        )
        self.clock.set(at(22, DAY))

    def run(self) -> dict[str, DepartmentSnapshot]:
        assert isinstance(self.places, InMemoryPlaceRepository)
        service = SnapshotService(
            SnapshotSources(
                places=PlacesOf(self.places.places),
                history=self.places,
                submissions=SubmissionsOf(self.submissions),
                exports=FixedExportDownloads({}),
                mail=FakeMailActivity(),
            ),
            self.store,
            self.clock,
            coverage_since=DAY,
        )
        return {row.department: row for row in service.run(DAY)}


def test_the_days_activity_is_derived_from_history_entries() -> None:
    world = World()
    world.play()
    rows = world.run()
    paris = rows["75"]
    assert paris.team_edits == 3  # a, b (batch), c
    assert paris.places_updated == 3
    assert paris.temporary_messages_set == 1
    assert paris.places_given_temporary_hours == 1  # b, once
    assert paris.temporary_closures_signalled == 2  # a set, a changed; c lifted: no
    assert paris.self_updates == 1
    assert (paris.updated_since, paris.places_online, paris.coverage) == (3, 3, 1.0)
    seine = rows["93"]
    assert (seine.submissions, seine.places_added_from_submissions) == (1, 1)
    assert seine.submissions_rejected == 1  # received two days before, rejected that day
    assert seine.team_edits == 0
    france = rows["all"]
    assert france.team_edits == 3
    assert france.places_updated == 4  # the added place was confirmed by its creation
    assert france.places_added_by_department == {"93": 1}
    assert france.temporary_closures_signalled == 2


def test_a_rerun_of_the_day_gives_the_same_figures() -> None:
    world = World()
    world.play()
    first = world.run()
    second = world.run()
    for department, row in first.items():
        assert second[department].model_dump(exclude={"computed_at"}) == row.model_dump(
            exclude={"computed_at"}
        )
    assert len(world.store.snapshot_items) == 3


def test_the_report_sums_the_new_figures_and_lists_the_departments_of_places_added() -> None:
    world = World()
    world.play()
    world.run()
    stats = DepartmentStats(
        department="all", snapshots=world.store.snapshots("all", DAY, DAY), searches=[]
    )
    totals = stats.totals()
    assert totals["team_edits"] == 3
    assert totals["temporary_messages_set"] == 1
    assert totals["places_added_from_submissions"] == 1
    assert totals["places_added_by_department"] == {"93": 1}
    csv = StatsReport(first=DAY, last=DAY, departments=[stats]).as_csv()
    header = csv.splitlines()[0].split(",")
    assert "team_edits" in header and "temporary_closures_signalled" in header


def test_places_touched_on_several_days_count_once_over_the_range() -> None:
    """The team edits a, b and c on 1 April, and a again on 2 April: the sum of the days is
    4 place-days, ``distinct_places`` counts 3 places, for 75 and France alike."""
    world = World()
    world.play()
    world.run()
    next_day = DAY + timedelta(days=1)
    world.clock.set(at(8, next_day))
    world.editor.edit(ADMIN, "a", expected_version=4, patch=_patch(temporary_message=None))
    world.clock.set(at(22, next_day))
    service = SnapshotService(
        SnapshotSources(
            places=PlacesOf(world.places.places),  # type: ignore[attr-defined]
            history=world.places,
            submissions=SubmissionsOf([]),
            exports=FixedExportDownloads({}),
            mail=FakeMailActivity(),
        ),
        world.store,
        world.clock,
        coverage_since=DAY,
    )
    service.run(next_day)
    for department in ("75", "all"):
        totals = DepartmentStats(
            department=department,
            snapshots=world.store.snapshots(department, DAY, next_day),
            searches=[],
        ).totals()
        assert totals["team_edits"] == 4  # a, b, c on the 1st, a on the 2nd: place-days
        assert totals["distinct_places"]["team_edits"] == 3
        assert totals["distinct_places"]["places_given_temporary_hours"] == 1
    report = StatsReport(
        first=DAY,
        last=next_day,
        departments=[
            DepartmentStats("75", world.store.snapshots("75", DAY, next_day), searches=[])
        ],
    ).as_json()
    assert "place_ids" not in report["departments"][0]["snapshots"][0]  # kept, never served


def test_a_day_too_large_to_keep_its_places_makes_the_distinct_figures_unknown() -> None:
    many = {f"{n:032x}" for n in range(PLACE_ID_LIMIT + 1)}
    assert PlaceIdSets.of(many, set(), set()) is None
    world = World()
    world.play()
    rows = world.run()
    overflowing = rows["75"].model_copy(update={"place_ids": None})
    totals = DepartmentStats("75", [overflowing], searches=[]).totals()
    assert totals["distinct_places"] == {
        "places_updated": None,
        "team_edits": None,
        "places_given_temporary_hours": None,
    }
    assert totals["team_edits"] == 3  # the day's own figure is still known


def test_coverage_as_of_day_seven_reproduces_eighty_three_percent_in_week_one() -> None:
    """12 online places, a campaign from 16 March: by 22 March people updated 10 of them
    through every channel (one changed before the start does not count, one only
    reconciled does not either): 10 / 12 = 83%."""
    start = date(2020, 3, 16)
    places = InMemoryPlaceRepository()
    for n in range(12):
        places.add(make_place(f"p{n}", department="75", postal_code="75019"))
    clock = FixedClock(at(9, start - timedelta(days=1)))
    editor = PlaceEditor(places, clock, SequentialIds(), default_taxonomy())
    editor.edit(ADMIN, "p11", expected_version=1, patch=_patch(temporary_message=MESSAGE))
    for n in range(10):
        clock.set(at(9, start + timedelta(days=n % 7)))
        if n % 3 == 0:
            editor.verify(ADMIN, f"p{n}", expected_version=1)
        elif n % 3 == 1:
            editor.apply_self_update(
                places.get(f"p{n}"), expected_version=1, patch=None, actor=STRUCTURE
            )
        else:
            patch = _patch(temporary_closure=CLOSURE)
            editor.edit(ADMIN, f"p{n}", expected_version=1, patch=patch, channel=Channel.BATCH)
    place = places.get_many(["p10"])["p10"]
    kept = place.model_copy(update={"version": 2, "updated_at": clock.now()})
    reconciled = HistoryEntry(
        place_id="p10",
        version=2,
        at=clock.now(),
        actor=Actor(subject="admin-1", role="admin"),
        channel=Channel.ADMIN,
        action=Action.RECONCILED,
        changes=[],
    )
    places.repair(PlaceRepair(before=place, place=kept, entry=reconciled))
    week_one = start + timedelta(days=6)
    clock.set(at(23, week_one))
    service = SnapshotService(
        SnapshotSources(
            places=PlacesOf(places.places),
            history=places,
            submissions=SubmissionsOf([]),
            exports=FixedExportDownloads({}),
            mail=FakeMailActivity(),
        ),
        InMemoryStatsStore(),
        clock,
        coverage_since=start,
    )
    france = service.run(week_one)[-1]
    assert (france.updated_since, france.places_online) == (10, 12)
    assert france.coverage == 0.8333
