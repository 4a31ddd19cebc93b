"""The public API on the OpenSearch backend (REPERE_SEARCH_BACKEND=opensearch): same payloads as
the DynamoDB backend, one OpenSearch request per search, and the fallback to DynamoDB when
OpenSearch fails, times out or is behind (logged, counted as an EMF metric)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.opensearch.client import sigv4_auth
from chalicelib.config import Settings, get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.hours.models import TimeSlot, WeeklyHours
from chalicelib.domain.places.models import Place
from tests import composition_support as roots
from tests.builders import PARIS_19, make_place, offset_point
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords
from tests.integration.conftest import TUESDAY_EVENING
from tests.opensearch_eval import Cluster, timeout_on
from tests.opensearch_support import SearchIndex, evaluator_index

BASE = "lat=48.8867&lon=2.3795&radius_km=3"
EVENINGS = WeeklyHours(tuesday=[TimeSlot(start="20:00", end="21:30")])


@dataclass
class OpenSearchApi:
    client: Client
    cluster: Cluster
    index: SearchIndex
    places: InMemoryPlaceRepository
    clock: FixedClock

    def add(self, *places: Place) -> None:
        for place in places:
            self.places.add(place)
        self.index.add(places)

    def get(self, path: str) -> Any:
        return self.client.http.get(path)

    def searches(self) -> int:
        return self.cluster.count(suffix="/_search")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenSearchApi]:
    from app import app

    monkeypatch.setenv("REPERE_SEARCH_BACKEND", "opensearch")
    get_settings.cache_clear()
    clock = FixedClock(TUESDAY_EVENING)
    cluster = Cluster()
    index = evaluator_index(clock, cluster=cluster, alias=get_settings().opensearch_alias)
    places = InMemoryPlaceRepository()
    roots.use(
        clock=clock,
        places=places,
        search_records=InMemorySearchRecords(places.places),
        opensearch_client=cluster.client(),
    )
    try:
        # Stage "local": the settings are read again inside the client's environment.
        with Client(app, stage_name="local") as client:
            yield OpenSearchApi(client, cluster, index, places, clock)
    finally:
        roots.reset()
        get_settings.cache_clear()
        index.close()


def body(response: Any) -> Any:
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def dynamodb_backend_payload(api: OpenSearchApi, path: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The same request answered by the DynamoDB backend (over the same places)."""
    monkeypatch.setenv("REPERE_SEARCH_BACKEND", "dynamodb")
    get_settings.cache_clear()
    roots.use()  # clears the cached engines
    try:
        return body(api.get(path))
    finally:
        monkeypatch.setenv("REPERE_SEARCH_BACKEND", "opensearch")
        get_settings.cache_clear()
        roots.use()


def seed(api: OpenSearchApi) -> None:
    for number in range(7):
        point = offset_point(PARIS_19, 150 * number, 40 * number)
        api.add(
            make_place(
                f"p{number}",
                name=f"Accueil {number % 3}",
                lat=point.lat,
                lon=point.lon,
                hours=EVENINGS if number % 2 else WeeklyHours(),
                categories=["shower"] if number % 3 == 0 else ["seated_meal"],
            )
        )


def emf_metrics(output: str) -> list[dict[str, Any]]:
    found = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


def fallback_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        {key: getattr(record, key) for key in ("reason", "error_type", "operation")}
        for record in caplog.records
        if record.getMessage() == "search_fallback"
    ]


@pytest.mark.parametrize(
    "query",
    [
        BASE,
        f"{BASE}&open=now",
        f"{BASE}&category=hygiene&open=today",
        f"{BASE}&q=accueil&limit=2",
        "department=75&open=any",
    ],
)
def test_the_opensearch_backend_answers_like_the_dynamodb_backend_in_one_request(
    api: OpenSearchApi, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)
    before = api.searches()
    payload = body(api.get(f"/search?{query}"))
    assert api.searches() == before + 1
    expected = dynamodb_backend_payload(api, f"/search?{query}", monkeypatch)
    assert payload["results"] == expected["results"]
    assert payload["total"] == expected["total"]
    assert payload["facets"] == expected["facets"]
    assert (payload["next_cursor"] is None) == (expected["next_cursor"] is None)


def test_the_department_listing_is_one_request_with_the_same_payload(
    api: OpenSearchApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)
    before = api.searches()
    path = "/territories/75/places?open=now&limit_per_category=2"
    payload = body(api.get(path))
    assert api.searches() == before + 1
    assert payload == dynamodb_backend_payload(api, path, monkeypatch)


