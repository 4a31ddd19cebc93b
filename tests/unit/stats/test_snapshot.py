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


def test_newsletters_and_bounces_of_the_day_only(world: World) -> None:
    inside = datetime(2020, 4, 1, 8, tzinfo=UTC)
    world.mail.sent += [("75", inside), ("75", inside), ("93", inside), (None, inside)]
    world.mail.sent.append(("75", inside - timedelta(days=1)))
    world.mail.bounced += [inside, inside - timedelta(days=2)]
    rows = world.rows()
    assert rows["75"].newsletters_sent == 2
    assert rows["93"].newsletters_sent == 1
    assert rows["all"].newsletters_sent == 4  # the one without department counts for France
    assert rows["all"].bounces == 1
    assert rows["75"].bounces is None  # an address has no department


def test_downloads_of_the_day_are_the_growth_of_the_totals(world: World) -> None:
    first = world.rows()["75"]
    assert (first.exports_downloads_total, first.exports_downloaded) == (10, 0)
    world.exports.totals["75"] = 17
    world.clock.set(scenario.SNAPSHOT_AT + timedelta(days=1))
    second = world.rows()["75"]
    assert second.day == scenario.DAY + timedelta(days=1)
    assert (second.exports_downloads_total, second.exports_downloaded) == (17, 7)


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
