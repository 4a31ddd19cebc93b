"""Search counters: names, departments, the recorder that never raises."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.stats.search_counts import (
    SearchEvent,
    SearchStatsRecorder,
    counter_names,
    department_of_city_code,
    department_of_postal_code,
    search_department,
)
from tests.stats_fakes import FailingSearchCounter, InMemoryStatsStore

DAY = date(2020, 4, 1)


def test_a_search_increments_total_open_filter_and_each_category_once() -> None:
    event = SearchEvent(DAY, "75", ("food", "shower", "food"), "now", False, False)
    assert counter_names(event) == ["searches", "open#now", "cat#food", "cat#shower"]


def test_a_zero_result_search_says_what_was_looked_for_not_the_text() -> None:
    event = SearchEvent(DAY, "93", ("shower",), "not_closed", True, True)
    assert counter_names(event) == [
        "searches",
        "open#not_closed",
        "cat#shower",
        "with_text",
        "zero",
        "zero#shower#q",
    ]
    uncategorised = SearchEvent(DAY, "93", (), "any", False, True)
    assert "zero#none#noq" in counter_names(uncategorised)


def test_a_territory_listing_is_counted_apart_from_searches() -> None:
    event = SearchEvent(DAY, "75", (), "not_closed", False, False, listing=True)
    assert counter_names(event)[0] == "listings"


@pytest.mark.parametrize(
    ("code", "department"),
    [("75019", "75"), ("20000", "2A"), ("20129", "2A"), ("20200", "2B"), ("97411", "974")],
)
def test_department_of_postal_code(code: str, department: str) -> None:
    assert department_of_postal_code(code) == department


def test_department_of_city_code_and_of_a_search() -> None:
    assert department_of_city_code("2A004") == "2A"
    assert department_of_city_code("97105") == "971"
    assert search_department("department", "93", "75") == "93"
    assert search_department("postal_code", "06000", None) == "06"
    assert search_department(None, None, "75") == "75"  # around a point: first result's
    assert search_department(None, None, None) is None


def test_the_recorder_counts_on_the_local_day() -> None:
    store = InMemoryStatsStore()
    # 23:30 UTC on 31 March is 01:30 on 1 April in Paris.
    recorder = SearchStatsRecorder(store, lambda: datetime(2020, 3, 31, 23, 30, tzinfo=UTC))
    event = recorder.record(
        department=None, categories=["food"], open_filter="now", has_text=False, zero_results=False
    )
    assert event is not None
    assert event.day == DAY
    assert event.department == "unknown"
    assert store.counter_items[("unknown", DAY)]["cat#food"] == 1


def test_a_failing_counter_is_reported_never_raised() -> None:
    failures: list[str] = []
    counter = FailingSearchCounter()
    recorder = SearchStatsRecorder(
        counter, lambda: datetime(2020, 4, 1, 10, tzinfo=UTC), on_failure=failures.append
    )
    result = recorder.record(
        department="75", categories=[], open_filter="any", has_text=True, zero_results=True
    )
    assert result is None
    assert counter.calls == 1
    assert failures == ["ConnectionError"]


def test_a_failing_metric_does_not_raise_either() -> None:
    def broken_metric(_: str) -> None:
        raise RuntimeError("no metrics today")

    recorder = SearchStatsRecorder(
        FailingSearchCounter(),
        lambda: datetime(2020, 4, 1, 10, tzinfo=UTC),
        on_failure=broken_metric,
    )
    assert (
        recorder.record(
            department="75", categories=[], open_filter="any", has_text=False, zero_results=False
        )
        is None
    )


def test_an_event_holds_no_coordinates_text_or_client_data() -> None:
    # The event's fields are the whole of what is stored: nothing else can leak into counters.
    assert set(SearchEvent.__dataclass_fields__) == {
        "day",
        "department",
        "categories",
        "open_filter",
        "has_text",
        "zero_results",
        "listing",
    }
