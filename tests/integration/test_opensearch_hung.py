"""A hung OpenSearch (a socket that accepts and never answers) behind the real opensearch-py
client: searches answer from the fallback, and the cluster is asked once per breaker interval.
No wall-clock assertion: bench/faults_bench.py measures searches per minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.adapters.opensearch.client import PlacesIndex, build_client
from chalicelib.adapters.opensearch.fallback import CircuitBreaker, FallbackPlaceSearch
from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
from chalicelib.config import Settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.hung_server import HungServer
from tests.integration.conftest import TUESDAY_EVENING
from tests.unit.opensearch.test_circuit_breaker import (
    FROM_DYNAMODB,
    QUERY,
    Engine,
    ManualClock,
)


@pytest.fixture
def hung() -> Iterator[HungServer]:
    with HungServer() as server:
        yield server


def test_a_hung_cluster_is_asked_once_per_interval_and_searches_still_answer(
    hung: HungServer,
) -> None:
    settings = Settings(
        opensearch_endpoint=hung.url, opensearch_auth="none", opensearch_timeout_seconds=0.3
    )
    index = PlacesIndex(build_client(settings), settings.opensearch_alias)
    primary = OpenSearchPlaceSearch(
        index, default_taxonomy(), FixedClock(TUESDAY_EVENING), settings.public_site_url
    )
    monotonic = ManualClock()
    fallback = Engine(FROM_DYNAMODB)
    search = FallbackPlaceSearch(primary, fallback, breaker=CircuitBreaker(30, monotonic=monotonic))

    assert [search.search(QUERY) for _ in range(20)] == [FROM_DYNAMODB] * 20
    assert hung.accepted == 1  # one timeout, then the breaker
    monotonic.seconds += 30
    assert search.search(QUERY) == FROM_DYNAMODB  # the half-open probe times out
    assert search.search(QUERY) == FROM_DYNAMODB
    assert hung.accepted == 2
    assert fallback.calls == 22
