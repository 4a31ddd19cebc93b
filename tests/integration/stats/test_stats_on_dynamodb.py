"""Statistics on DynamoDB (moto): the counter's one UpdateItem, the snapshot of the scripted
scenario through the real adapters and the worker, and the report over the stored items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.export_repository import DynamoExportRepository
from chalicelib.adapters.dynamodb.mail_models import SentMailRecord, SuppressionRecord
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_counter import DynamoSearchCounter
from chalicelib.adapters.dynamodb.stats import (
    DynamoMailActivity,
    DynamoStatsStore,
    StatsRecord,
)
from chalicelib.adapters.dynamodb.submissions import DynamoSubmissionRepository
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.exports.models import (
    ClosedPlaces,
    ExportFormat,
    ExportRecord,
    ExportSpec,
    ExportStatus,
    Territory,
)
from chalicelib.domain.stats.search_counts import SearchEvent
from tests import composition_support as roots
from tests.conftest import TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import bearer, token
from tests.stats_fakes import FixedExportDownloads
from tests.unit.stats import scenario

DAY = scenario.DAY


@pytest.fixture
def aws(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The composition root builds the DynamoDB adapters from the settings, as in Lambda.
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_STATS_COVERAGE_SINCE", scenario.COVERAGE_SINCE.isoformat())
    get_settings.cache_clear()
    roots.reset()
    try:
        yield
    finally:
        roots.reset()
        get_settings.cache_clear()


def test_concurrent_counts_add_up_in_one_item_per_department_and_day(aws: None) -> None:
    counter = DynamoSearchCounter()
    for _ in range(3):
        counter.record(SearchEvent(DAY, "75", ("food", "shower"), "now", True, False))
    counter.record(SearchEvent(DAY, "75", ("shower",), "any", False, True))
    counter.record(SearchEvent(DAY, "unknown", (), "any", False, True))
    store = DynamoStatsStore()
    (counts,) = store.search_counts("75", DAY, DAY)
    assert counts.counters == {
        "searches": 4,
        "open#now": 3,
        "open#any": 1,
        "cat#food": 3,
        "cat#shower": 4,
        "with_text": 3,
        "zero": 1,
        "zero#shower#noq": 1,
    }
    assert store.search_departments(DAY) == ["75", "unknown"]
    assert StatsRecord.count() == 2  # one item per department and day, nothing else


def test_snapshot_worker_on_dynamodb_counts_what_the_scenario_did(aws: None) -> None:
    from functions.stats_snapshot import handler

    places = DynamoPlaceRepository()
    clock = FixedClock(scenario.SNAPSHOT_AT)
    scenario.play(places, clock)
    submissions = DynamoSubmissionRepository()
    for submission in scenario.submissions():
        submissions.add(submission)
    sent_at = datetime(2020, 4, 1, 8, tzinfo=UTC)
    for message_id, status in (
        ("newsletter:75:2020-W14:sub-1", "sent"),
        ("newsletter:75:2020-W14:sub-2", "sent"),
        ("newsletter:93:2020-W14:sub-3", "sending"),  # claimed, not sent
        ("newsletter-confirm:sub-4:n1", "sent"),  # a confirmation, not a newsletter
        ("campaign:c1:a", "sent"),
    ):
        SentMailRecord(
            message_id,
            status=status,
            claimed_at=sent_at.isoformat(),
            sent_at=sent_at.isoformat() if status == "sent" else None,
        ).save()
    SuppressionRecord("x@example.org", reason="bounce", at=sent_at.isoformat()).save()
    SuppressionRecord("y@example.org", reason="complaint", at=sent_at.isoformat()).save()
    SuppressionRecord(
        "z@example.org", reason="bounce", at=(sent_at - timedelta(days=3)).isoformat()
    ).save()
    DynamoSearchCounter().record(SearchEvent(DAY, "93", ("shower",), "now", False, True))

    # An export of 75 downloaded once the day before and three times on the day, counted
    # by the export repository as they happen.
    exports = DynamoExportRepository()
    export = _ready_export()
    exports.add(
        export.model_copy(
            update={
                "status": ExportStatus.PENDING,
                "version": 1,
                "generated_at": None,
                "object_key": None,
                "size_bytes": None,
                "entry_count": None,
            }
        )
    )
    exports.save(export, expected_version=1)
    exports.count_download(export.id, DAY - timedelta(days=1))
    for _ in range(3):
        exports.count_download(export.id, DAY)

    roots.use(clock=clock)
    assert handler({}, None)["ok"] is True
    answer = handler({"day": DAY.isoformat()}, None)  # a rerun overwrites
    assert answer["day"] == DAY.isoformat()
    assert answer["departments"] == 2

    store = DynamoStatsStore()
    for department, expected in scenario.EXPECTED.items():
        (row,) = store.snapshots(department, DAY, DAY)
        for name, value in expected.items():
            assert getattr(row, name) == value, (department, name)
    (france,) = store.snapshots("all", DAY, DAY)
    assert (france.newsletters_sent, france.bounces) == (2, 1)
    # 2 newsletters, a confirmation and a campaign mail sent; a claimed one is not.
    assert (france.mails_sent, france.confirmation_mails_sent) == (4, 1)
    (paris,) = store.snapshots("75", DAY, DAY)
    assert (paris.newsletters_sent, paris.campaign_mails_sent, paris.mails_sent) == (2, 1, 3)
    assert (paris.exports_downloads_total, paris.exports_downloaded) == (4, 3)
    assert france.exports_downloaded == 3
    (rolled_up,) = store.search_counts("all", DAY, DAY)
    assert rolled_up.counters["zero#shower#noq"] == 1


def test_a_bad_event_is_refused_by_the_worker(aws: None) -> None:
    from functions.stats_snapshot import handler

    assert handler({"day": "someday"}, None)["ok"] is False
    assert handler({"when": "2020-04-01"}, None)["ok"] is False


def test_mail_activity_reads_only_the_days_sent_messages(aws: None) -> None:
    at = datetime(2020, 4, 1, 21, 30, tzinfo=UTC)  # 23:30 in Paris
    for message_id, status in (
        ("newsletter:2A:2020-W14:s", "sent"),
        ("submission:s1:decision", "sent"),
        ("campaign:c1:p1", "sending"),  # claimed, not sent (yet)
    ):
        SentMailRecord(
            message_id,
            status=status,
            claimed_at=at.isoformat(),
            sent_at=at.isoformat() if status == "sent" else None,
        ).save()
    start = datetime(2020, 3, 31, 22, tzinfo=UTC)
    activity = DynamoMailActivity()
    assert sorted(activity.sent_message_ids(start, start + timedelta(days=1))) == [
        "newsletter:2A:2020-W14:s",
        "submission:s1:decision",
    ]
    assert (
        list(activity.sent_message_ids(start + timedelta(days=1), start + timedelta(days=2))) == []
    )


def _ready_export() -> ExportRecord:
    return ExportRecord(
        id="exp-0001-aaaa",
        spec=ExportSpec(
            territory=Territory(department="75"),
            categories=["food"],
            format=ExportFormat.CSV,
            data_date=DAY,
            title="Alimentation",
            sections=[],
            closed=ClosedPlaces.MARK,
        ),
        requested_at=scenario.at(DAY, 6),
        version=2,
        status=ExportStatus.READY,
        generated_at=scenario.at(DAY, 7),
        object_key="exports/exp-0001-aaaa",
        size_bytes=10,
        entry_count=1,
    )


def test_public_search_on_dynamodb_writes_one_counter_item(aws: None) -> None:
    from app import app
    from devtools.demo_data import leaflet_places
    from tests.integration.conftest import TUESDAY_EVENING

    roots.use(clock=FixedClock(TUESDAY_EVENING))
    roots.current().adapters.places.load_fresh(leaflet_places(TUESDAY_EVENING))
    with Client(app) as client:
        for path in (
            "/search?lat=48.8867&lon=2.3795&radius_km=2&category=food",
            "/search?department=75&category=shower&open=now",
        ):
            assert client.http.get(path).status_code == 200
        report = client.http.get(
            "/admin/stats?from=2026-12-01&to=2026-12-01&department=75",
            headers=bearer(token("admin")),
        )
    assert report.status_code == 200, report.body
    (dep,) = json.loads(report.body)["departments"]
    assert dep["totals"]["searches"] == 2
    assert dep["totals"]["categories"] == {"food": 1, "shower": 1}
    assert dep["totals"]["open_filters"] == {"not_closed": 1, "now": 1}
    assert StatsRecord.count() == 1
    assert date(2026, 12, 1).isoformat() == dep["searches"][0]["day"]


def test_the_days_history_figures_reach_the_report_through_the_worker_and_the_api(
    aws: None,
) -> None:
    """The activity scenario (tests/unit/stats/test_activity.py) on DynamoDB: the worker
    derives the figures from the stored history, ``/admin/stats`` serves them (JSON and
    CSV), and a rerun of the day changes nothing."""
    from app import app
    from functions.stats_snapshot import handler
    from tests.unit.stats.test_activity import World

    world = World(DynamoPlaceRepository())
    world.play()
    submissions = DynamoSubmissionRepository()
    for submission in world.submissions:
        submissions.add(submission)
    roots.use(clock=world.clock)
    roots.use(export_downloads=FixedExportDownloads({}))
    day = world.clock.now().date()
    for _ in range(2):  # a retried run: the same items, the same figures
        assert handler({"day": day.isoformat()}, None)["ok"] is True
    with Client(app) as client:
        answer = client.http.get(
            f"/admin/stats?from={day}&to={day}", headers=bearer(token("admin"))
        )
        csv_answer = client.http.get(
            f"/admin/stats?from={day}&to={day}&department=75&format=csv",
            headers=bearer(token("admin")),
        )
    assert answer.status_code == 200, answer.body
    (france,) = json.loads(answer.body)["departments"]
    totals = france["totals"]
    assert {
        name: totals[name]
        for name in (
            "places_updated",
            "team_edits",
            "self_updates",
            "temporary_messages_set",
            "places_given_temporary_hours",
            "temporary_closures_signalled",
            "submissions",
            "places_added_from_submissions",
            "submissions_rejected",
            "places_added_by_department",
        )
    } == {
        "places_updated": 4,
        "team_edits": 3,
        "self_updates": 1,
        "temporary_messages_set": 1,
        "places_given_temporary_hours": 1,
        "temporary_closures_signalled": 2,
        "submissions": 1,
        "places_added_from_submissions": 1,
        "submissions_rejected": 1,
        "places_added_by_department": {"93": 1},
    }
    (snapshot,) = france["snapshots"]
    assert snapshot["updated_since"] == 4  # a, b, c, new-1 (online) since 30 March
    assert csv_answer.status_code == 200
    header, row = csv_answer.body.decode().splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert (values["team_edits"], values["temporary_closures_signalled"]) == ("3", "2")
