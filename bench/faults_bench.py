"""Faults benchmark (issue 14): how the API answers when its store freezes or OpenSearch hangs.

Prints one JSON document and writes it to bench/results/faults.json.

1. Store frozen. DynamoDB is a local socket that accepts connections and never answers
   (devtools.hung_server; AWS_ENDPOINT_URL_DYNAMODB points at it, as the local stack points at
   moto). Through the Chalice test client, with the default store budget (REPERE_STORE_*), for
   a search (the search path's own transport, chalicelib/adapters/dynamodb/wire.py), a place
   page, an admin write and the readiness probe: status, Retry-After and seconds to answer.
   Goal: 503 within 3 s.
2. OpenSearch hung. REPERE_SEARCH_BACKEND=opensearch with the cluster a hung socket (2 s
   client timeout, the API's default); the DynamoDB fallback runs on moto in process with the
   leaflet places. Searches are sent one after another for BENCH_FAULTS_SECONDS (20 s) through
   the API, breaker on (the default), and directly to the fallback service with the breaker
   off, for comparison: searches per minute answered and their median seconds.

The machine is shared and slow: moto's search is the floor of the OpenSearch-hung figures
(DynamoDB itself answers a search in tens of milliseconds).

    .venv/bin/python -m bench.faults_bench
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "faults.json"
SECONDS = float(os.environ.get("BENCH_FAULTS_SECONDS", "20"))
NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)  # a Tuesday evening in Paris
SEARCH = "/search?lat=48.8867&lon=2.3795&radius_km=2&category=food"


@contextmanager
def _environment(**variables: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _fresh_root() -> None:
    from chalicelib import composition
    from chalicelib.config import get_settings

    get_settings.cache_clear()
    get_settings()
    composition.uninstall()


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def store_frozen() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.api.auth import verifier_for
    from chalicelib.config import get_settings
    from chalicelib.domain.auth import Role
    from devtools.hung_server import HungServer

    with (
        HungServer() as server,
        _environment(
            AWS_ENDPOINT_URL_DYNAMODB=server.url,
            REPERE_DYNAMODB_SEARCH_TRANSPORT="http",
        ),
    ):
        _fresh_root()
        token = verifier_for(get_settings()).issue(
            subject="bench-admin",
            role=Role.ADMIN,
            departments=(),
            name="Bench",
            now=datetime.now(UTC),
            ttl=timedelta(hours=1),
        )
        admin = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "If-Match": '"1"',
        }
        requests: dict[str, Callable[[Client], Any]] = {
            "search": lambda client: client.http.get(SEARCH),
            "place_page": lambda client: client.http.get("/places/pne-01"),
            "admin_write": lambda client: client.http.post(
                "/admin/places/pne-01/verify",
                body=json.dumps({"comment": "checked by phone"}),
                headers=admin,
            ),
            "readiness": lambda client: client.http.get("/health/ready"),
        }
        figures: dict[str, Any] = {}
        with Client(app, stage_name="local") as client:
            for kind, send in requests.items():
                before = server.accepted
                response, seconds = _timed(lambda send=send: send(client))  # type: ignore[misc]
                figures[kind] = {
                    "status": response.status_code,
                    "code": json.loads(response.body or b"{}").get("code"),
                    "retry_after": response.headers.get("Retry-After"),
                    "seconds": round(seconds, 2),
                    "connections_to_the_store": server.accepted - before,
                }
        settings = get_settings()
        figures["budget"] = {
            "connect_timeout_s": settings.store_connect_timeout_seconds,
            "read_timeout_s": settings.store_read_timeout_seconds,
            "attempts": settings.store_max_attempts,
            "worst_case_per_call_s": settings.store_call_budget_seconds(),
        }
    return figures


def opensearch_hung() -> dict[str, Any]:
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import composition
    from chalicelib.adapters.dynamodb.tables import create_tables
    from chalicelib.adapters.opensearch.fallback import FallbackPlaceSearch
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
    from chalicelib.composition.root import Services
    from chalicelib.config import get_settings
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.search.models import SearchQuery
    from devtools.demo_data import leaflet_places
    from devtools.hung_server import HungServer

    with (
        HungServer() as server,
        mock_aws(),
        _environment(
            REPERE_SEARCH_BACKEND="opensearch",
            REPERE_OPENSEARCH_ENDPOINT=server.url,
            REPERE_OPENSEARCH_AUTH="none",
            REPERE_DYNAMODB_SEARCH_TRANSPORT="botocore",
            REPERE_SEARCH_STATS_ENABLED="false",
        ),
    ):
        _fresh_root()
        settings = get_settings()
        root = composition.install(Services.on_aws(settings, clock=FixedClock(NOW)))
        places = root.adapters.places  # binds the tables
        create_tables()
        places.load_fresh(leaflet_places(NOW))
        figures: dict[str, Any] = {}

        with Client(app, stage_name="local") as client:
            # Warm up without searching: the first search's timeout belongs to the figures.
            client.http.get("/health")
            before = server.accepted
            times, statuses = _run_for(SECONDS, lambda: client.http.get(SEARCH).status_code)
        figures["breaker_on_api"] = _summary(times, statuses) | {
            "cluster_requests": server.accepted - before,
            "timeout_s": get_settings().opensearch_timeout_seconds,
            "breaker_s": get_settings().opensearch_breaker_seconds,
        }

        primary = OpenSearchPlaceSearch(
            root.adapters.search_index, root.taxonomy, root.clock, settings.public_site_url
        )
        unguarded = FallbackPlaceSearch(primary, root.search_service)  # no breaker
        query = SearchQuery(center=leaflet_places(NOW)[0].location, radius_m=2000)
        before = server.accepted
        times, statuses = _run_for(SECONDS, lambda: len(unguarded.search(query).results) and 200)
        figures["breaker_off_service"] = _summary(times, statuses) | {
            "cluster_requests": server.accepted - before
        }
        composition.uninstall()
    return figures


def _run_for(seconds: float, call: Callable[[], int]) -> tuple[list[float], list[int]]:
    times: list[float] = []
    statuses: list[int] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status, elapsed = _timed(call)
        times.append(elapsed)
        statuses.append(status)
    return times, statuses


def _summary(times: list[float], statuses: list[int]) -> dict[str, Any]:
    total = sum(times)
    answered = sum(1 for status in statuses if status == 200)
    return {
        "searches": len(times),
        "answered_200": answered,
        "searches_per_minute": round(answered * 60 / total, 1) if total else 0.0,
        "median_s": round(statistics.median(times), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
    }


def main() -> None:
    # Fake credentials in the environment, never a real account (the hung socket and moto
    # are the only endpoints reached).
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "REPERE_STAGE": "local",
        "REPERE_TABLE_PREFIX": "bench-faults",
        # Quiet: one fallback log line per search would drown the figures.
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)
    # The fallback's metric (EMF) is printed once per search: kept out of the figures.
    with contextlib.redirect_stdout(io.StringIO()):
        document = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "store_frozen": store_frozen(),
            "opensearch_hung": opensearch_hung(),
        }
    text = json.dumps(document, indent=2)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
