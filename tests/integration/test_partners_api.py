"""Partner keys and the change feed over HTTP, on moto: an admin issues a key (shown once),
a partner follows /changes with it, quotas answer 429 with Retry-After, a revoked key is 401,
national files need a key, /search takes one for its own quota."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.changes import DynamoChangeLog
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.exports.models import (
    ClosedPlaces,
    ExportFormat,
    ExportRecord,
    ExportSpec,
    Territory,
)
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75
from tests.integration.json_api import JsonApi

NOW = datetime(2026, 12, 4, 10, 15, 30, tzinfo=UTC)


class Api(JsonApi):
    def issue(self, *scopes: str, quota: dict[str, int] | None = None) -> str:
        body: dict[str, Any] = {"name": "kiosque Paris 19", "scopes": list(scopes)}
        if quota is not None:
            body["quota"] = quota
        status, payload, _ = self.call("POST", "/admin/api-keys", headers=ADMIN, body=body)
        assert status == 201, payload
        key: str = payload["key"]
        return key


@pytest.fixture
def api(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from app import app

    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    get_settings()
    roots.reset()
    roots.use(clock=FixedClock(NOW))
    try:
        with Client(app) as client:
            yield Api(client)
    finally:
        roots.reset()
        get_settings.cache_clear()


def test_a_key_is_shown_once_listed_without_its_secret_and_revoked(api: Api) -> None:
    key = api.issue("changes")
    key_id = key.split("_")[1]
    status, listed, _ = api.call("GET", "/admin/api-keys", headers=ADMIN)
    assert status == 200
    assert [item["id"] for item in listed["api_keys"]] == [key_id]
    assert key.split("_", 2)[2] not in json.dumps(listed)
    assert api.call("GET", "/changes", headers={"x-api-key": key})[0] == 200
    status, revoked, _ = api.call("DELETE", f"/admin/api-keys/{key_id}", headers=ADMIN)
    assert (status, revoked["revoked_at"] is not None) == (200, True)
    # The revoking container forgets the key at once (others within the cache's 30 s).
    status, error, _ = api.call("GET", "/changes", headers={"x-api-key": key})
    assert (status, error["code"]) == (401, "invalid_api_key")
    assert api.call("GET", "/admin/api-keys", headers=ADMIN)[1] == {"api_keys": []}
    status, listed, _ = api.call("GET", "/admin/api-keys?include_revoked=true", headers=ADMIN)
    assert [item["id"] for item in listed["api_keys"]] == [key_id]


def test_only_admins_manage_keys_and_bad_input_is_a_clear_400(api: Api) -> None:
    body = {"name": "x", "scopes": ["changes"]}
    assert api.call("POST", "/admin/api-keys", headers=MODERATOR_75, body=body)[0] == 403
    assert api.call("POST", "/admin/api-keys", body=body)[0] == 401
    for bad in (
        {"name": "x"},
        {"name": "x", "scopes": ["everything"]},
        {"name": "x", "scopes": ["changes"], "quota": {"per_minute": 0, "per_day": 1}},
        {"name": "x", "scopes": ["changes"], "secret": "mine"},
    ):
        status, error, _ = api.call("POST", "/admin/api-keys", headers=ADMIN, body=bad)
        assert status == 400, bad
        assert set(error) == {"code", "message", "field"}
    assert api.call("DELETE", "/admin/api-keys/not-an-id", headers=ADMIN)[0] == 400
    assert api.call("DELETE", "/admin/api-keys/0123456789abcdef", headers=ADMIN)[0] == 404


def test_the_change_feed_needs_a_key_with_its_scope(api: Api) -> None:
    status, error, _ = api.call("GET", "/changes")
    assert (status, error["code"]) == (401, "api_key_required")
    status, error, _ = api.call("GET", "/changes", headers={"x-api-key": "rpk_forged"})
    assert (status, error["code"]) == (401, "invalid_api_key")
    search_only = api.issue("search")
    status, error, _ = api.call("GET", "/changes", headers={"x-api-key": search_only})
    assert (status, error["code"]) == (403, "out_of_scope")


def test_a_partner_follows_a_department_through_the_feed(api: Api) -> None:
    DynamoPlaceRepository().load_fresh([make_place("p1"), make_place("p2")])
    key = {"x-api-key": api.issue("changes")}
    status, page, headers = api.call("GET", "/changes?department=75&limit=1", headers=key)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert (page["phase"], [c["place_id"] for c in page["changes"]]) == ("snapshot", ["p1"])
    seen = [c["place_id"] for c in page["changes"]]
    cursor = page["next_cursor"]
    while page["has_more"]:
        page = api.call("GET", f"/changes?department=75&since={cursor}", headers=key)[1]
        seen += [c["place_id"] for c in page["changes"]]
        cursor = page["next_cursor"]
    assert seen == ["p1", "p2"]
    # An admin edit, filed by the sequencer, reaches the partner as a change.
    place = api.call("GET", "/admin/places/p1", headers=ADMIN)
    assert place[0] == 200
    status, _, _ = api.call(
        "PATCH",
        "/admin/places/p1",
        headers={**ADMIN, "If-Match": '"1"'},
        body={"name": "Lieu renommé"},
    )
    assert status == 200
    DynamoChangeLog().sequence_pending(100)
    page = api.call("GET", f"/changes?department=75&since={cursor}", headers=key)[1]
    assert [(c["place_id"], c["version"], c["type"]) for c in page["changes"]] == [
        ("p1", 2, "upsert")
    ]
    assert page["changes"][0]["place"]["name"] == "Lieu renommé"
    # Another department's feed does not take this cursor; an edited one neither.
    status, error, _ = api.call("GET", f"/changes?department=93&since={cursor}", headers=key)
    assert (status, error["code"]) == (400, "invalid_cursor")
    status, _, _ = api.call("GET", f"/changes?department=75&since={cursor[:-3]}xyz", headers=key)
    assert status == 400
    assert api.call("GET", "/changes?department=99", headers=key)[0] == 400
    assert api.call("GET", "/changes?limit=0", headers=key)[0] == 400


def test_over_quota_is_429_with_the_seconds_to_wait(api: Api) -> None:
    key = {"x-api-key": api.issue("changes", quota={"per_minute": 2, "per_day": 100})}
    assert api.call("GET", "/changes", headers=key)[0] == 200
    assert api.call("GET", "/changes", headers=key)[0] == 200
    status, error, headers = api.call("GET", "/changes", headers=key)
    assert (status, error["code"]) == (429, "quota_exceeded")
    assert headers["Retry-After"] == "30"  # 10:15:30: the minute ends in 30 s


def test_search_takes_an_optional_key_with_its_own_quota(api: Api) -> None:
    DynamoPlaceRepository().load_fresh([make_place("p1")])
    assert api.call("GET", "/search?department=75")[0] == 200
    key = {"x-api-key": api.issue("search", quota={"per_minute": 1, "per_day": 100})}
    assert api.call("GET", "/search?department=75", headers=key)[0] == 200
    assert api.call("GET", "/search?department=75", headers=key)[0] == 429
    status, error, _ = api.call("GET", "/search?department=75", headers={"x-api-key": "rpk_nope"})
    assert (status, error["code"]) == (401, "invalid_api_key")


def test_national_files_are_served_to_keys_that_open_them(api: Api) -> None:
    spec = ExportSpec(
        territory=Territory(france=True),
        categories=["food"],
        format=ExportFormat.CSV,
        data_date=NOW.date(),
        title="Alimentation",
        sections=[],
        closed=ClosedPlaces.MARK,
    )
    repository = roots.current().adapters.export_repository
    repository.add(ExportRecord(id="exp-national-0001", spec=spec, requested_at=NOW))
    path = "/exports/exp-national-0001/download"
    status, error, _ = api.call("GET", path)
    assert (status, error["code"]) == (401, "api_key_required")
    status, error, _ = api.call("GET", path, headers={"x-api-key": api.issue("changes")})
    assert (status, error["code"]) == (403, "out_of_scope")
    status, error, _ = api.call("GET", path, headers={"x-api-key": api.issue("national_files")})
    assert (status, error["code"]) == (409, "export_not_ready")  # admitted, not rendered yet
