"""POST /admin/places/{id}/reconcile and the write path's own repair, on DynamoDB (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.place_repository import to_history_record
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry, diff_places
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
    roots.current().adapters.places.load_fresh([make_place("p1"), make_place("p2")])
    try:
        with Client(app, stage_name="local") as test_client:
            yield test_client
    finally:
        roots.reset()
        get_settings.cache_clear()


def call(
    client: Client,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    *,
    if_match: int | None = None,
) -> tuple[int, Any]:
    extra = {"If-Match": f'"{if_match}"'} if if_match is not None else {}
    response = client.http.request(
        method,
        path,
        headers={"Content-Type": "application/json", **headers, **extra},
        body=json.dumps(body).encode() if body is not None else b"",
    )
    return response.status_code, json.loads(response.body) if response.body else None


def lose_a_write(place_id: str, version: int, name: str) -> None:
    """Store the entry of ``version`` without its place write (what moto's unserialised
    transactions did, or a restore of the places table alone)."""
    before = roots.current().adapters.places.get(place_id)
    after = before.model_copy(update={"name": name, "version": version})
    to_history_record(
        HistoryEntry(
            place_id=place_id,
            version=version,
            at=LOCKDOWN,
            actor=Actor(subject="bob", role="admin"),
            channel=Channel.ADMIN,
            action=Action.EDITED,
            changes=diff_places(before, after),
        )
    ).save()


def test_a_client_retrying_with_current_version_converges_after_a_lost_write(
    client: Client,
) -> None:
    assert call(client, "PATCH", "/admin/places/p1", ADMIN, {"name": "A"}, if_match=1)[0] == 200
    lose_a_write("p1", 3, "Écrit puis perdu")

    status, body = call(client, "PATCH", "/admin/places/p1", ADMIN, {"name": "B"}, if_match=2)
    assert (status, body["current_version"]) == (409, 3)
    status, body = call(client, "PATCH", "/admin/places/p1", ADMIN, {"name": "B"}, if_match=3)
    assert (status, body["version"], body["name"]) == (200, 4, "B")
    _, history = call(client, "GET", "/admin/places/p1/history", ADMIN)
    assert [entry["version"] for entry in history["entries"]] == [4, 3, 2]


def test_reconcile_rolls_forward_and_answers_the_report_and_place(client: Client) -> None:
    lose_a_write("p2", 2, "Écrit puis perdu")

    status, body = call(client, "POST", "/admin/places/p2/reconcile", ADMIN, {"dry_run": True})
    assert status == 200
    assert (body["report"]["drift"], body["report"]["repair"]) == (
        "place_behind",
        "rolled_forward",
    )
    assert call(client, "GET", "/admin/places/p2", ADMIN)[1]["version"] == 1

    status, body = call(client, "POST", "/admin/places/p2/reconcile", ADMIN)
    assert (status, body["report"]["version"], body["place"]["name"]) == (
        200,
        2,
        "Écrit puis perdu",
    )
    assert call(client, "GET", "/admin/places/p2", ADMIN)[1]["version"] == 2


def test_reconcile_writes_the_missing_entry_of_a_seeded_place(client: Client) -> None:
    status, body = call(client, "POST", "/admin/places/p1/reconcile", ADMIN, {"comment": "PITR"})
    assert (status, body["report"]["drift"], body["report"]["repair"]) == (
        200,
        "place_ahead",
        "history_written",
    )
    _, history = call(client, "GET", "/admin/places/p1/history", ADMIN)
    [entry] = history["entries"]
    assert (entry["version"], entry["action"], entry["comment"]) == (1, "reconciled", "PITR")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        (MODERATOR_75, None, 403, "role_required"),
        (ADMIN, {"prefer": "nobody"}, 400, None),
        (ADMIN, {"force": True}, 400, None),
    ],
)
def test_reconcile_is_for_admins_with_a_valid_body(
    client: Client, headers: dict[str, str], body: Any, status: int, code: str | None
) -> None:
    answered, payload = call(client, "POST", "/admin/places/p1/reconcile", headers, body)
    assert answered == status
    if code is not None:
        assert payload["code"] == code
