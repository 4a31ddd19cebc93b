"""A frozen store answers 503 with Retry-After, not a 500 after minutes (issue 14).

The store is a local socket that accepts connections and never answers (devtools.hung_server),
reached through AWS_ENDPOINT_URL_DYNAMODB as the local stack reaches moto. No wall-clock
assertion here: bench/faults_bench.py measures how long the answers take.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.config import get_settings
from devtools.hung_server import HungServer
from tests import composition_support as roots
from tests.conftest import TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN


@pytest.fixture
def frozen_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[HungServer]:
    with HungServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.url)
        monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
        # Shorter than the default budget, only to keep the suite quick: the path is the same.
        monkeypatch.setenv("REPERE_STORE_CONNECT_TIMEOUT_SECONDS", "0.3")
        monkeypatch.setenv("REPERE_STORE_READ_TIMEOUT_SECONDS", "0.3")
        get_settings.cache_clear()
        get_settings()  # now, not inside the Chalice client's "dev" stage environment
        roots.reset()
        try:
            yield server
        finally:
            roots.reset()
            get_settings.cache_clear()


@pytest.fixture
def client(frozen_store: HungServer) -> Iterator[Client]:
    from app import app

    with Client(app) as test_client:
        yield test_client


def _assert_unavailable(response: object) -> None:
    status = getattr(response, "status_code", None)
    body = json.loads(getattr(response, "body", b"{}"))
    headers = getattr(response, "headers", {})
    assert status == 503, body
    assert body == {"code": "unavailable", "message": body["message"], "field": None}
    assert "did not answer" in body["message"]
    assert headers["Retry-After"] == str(get_settings().unavailable_retry_after_seconds)
    assert 1 <= int(headers["Retry-After"]) <= 5


def test_a_place_page_answers_503_with_retry_after_when_the_store_is_frozen(
    client: Client, frozen_store: HungServer
) -> None:
    _assert_unavailable(client.http.get("/places/pne-01"))
    # Two attempts, no more: the budget's one retry reached the store.
    assert frozen_store.accepted == 2


def test_a_search_answers_503_with_retry_after_when_the_store_is_frozen(
    frozen_store: HungServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import app

    # The search path's own signed HTTP transport (as deployed), under the same budget.
    monkeypatch.setenv("REPERE_DYNAMODB_SEARCH_TRANSPORT", "http")
    get_settings.cache_clear()
    get_settings()
    roots.reset()
    with Client(app) as client:
        _assert_unavailable(client.http.get("/search?lat=48.8867&lon=2.3795&radius_km=2"))


def test_an_admin_write_answers_503_when_the_store_is_frozen(client: Client) -> None:
    body = json.dumps({"comment": "checked by phone"})
    headers = {**ADMIN, "Content-Type": "application/json", "If-Match": '"1"'}
    _assert_unavailable(client.http.post("/admin/places/pne-01/verify", body=body, headers=headers))


def test_readiness_says_unavailable_while_liveness_stays_ok(client: Client) -> None:
    assert client.http.get("/health").status_code == 200
    _assert_unavailable(client.http.get("/health/ready"))
