"""The daily snapshot equals what a scripted scenario did (in-memory fakes, fixed clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.stats.models import DepartmentSnapshot
from chalicelib.domain.stats.search_counts import SearchEvent
from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources
from tests.fakes import InMemoryPlaceRepository
from tests.stats_fakes import (
    FakeMailActivity,
    FixedExportDownloads,
    InMemoryStatsStore,
    PlacesOf,
    SubmissionsOf,
)
from tests.unit.stats import scenario


class World:
    def __init__(self) -> None:
        self.places = InMemoryPlaceRepository()
        self.clock = FixedClock(scenario.SNAPSHOT_AT)
        scenario.play(self.places, self.clock)
        self.store = InMemoryStatsStore()
        self.exports = FixedExportDownloads({"75": 10})
        self.mail = FakeMailActivity()
        self.service = SnapshotService(
            SnapshotSources(
                places=PlacesOf(self.places.places),
                history=self.places,
                submissions=SubmissionsOf(scenario.submissions()),
                exports=self.exports,
                mail=self.mail,
            ),
            self.store,
            self.clock,
            coverage_since=scenario.COVERAGE_SINCE,
        )

    def rows(self) -> dict[str, DepartmentSnapshot]:
        return {row.department: row for row in self.service.run()}


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("department", ["75", "93"])
def test_snapshot_counts_what_the_scenario_did(world: World, department: str) -> None:
    row = world.rows()[department]
    assert row.day == scenario.DAY
    for name, expected in scenario.EXPECTED[department].items():
        assert getattr(row, name) == expected, name


def test_the_france_row_sums_the_departments_and_recomputes_coverage(world: World) -> None:
    france = world.rows()["all"]
    assert france.places_online == 5
    assert france.open_today == 3
    assert france.temporarily_closed == 1
    assert france.permanently_closed == 1
    assert france.verified_since == 2
    assert france.coverage == 0.4
    assert france.self_updates == 1
    assert france.submissions == 2


def test_mails_of_the_day_are_counted_by_kind_and_department(world: World) -> None:
    inside = datetime(2020, 4, 1, 8, tzinfo=UTC)
    world.mail.sent += [
        ("newsletter:75:2020-W14:sub-1", inside),
        ("newsletter:75:2020-W14:sub-2", inside),
        ("newsletter:93:2020-W14:sub-3", inside),
        ("campaign:c1:a", inside),  # place a is in 75
        ("campaign:c1:f:reminder:1", inside),  # place f is in 93
        ("campaign:c1:gone", inside),  # a place deleted since: France only
        ("link:d:4f2a", inside),  # a self-update link mailed for d (75)
        ("submission:s3:decision", inside),  # s3 was submitted in 93
        ("submission:s9:decision", inside),  # unknown submission: France only
        ("newsletter-confirm:sub-4:n1", inside),
        ("preview:75:2020-W14", inside),  # another kind: in the total only
        ("newsletter:75:2020-W13:sub-1", inside - timedelta(days=1)),  # the day before
    ]
    world.mail.bounced += [inside, inside - timedelta(days=2)]
    rows = world.rows()

    def mails(department: str) -> tuple[int, ...]:
        row = rows[department]
        return (
            row.mails_sent,
            row.newsletters_sent,
            row.campaign_mails_sent,
            row.self_update_link_mails_sent,
            row.decision_mails_sent,
            row.confirmation_mails_sent,
        )

    assert mails("75") == (4, 2, 1, 1, 0, 0)
    assert mails("93") == (3, 1, 1, 0, 1, 0)
    assert mails("all") == (11, 3, 3, 1, 2, 1)
    assert rows["all"].bounces == 1
    assert rows["75"].bounces is None  # an address has no department


def test_downloads_of_the_day_are_those_counted_that_day(world: World) -> None:
    world.exports.of_day["75"] = 4
    first = world.rows()["75"]
    # The first snapshot already has the day's downloads (they were counted as they happened).
    assert (first.exports_downloads_total, first.exports_downloaded) == (10, 4)
    assert world.rows()["all"].exports_downloaded == 4


def test_place_sets_make_distinct_figures_over_several_days(world: World) -> None:
    rows = world.rows()
    assert rows["75"].place_ids is not None
    assert rows["75"].place_ids.updated == ["a", "d"]
    assert rows["75"].place_ids.team_edits == ["a"]
    assert rows["all"].place_ids is not None
    assert rows["all"].place_ids.updated == ["a", "d"]
    assert rows["93"].place_ids is None  # nothing happened there that day


def test_a_rerun_of_the_same_day_overwrites_its_items(world: World) -> None:
    world.rows()
    before = dict(world.store.snapshot_items)
    world.rows()
    assert world.store.snapshot_items.keys() == before.keys()
    assert len([key for key in before if key[1] == scenario.DAY]) == 3  # 75, 93, all


def test_an_explicit_day_is_snapshotted_with_that_days_hours(world: World) -> None:
    # 16 March: before b's closure, so b is open that day (the snapshot runs later).
    rows = {row.department: row for row in world.service.run(date(2020, 3, 16))}
    assert rows["75"].temporarily_closed == 0
    assert rows["75"].open_today == 3  # a, b, d


def test_default_coverage_window_is_the_last_days(world: World) -> None:
    service = SnapshotService(
        world.service._sources,
        world.store,
        world.clock,
        coverage_days=7,
    )
    row = {r.department: r for r in service.run()}["75"]
    assert row.coverage_since == scenario.DAY - timedelta(days=6)


def test_the_days_search_counters_are_rolled_up_for_france(world: World) -> None:
    for department in ("75", "93", "unknown"):
        world.store.record(
            SearchEvent(scenario.DAY, department, ("food",), "not_closed", False, False)
        )
    world.store.record(SearchEvent(scenario.DAY, "75", (), "now", True, True))
    world.rows()
    (france,) = world.store.search_counts("all", scenario.DAY, scenario.DAY)
    assert france.counters["searches"] == 4
    assert france.counters["cat#food"] == 3
    assert france.counters["zero#none#q"] == 1
