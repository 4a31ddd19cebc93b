"""The back office end to end on DynamoDB (moto): the composition root builds the real
adapters, each edit is one transaction with its history, a batch goes through the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.backoffice_models import BatchLedgerRecord, PlaceHistoryRecord
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN, LOCKDOWN, MODERATOR_75


@pytest.fixture
def client(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from app import app

    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    roots.reset()
    roots.use(clock=FixedClock(LOCKDOWN))
    roots.current().adapters.places.load_fresh(
        [make_place(f"p{number:03d}", organisation="Restos du Cœur") for number in range(52)]
        + [make_place("p13", department="13", postal_code="13001", city_code=None)]
    )
    try:
        with Client(app, stage_name="local") as test_client:
            yield test_client
    finally:
        roots.reset()
        get_settings.cache_clear()


def call(
    client: Client, method: str, path: str, headers: dict[str, str], body: Any = None, **extra: str
) -> Any:
    import json

    response = client.http.request(
        method,
        path,
        headers={"Content-Type": "application/json", **headers, **extra},
        body=json.dumps(body).encode() if body is not None else b"",
    )
    return response.status_code, json.loads(response.body) if response.body else None


def test_edit_conflict_and_history_on_dynamodb(client: Client) -> None:
    first = call(client, "PATCH", "/admin/places/p000", ADMIN, {"name": "A"}, **{"If-Match": '"1"'})
    second = call(
        client, "PATCH", "/admin/places/p000", MODERATOR_75, {"name": "B"}, **{"If-Match": '"1"'}
    )

    assert first[0] == 200
    assert (second[0], second[1]["current_version"]) == (409, 2)
    assert [record.version for record in PlaceHistoryRecord.query("p000")] == [2]
    status, history = call(client, "GET", "/admin/places/p000/history", ADMIN)
    assert status == 200
    assert history["entries"][0]["changes"] == [
        {"field": "name", "before": "Lieu p000", "after": "A"}
    ]


def test_listing_by_organisation_on_dynamodb(client: Client) -> None:
    ids: list[str] = []
    cursor = ""
    while True:
        status, page = call(
            client, "GET", f"/admin/places?organisation=restos-du-coeur&limit=25{cursor}", ADMIN
        )
        assert status == 200
        ids.extend(row["id"] for row in page["places"])
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"

    assert sorted(ids) == [f"p{number:03d}" for number in range(52)]


def test_batch_over_http_on_dynamodb(client: Client) -> None:
    body = {
        "idempotency_key": "lockdown-2020-03-17",
        "selection": {"filter": {"organisation": "Restos du Coeur"}},
        "patch": {"status": "offline"},
    }

    status, report = call(client, "POST", "/admin/batch-updates", MODERATOR_75, body)
    _, replay = call(client, "POST", "/admin/batch-updates", MODERATOR_75, body)

    assert status == 200
    assert (report["selected"], report["counts"]["applied"]) == (52, 52)
    assert replay["replayed"] is True
    assert roots.current().adapters.places.get("p051").status.value == "offline"
    items = {record.item for record in BatchLedgerRecord.query(report["batch_id"])}
    assert {"meta", "done#00000", "done#00001"} <= items
    # Taken offline, the places left the public indexes in the same writes.
    assert client.http.get("/territories/75/places").json_body["total_places"] == 0
