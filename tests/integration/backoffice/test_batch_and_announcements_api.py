"""POST /admin/batch-updates, the batch_update Lambda function, and announcements (admin CRUD
and the public GET /announcements)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from functions.batch_update import handler
from tests.builders import make_place
from tests.integration.backoffice.conftest import (
    ADMIN,
    LOCKDOWN,
    MODERATOR_75,
    VOLUNTEER_75,
    AdminApi,
)

CLOSURE = {"start_date": "2020-03-17", "reason": "Confinement"}


def batch(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": "lockdown-2020-03-17",
        "selection": {"filter": {"department": "75", "status": "online"}},
        "patch": {"temporary_closure": CLOSURE},
        "comment": "confinement",
    }
    body.update(fields)
    return body


def seed(api: AdminApi, count: int) -> None:
    api.places.load_fresh([make_place(f"p{number:02d}") for number in range(count)])
    api.places.load_fresh([make_place("p13", department="13", postal_code="13001", city_code=None)])


def test_http_dry_run_then_apply_then_replay(admin_api: AdminApi) -> None:
    seed(admin_api, 4)

    status, dry, headers = admin_api.call(
        "POST", "/admin/batch-updates", MODERATOR_75, batch(dry_run=True)
    )
    _, applied, _ = admin_api.call("POST", "/admin/batch-updates", MODERATOR_75, batch())
    _, replay, _ = admin_api.call("POST", "/admin/batch-updates", MODERATOR_75, batch())

    assert (status, headers["Cache-Control"]) == (200, "no-store")
    assert dry["counts"]["applied"] == applied["counts"]["applied"] == 4
    assert dry["results"] == applied["results"]
    assert (dry["batch_id"], dry["dry_run"]) == (None, True)
    assert (applied["replayed"], replay["replayed"]) == (False, True)
    assert replay["results"] == applied["results"]
    assert admin_api.places.get("p00").version == 2
    assert admin_api.places.get("p13").temporary_closure is None  # outside the filter's 75


def test_http_ids_outside_the_territory_answer_exactly_as_missing_ones(
    admin_api: AdminApi,
) -> None:
    seed(admin_api, 2)

    _, report, _ = admin_api.call(
        "POST",
        "/admin/batch-updates",
        MODERATOR_75,
        batch(selection={"ids": ["p00", "p13", "ghost"]}, patch={"status": "offline"}),
    )

    assert [(r["place_id"], r["status"]) for r in report["results"]] == [
        ("p00", "applied"),
        ("p13", "not_found"),
        ("ghost", "not_found"),
    ]
    # Nothing tells p13 (a place in 13) from an id that exists nowhere.
    elsewhere, missing = ({**r, "place_id": None} for r in report["results"][1:])
    assert elsewhere == missing
    assert elsewhere["message"] == "no such place in your territory"
    assert admin_api.places.get("p13").status.value != "offline"


def test_http_batches_are_capped(admin_api: AdminApi) -> None:
    ids = [f"x{number}" for number in range(1001)]

    status, body, _ = admin_api.call(
        "POST", "/admin/batch-updates", ADMIN, batch(selection={"ids": ids}, dry_run=True)
    )

    assert (status, body["code"]) == (400, "batch_too_large")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        (VOLUNTEER_75, batch(), 403, "role_required"),
        (ADMIN, batch(idempotency_key=None), 400, "invalid_input"),
        (ADMIN, batch(idempotency_key="short"), 400, "invalid_parameter"),
        (ADMIN, batch(patch={}), 400, "invalid_input"),
        (ADMIN, batch(patch={"name": "x"}), 400, "unknown_parameter"),
        (ADMIN, batch(selection={"ids": ["a b"]}), 400, "invalid_parameter"),
        (ADMIN, batch(selection={}), 400, "invalid_input"),
        (ADMIN, batch(extra=1), 400, "unknown_parameter"),
        (ADMIN, "not json", 400, "invalid_body"),
        (MODERATOR_75, batch(selection={"filter": {"department": "13"}}), 403, "out_of_scope"),
        (ADMIN, batch(selection={"filter": {"department": "75", "category": "nope"}}), 400, None),
    ],
)
def test_bad_batch_requests(
    admin_api: AdminApi, headers: dict[str, str], body: Any, status: int, code: str | None
) -> None:
    got, payload, _ = admin_api.call("POST", "/admin/batch-updates", headers, body)

    assert got == status
    assert set(payload) == {"code", "message", "field"}
    if code is not None:
        assert payload["code"] == code


def test_a_reused_key_for_another_batch_is_409(admin_api: AdminApi) -> None:
    seed(admin_api, 1)
    admin_api.call("POST", "/admin/batch-updates", ADMIN, batch())

    status, body, _ = admin_api.call(
        "POST", "/admin/batch-updates", ADMIN, batch(patch={"status": "offline"})
    )

    assert (status, body["code"]) == (409, "idempotency_key_reused")


# The Lambda function ------------------------------------------------------------------------


@dataclass
class FakeContext:
    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


CALLER = {"subject": "ops-alice", "role": "admin", "departments": []}


def test_the_function_runs_the_same_service(admin_api: AdminApi) -> None:
    seed(admin_api, 3)

    answer = handler({"caller": CALLER, "batch": batch()}, FakeContext())
    replay = handler({"caller": CALLER, "batch": batch()}, FakeContext())

    assert answer["ok"] is True
    assert answer["report"]["counts"]["applied"] == 3
    assert replay["report"]["replayed"] is True
    entry = admin_api.places.history_entry("p00", 2)
    assert entry is not None
    assert (entry.actor.subject, entry.channel.value) == ("ops-alice", "batch")


def test_the_function_applies_the_callers_scope(admin_api: AdminApi) -> None:
    seed(admin_api, 1)
    moderator = {"subject": "ops-bob", "role": "territory_moderator", "departments": ["75"]}

    answer = handler(
        {"caller": moderator, "batch": batch(selection={"ids": ["p00", "p13"]})}, FakeContext()
    )

    assert [r["status"] for r in answer["report"]["results"]] == ["applied", "not_found"]


def test_the_function_stops_before_its_time_runs_out_and_resumes(admin_api: AdminApi) -> None:
    seed(admin_api, 3)

    stopped = handler({"caller": CALLER, "batch": batch()}, FakeContext(remaining_ms=10_000))
    resumed = handler({"caller": CALLER, "batch": batch()}, FakeContext())

    assert (stopped["report"]["complete"], stopped["report"]["results"]) == (False, [])
    assert resumed["report"]["complete"] is True
    assert resumed["report"]["counts"]["applied"] == 3


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({}, "invalid_input"),
        ({"caller": CALLER}, "invalid_input"),
        ({"caller": {**CALLER, "role": "king"}, "batch": batch()}, "invalid_input"),
        ({"caller": {**CALLER, "departments": ["99"]}, "batch": batch()}, "invalid_input"),
        ({"caller": CALLER, "batch": batch(patch={})}, "invalid_input"),
        ({"caller": {**CALLER, "role": "volunteer"}, "batch": batch()}, "role_required"),
    ],
)
def test_the_function_refuses_bad_events(
    admin_api: AdminApi, event: dict[str, Any], code: str
) -> None:
    answer = handler(event, FakeContext())

    assert answer["ok"] is False
    assert answer["error"]["code"] == code


# Announcements --------------------------------------------------------------------------


ANNOUNCEMENT = {
    "title": "Confinement",
    "body": "La plupart des distributions sont déplacées.",
    "start_date": "2020-03-17",
    "end_date": "2020-05-11",
    "departments": ["75", "93"],
    "audience": "everyone",
}


def test_announcement_crud_and_public_listing(admin_api: AdminApi) -> None:
    status, created, headers = admin_api.call("POST", "/admin/announcements", ADMIN, ANNOUNCEMENT)
    assert (status, headers["ETag"], created["created_by"]) == (201, '"1"', "admin-1")
    national = {**ANNOUNCEMENT, "title": "National", "departments": []}
    admin_api.call("POST", "/admin/announcements", ADMIN, national)

    response = admin_api.client.http.get(
        "/announcements?department=93", headers={"Origin": "http://localhost:3000"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    public = response.json_body["announcements"]
    assert [item["title"] for item in public] == ["National", "Confinement"]
    assert "created_by" not in public[0]
    etag = response.headers["ETag"]
    assert (
        admin_api.client.http.get(
            "/announcements?department=93", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    elsewhere = admin_api.client.http.get("/announcements?department=13").json_body
    assert [item["title"] for item in elsewhere["announcements"]] == ["National"]

    status, updated, _ = admin_api.call(
        "PUT",
        f"/admin/announcements/{created['id']}",
        ADMIN,
        {**ANNOUNCEMENT, "end_date": "2020-03-16", "start_date": "2020-03-01"},
        if_match=1,
    )
    assert (status, updated["version"]) == (200, 2)
    ended = admin_api.client.http.get("/announcements?department=93").json_body
    assert [item["title"] for item in ended["announcements"]] == ["National"]

    stale = admin_api.call("DELETE", f"/admin/announcements/{created['id']}", ADMIN, if_match=1)
    assert (stale[0], stale[1]["current_version"]) == (409, 2)
    status, _, _ = admin_api.call(
        "DELETE", f"/admin/announcements/{created['id']}", ADMIN, if_match=2
    )
    assert status == 204
    assert admin_api.call("GET", f"/admin/announcements/{created['id']}", ADMIN)[0] == 404
    _, listing, _ = admin_api.call("GET", "/admin/announcements", ADMIN)
    assert [item["title"] for item in listing["announcements"]] == ["National"]


def test_public_announcements_follow_the_clock(admin_api: AdminApi) -> None:
    admin_api.call("POST", "/admin/announcements", ADMIN, {**ANNOUNCEMENT, "departments": []})
    admin_api.clock.set(LOCKDOWN.replace(month=6))

    later = admin_api.client.http.get("/announcements").json_body

    assert later == {"announcements": []}


def test_only_admins_manage_announcements(admin_api: AdminApi) -> None:
    status, body, _ = admin_api.call("POST", "/admin/announcements", MODERATOR_75, ANNOUNCEMENT)

    assert (status, body["code"]) == (403, "role_required")


@pytest.mark.parametrize(
    ("method", "path", "body", "if_match"),
    [
        ("POST", "/admin/announcements", {**ANNOUNCEMENT, "title": ""}, None),
        ("POST", "/admin/announcements", {**ANNOUNCEMENT, "departments": ["99"]}, None),
        ("POST", "/admin/announcements", {**ANNOUNCEMENT, "end_date": "2020-01-01"}, None),
        ("POST", "/admin/announcements", {**ANNOUNCEMENT, "colour": "red"}, None),
        ("POST", "/admin/announcements", "[]", None),
        ("PUT", "/admin/announcements/a1", ANNOUNCEMENT, None),
        ("PUT", "/admin/announcements/bad%20id", ANNOUNCEMENT, 1),
        ("DELETE", "/admin/announcements/a1", None, None),
        ("GET", "/admin/announcements?x=1", None, None),
        ("GET", "/announcements?department=99", None, None),
        ("GET", "/announcements?audience=robots", None, None),
        ("GET", "/announcements?department=75&department=93", None, None),
    ],
)
def test_bad_announcement_requests_are_4xx_json(
    admin_api: AdminApi, method: str, path: str, body: Any, if_match: int | None
) -> None:
    status, payload, _ = admin_api.call(method, path, ADMIN, body, if_match=if_match)

    assert 400 <= status < 500
    assert set(payload) == {"code", "message", "field"}
