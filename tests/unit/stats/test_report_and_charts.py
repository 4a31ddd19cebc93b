"""The admin report (scope, dates, totals, CSV) and the SVG charts."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.stats.models import DepartmentSnapshot
from chalicelib.domain.stats.report import StatsService
from chalicelib.domain.stats.search_counts import SearchEvent
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.stats_fakes import InMemoryStatsStore

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75", "93"))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))
NOW = datetime(2020, 5, 11, 10, tzinfo=UTC)
START = date(2020, 3, 16)  # a Monday
SVG = "{http://www.w3.org/2000/svg}"


def snapshot(department: str, day: date, open_today: int, closed: int) -> DepartmentSnapshot:
    return DepartmentSnapshot(
        department=department,
        day=day,
        computed_at=NOW,
        places_online=open_today + closed,
        open_today=open_today,
        temporarily_closed=closed,
        permanently_closed=1,
        coverage_since=START,
        verified_since=open_today,
        coverage=0.5,
        self_updates=1,
        submissions=2,
    )


@pytest.fixture
def store() -> InMemoryStatsStore:
    store = InMemoryStatsStore()
    # Three weeks of daily snapshots for 75 (21 days), closures growing week by week.
    store.put_snapshots([snapshot("75", START + timedelta(days=n), 100 - n, n) for n in range(21)])
    for category, times in (("food_distribution", 5), ("shower", 3), ("legal_advice", 1)):
        for _ in range(times):
            store.record(SearchEvent(START, "75", (category,), "not_closed", False, False))
    store.record(SearchEvent(START, "75", ("shower",), "now", True, True))
    store.record(SearchEvent(START, "93", ("food_distribution",), "any", False, False))
    return store


@pytest.fixture
def service(store: InMemoryStatsStore) -> StatsService:
    return StatsService(store, FixedClock(NOW), taxonomy=default_taxonomy())


def test_report_totals_match_the_recorded_searches(service: StatsService) -> None:
    report = service.report(ADMIN, "75", START, START + timedelta(days=20))
    (dep,) = report.as_json()["departments"]
    assert len(dep["snapshots"]) == 21
    totals = dep["totals"]
    assert totals["searches"] == 10
    assert totals["zero"] == 1
    assert totals["with_text"] == 1
    assert totals["categories"] == {"food_distribution": 5, "shower": 4, "legal_advice": 1}
    assert totals["open_filters"] == {"not_closed": 9, "now": 1}
    assert totals["zero_results"] == [{"category": "shower", "with_text": True, "searches": 1}]
    assert totals["self_updates"] == 21
    assert totals["submissions"] == 42


def test_a_moderator_sees_each_of_its_departments_and_nothing_else(
    service: StatsService,
) -> None:
    report = service.report(MODERATOR, None, START, START)
    assert [d.department for d in report.departments] == ["75", "93"]
    with pytest.raises(Forbidden):
        service.report(MODERATOR, "13", START, START)
    with pytest.raises(Forbidden):
        service.report(MODERATOR, "all", START, START)
    with pytest.raises(Forbidden):
        service.report(VOLUNTEER, "75", START, START)


def test_an_admin_sees_france_by_default_and_the_last_30_days(service: StatsService) -> None:
    report = service.report(ADMIN, None, None, None)
    assert [d.department for d in report.departments] == ["all"]
    assert (report.first, report.last) == (date(2020, 4, 12), date(2020, 5, 11))


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(date(2020, 4, 2), date(2020, 4, 1), "from"), (date(2019, 1, 1), date(2020, 4, 1), "to")],
)
def test_bad_ranges_are_refused(service: StatsService, first: date, last: date, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        service.report(ADMIN, "75", first, last)
    assert error.value.field == field


def test_csv_has_a_row_per_department_and_day(service: StatsService) -> None:
    text = service.report(MODERATOR, None, START, START + timedelta(days=1)).as_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["department"], row["day"]) for row in rows] == [
        ("75", "2020-03-16"),
        ("75", "2020-03-17"),
        ("93", "2020-03-16"),
    ]
    assert rows[0]["cat#shower"] == "4"
    assert rows[0]["open_today"] == "100"
    assert rows[2]["places_online"] == ""  # no snapshot for 93: empty, not zero


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    store = InMemoryStatsStore()
    store.record(SearchEvent(START, "75", ("=HYPERLINK(1)",), "-1+1", False, False))
    service = StatsService(store, FixedClock(NOW))
    text = service.report(ADMIN, "75", START, START).as_csv()
    header, row = list(csv.reader(io.StringIO(text)))
    assert "cat#=HYPERLINK(1)" in header  # not at the start of a cell: harmless
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in header + row)


def test_open_closed_chart_has_one_point_per_week_and_three_series(
    service: StatsService,
) -> None:
    svg = service.open_closed_chart(ADMIN, "75", START, START + timedelta(days=20))
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    text = " ".join(t for t in root.itertext())
    assert "Ouverts ce jour" in text and "Fermés temporairement" in text
    assert "Fermés définitivement" in text
    for week in ("2020-03-16", "2020-03-23", "2020-03-30"):
        assert f"sem. du {week}" in text
    # pygal draws each value as a dot (circle) with its value as text: 3 weeks x 3 series.
    dots = [c for c in root.iter(f"{SVG}circle") if "dot" in (c.get("class") or "")]
    assert len(dots) == 9
    # Last snapshot of each week: closures 6, 13, 20.
    values = {d.text for d in root.iter(f"{SVG}desc") if d.get("class") == "value"}
    assert {"6", "13", "20"} <= values


def test_top_categories_chart_lists_the_most_searched_first_with_french_labels(
    service: StatsService,
) -> None:
    svg = service.top_categories_chart(ADMIN, "75", START, START, limit=2)
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    text = " ".join(root.itertext())
    taxonomy = default_taxonomy()
    assert taxonomy.get("food_distribution").fr in text
    assert taxonomy.get("shower").fr in text
    assert taxonomy.get("legal_advice").fr not in text  # beyond the limit
    assert "<script" not in svg  # no third-party JavaScript in an admin page


def test_chart_labels_are_escaped() -> None:
    from chalicelib.domain.stats.charts import top_categories_svg

    svg = top_categories_svg([("x", 3)], lambda _: "<b>Soupe & café</b>", "75 <&>", START, START)
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    assert "<b>Soupe & café</b>" in " ".join(root.itertext())