def test_a_timeout_falls_back_to_dynamodb_logs_and_counts_it(
    api: OpenSearchApi,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(api)
    api.cluster.fail = timeout_on("/_search")
    capsys.readouterr()
    payload = body(api.get(f"/search?{BASE}"))
    output = capsys.readouterr().out
    api.cluster.fail = None
    assert payload == dynamodb_backend_payload(api, f"/search?{BASE}", monkeypatch)
    assert fallback_logs(caplog) == [
        {"reason": "timeout", "error_type": "ConnectionTimeout", "operation": "search"}
    ]
    (metric,) = emf_metrics(output)
    assert metric["SearchFallback"] == [1.0] or metric["SearchFallback"] == 1.0
    assert metric["reason"] == "timeout"
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Repere"


def test_a_server_error_falls_back_for_the_listing_too(
    api: OpenSearchApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)

    def unavailable(method: str, path: str) -> None:
        from opensearchpy.exceptions import TransportError

        raise TransportError(503, "unavailable", {})

    api.cluster.fail = unavailable
    capsys.readouterr()
    payload = body(api.get("/territories/75/places"))
    output = capsys.readouterr().out
    api.cluster.fail = None
    assert payload == dynamodb_backend_payload(api, "/territories/75/places", monkeypatch)
    (metric,) = emf_metrics(output)
    assert metric["reason"] == "http_503"


def test_when_the_hours_window_is_behind_open_now_is_answered_by_dynamodb(
    api: OpenSearchApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)
    api.clock.set(TUESDAY_EVENING + timedelta(days=14))  # no refresh for two weeks
    capsys.readouterr()
    open_now = body(api.get(f"/search?{BASE}&open=now"))
    not_closed = body(api.get(f"/search?{BASE}"))
    output = capsys.readouterr().out
    assert [metric["reason"] for metric in emf_metrics(output)] == ["hours_window_behind"]
    assert open_now == dynamodb_backend_payload(api, f"/search?{BASE}&open=now", monkeypatch)
    assert open_now["results"]  # Tuesday evening again: the evening places are open
    assert not_closed == dynamodb_backend_payload(api, f"/search?{BASE}", monkeypatch)


def test_paging_goes_on_across_a_fallback(api: OpenSearchApi) -> None:
    seed(api)
    everything = [result["id"] for result in body(api.get(f"/search?{BASE}&open=any"))["results"]]
    first = body(api.get(f"/search?{BASE}&open=any&limit=3"))
    api.cluster.fail = timeout_on("/_search")
    second = body(api.get(f"/search?{BASE}&open=any&limit=3&cursor={first['next_cursor']}"))
    api.cluster.fail = None
    third = body(api.get(f"/search?{BASE}&open=any&limit=3&cursor={second['next_cursor']}"))
    seen = [result["id"] for page in (first, second, third) for result in page["results"]]
    assert seen == everything
    assert third["next_cursor"] is None


def test_a_bad_cursor_is_the_callers_error_not_a_fallback(
    api: OpenSearchApi, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(api)
    capsys.readouterr()
    response = api.get(f"/search?{BASE}&cursor=not-a-cursor")
    assert response.status_code == 400
    assert json.loads(response.body)["field"] == "cursor"
    assert emf_metrics(capsys.readouterr().out) == []
    assert api.searches() == 0


def test_requests_to_amazon_opensearch_are_signed_with_sigv4() -> None:
    settings = Settings(opensearch_endpoint="https://search-repere.eu-west-3.es.amazonaws.com")
    auth = sigv4_auth(settings)
    request = requests.Request(
        "POST", "https://search-repere.eu-west-3.es.amazonaws.com/repere-places/_search", data="{}"
    ).prepare()
    signed = auth(request)
    authorization = signed.headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/eu-west-3/es/aws4_request" in authorization
    assert "x-amz-date" in {name.lower() for name in signed.headers}


def test_a_dynamodb_deployment_never_imports_opensearch_py() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, app; from chalicelib.composition import services; "
        "print('opensearchpy' in sys.modules, type(services().place_search).__name__)"
    )
    output = subprocess.run(  # noqa: S603 - our interpreter, a fixed statement
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "AWS_DEFAULT_REGION": "eu-west-3"},
    )
    assert output.stdout.split() == ["False", "SearchService"]
