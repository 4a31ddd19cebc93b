"""The circuit breaker in front of OpenSearch: a hung cluster costs one timeout per interval,
not one per search (issue 14). Time is moved by hand: no test sleeps."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from chalicelib.adapters.opensearch.fallback import CircuitBreaker, FallbackPlaceSearch
from chalicelib.adapters.opensearch.search import IndexCannotAnswer
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.models import DepartmentListing, OpenFilter, SearchPage, SearchQuery

QUERY = SearchQuery(center=GeoPoint(lat=48.8867, lon=2.3795))
FROM_OPENSEARCH = SearchPage(total=1, results=[], next_cursor=None)
FROM_DYNAMODB = SearchPage(total=2, results=[], next_cursor=None)


class ManualClock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


class Engine:
    """A ``PlaceSearch`` that answers ``page`` or raises what ``failure`` makes."""

    def __init__(self, page: SearchPage) -> None:
        self.page = page
        self.calls = 0
        self.failure: Callable[[], Exception] | None = None

    def search(self, query: SearchQuery) -> SearchPage:
        self.calls += 1
        if self.failure is not None:
            raise self.failure()
        return self.page

    def department_listing(
        self,
        department: str,
        categories: tuple[str, ...],
        open_filter: OpenFilter,
        limit_per_category: int,
    ) -> DepartmentListing:
        raise NotImplementedError


def _timeout() -> Exception:
    return ConnectionTimeout("TIMEOUT", "read timed out", None)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cluster() -> Engine:
    return Engine(FROM_OPENSEARCH)


@pytest.fixture
def search(clock: ManualClock, cluster: Engine) -> FallbackPlaceSearch:
    breaker = CircuitBreaker(30, monotonic=clock)
    return FallbackPlaceSearch(cluster, Engine(FROM_DYNAMODB), breaker=breaker)


def test_a_hung_cluster_costs_one_timeout_per_interval_not_one_per_search(
    search: FallbackPlaceSearch, cluster: Engine, clock: ManualClock
) -> None:
    cluster.failure = _timeout
    answers = [search.search(QUERY) for _ in range(50)]
    assert answers == [FROM_DYNAMODB] * 50
    assert cluster.calls == 1
    clock.seconds += 29.9
    search.search(QUERY)
    assert cluster.calls == 1


def test_after_the_interval_one_search_probes_and_a_failed_probe_opens_it_again(
    search: FallbackPlaceSearch, cluster: Engine, clock: ManualClock
) -> None:
    cluster.failure = _timeout
    search.search(QUERY)
    clock.seconds += 30
    assert search.search(QUERY) == FROM_DYNAMODB  # the probe, timed out again
    assert cluster.calls == 2
    search.search(QUERY)
    assert cluster.calls == 2  # open for another interval
    clock.seconds += 30
    cluster.failure = None
    assert search.search(QUERY) == FROM_OPENSEARCH  # the probe succeeded: closed
    assert search.search(QUERY) == FROM_OPENSEARCH
    assert cluster.calls == 4


def test_while_a_probe_is_in_flight_other_searches_skip_the_cluster(clock: ManualClock) -> None:
    breaker = CircuitBreaker(30, monotonic=clock)
    breaker.failed()
    clock.seconds += 30
    assert breaker.state == "half_open"
    assert breaker.allow() is True  # the probe
    assert breaker.allow() is False  # a concurrent search
    breaker.succeeded()
    assert breaker.state == "closed"
    assert breaker.allow() is True


@pytest.mark.parametrize(
    "failure",
    [
        lambda: TransportError(503, "unavailable", {}),
        lambda: TransportError(429, "too many requests", {}),
    ],
    ids=["5xx", "throttled"],
)
def test_throttling_and_server_errors_open_the_breaker(
    search: FallbackPlaceSearch, cluster: Engine, failure: Callable[[], Exception]
) -> None:
    cluster.failure = failure
    search.search(QUERY)
    search.search(QUERY)
    assert cluster.calls == 1


def test_an_index_that_cannot_answer_one_query_leaves_the_breaker_closed(
    search: FallbackPlaceSearch, cluster: Engine
) -> None:
    cluster.failure = lambda: IndexCannotAnswer("hours_window_behind", "3 documents")
    assert search.search(QUERY) == FROM_DYNAMODB
    assert search.search(QUERY) == FROM_DYNAMODB
    assert cluster.calls == 2


def test_the_callers_error_propagates_and_says_nothing_of_the_cluster(
    search: FallbackPlaceSearch, cluster: Engine, clock: ManualClock
) -> None:
    cluster.failure = _timeout
    search.search(QUERY)
    clock.seconds += 30
    cluster.failure = lambda: InvalidInput("bad cursor", field="cursor")
    with pytest.raises(InvalidInput):
        search.search(QUERY)  # the probe: a 400, the breaker neither closes nor reopens
    cluster.failure = None
    assert search.search(QUERY) == FROM_OPENSEARCH  # the next search may probe
