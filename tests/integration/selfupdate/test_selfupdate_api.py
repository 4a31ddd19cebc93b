"""Self-update routes through chalice.test.Client with real signed tokens: issue → read →
edit → history → verified_at, confirm, and every error case over HTTP (401, 410, 403, 429,
409, 428, 400), CORS for the website only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.sections import Section
from chalicelib.domain.selfupdate.service import GONE_MESSAGE, INVALID_MESSAGE
from tests import composition_support as roots
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75, VOLUNTEER_75, bearer, token
from tests.selfupdate_fakes import InMemoryLinkStateStore

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MODERATOR_93 = bearer(token(Role.TERRITORY_MODERATOR, ("93",), "mod-93"))


@dataclass
class Api:
    client: Client
    places: InMemoryPlaceRepository
    links: InMemoryLinkStateStore
    clock: FixedClock

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        if_match: int | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if if_match is not None:
            all_headers["If-Match"] = f'"{if_match}"'
        raw = json.dumps(body).encode() if body is not None else b""
        response = self.client.http.request(method, path, headers=all_headers, body=raw)
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)

    def issue(self, place_id: str = "p1", headers: dict[str, str] = ADMIN) -> str:
        status, body, _ = self.call("POST", f"/admin/places/{place_id}/update-links", headers)
        assert status == 201, body
        link_token: str = body["token"]
        return link_token


def link(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def api() -> Iterator[Api]:
    from app import app

    places = InMemoryPlaceRepository()
    places.load_fresh([make_place("p1"), make_place("p2"), make_place("p93", department="93")])
    clock = FixedClock(NOW)
    links = InMemoryLinkStateStore()
    codec = JwtLinkCodec(StaticKeySource(KeyRing(current="k1", keys={"k1": "k" * 40})))
    roots.use(clock=clock, places=places, ids=SequentialIds("id-"))
    roots.use(link_state=links, link_codec=codec)
    try:
        with Client(app) as client:
            yield Api(client, places, links, clock)
    finally:
        roots.reset()


def test_link_to_edit_to_history_to_verified_at(api: Api) -> None:
    status, issued, headers = api.call("POST", "/admin/places/p1/update-links", MODERATOR_75)
    assert status == 201
    assert headers["Cache-Control"] == "no-store"
    assert issued["url"].endswith("#token=" + issued["token"])
    status, view, headers = api.call("GET", "/self-update", link(issued["token"]))
    assert status == 200
    assert headers["ETag"] == '"1"'
    assert view["place_id"] == "p1"
    assert "internal_note" not in view
    api.clock.set(NOW + timedelta(hours=2))
    change = {
        "temporary_message": {"start_date": "2026-11-02", "text": "Fermé le midi cette semaine"},
        "contacts": {"phones": [{"number": "01 23 45 67 89"}], "email": "accueil@halte.org"},
    }
    status, view, headers = api.call(
        "PATCH", "/self-update", link(issued["token"]), change, if_match=1
    )
    assert status == 200, view
    assert headers["ETag"] == '"2"'
    assert view["temporary_message"]["text"] == "Fermé le midi cette semaine"
    assert view["verified_at"] == "2026-11-02T11:00:00Z"
    status, history, _ = api.call("GET", "/admin/places/p1/history", ADMIN)
    assert status == 200
    entry = history["entries"][0]
    assert (entry["channel"], entry["action"], entry["version"]) == ("self-update", "edited", 2)
    assert {change["field"] for change in entry["changes"]} == {
        "temporary_message",
        "contacts",
        "verified_at",
    }


def test_confirm_nothing_changed(api: Api) -> None:
    value = api.issue()
    status, view, _ = api.call("POST", "/self-update/confirm", link(value), if_match=1)
    assert status == 200
    assert view["version"] == 2
    assert view["verified_at"] == "2026-11-02T09:00:00Z"
    entry = api.places.history("p1", limit=1).entries[0]
    assert (entry.channel.value, entry.action.value) == ("self-update", "verified")


def test_a_tampered_token_is_401_with_one_message_whatever_the_part(api: Api) -> None:
    value = api.issue()
    header, payload, signature = value.split(".")
    for tampered in (
        f"{header[:-2]}xx.{payload}.{signature}",
        f"{header}.{payload[:-2]}xx.{signature}",
        f"{header}.{payload}.{signature[:-2]}xx",
    ):
        status, body, headers = api.call("GET", "/self-update", link(tampered))
        assert status == 401
        assert body == {"code": "invalid_link", "message": INVALID_MESSAGE, "field": None}
        assert headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_or_malformed_authorization_is_401(api: Api) -> None:
    assert api.call("GET", "/self-update")[0] == 401
    assert api.call("GET", "/self-update", {"Authorization": "Basic abc"})[0] == 401


def test_a_back_office_token_is_not_a_link(api: Api) -> None:
    status, body, _ = api.call("GET", "/self-update", ADMIN)
    assert status == 401
    assert body["message"] == INVALID_MESSAGE


def test_expired_and_revoked_links_are_410_with_the_same_message(api: Api) -> None:
    expiring = api.issue("p2")
    revoked = api.issue("p1")
    status, body, _ = api.call("POST", "/admin/places/p1/update-links/revoke", MODERATOR_75)
    assert (status, body) == (200, {"place_id": "p1", "generation": 2})
    status, body, _ = api.call("GET", "/self-update", link(revoked))
    assert status == 410
    assert body == {"code": "link_expired", "message": GONE_MESSAGE, "field": None}
    api.clock.set(NOW + timedelta(days=31))
    status, body, _ = api.call("POST", "/self-update/confirm", link(expiring), if_match=1)
    assert status == 410
    assert body["message"] == GONE_MESSAGE


def test_a_body_naming_another_place_is_403(api: Api) -> None:
    value = api.issue("p1")
    body = {"place_id": "p2", "description": "Détournement"}
    status, answer, _ = api.call("PATCH", "/self-update", link(value), body, if_match=1)
    assert status == 403
    assert answer["field"] == "place_id"
    status, _, _ = api.call(
        "POST", "/self-update/confirm", link(value), {"place_id": "p2"}, if_match=1
    )
    assert status == 403
    assert api.places.get("p2").version == 1


def test_too_many_writes_with_one_link_is_429(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPERE_SELF_UPDATE_WRITES_PER_HOUR", "2")
    get_settings.cache_clear()
    get_settings()  # read now, outside the Client's stage environment
    roots.refresh()
    value = api.issue()
    for version, minute in ((1, 1), (2, 2)):
        api.clock.set(NOW + timedelta(minutes=minute))
        assert api.call("POST", "/self-update/confirm", link(value), if_match=version)[0] == 200
    api.clock.set(NOW + timedelta(minutes=3))
    status, body, _ = api.call("POST", "/self-update/confirm", link(value), if_match=3)
    assert status == 429
    assert body["code"] == "too_many_writes"


def test_write_preconditions_and_bad_bodies(api: Api) -> None:
    value = api.issue()
    assert api.call("POST", "/self-update/confirm", link(value))[0] == 428
    api.call("POST", "/self-update/confirm", link(value), if_match=1)
    status, body, _ = api.call("POST", "/self-update/confirm", link(value), if_match=1)
    assert status == 409
    assert body["current_version"] == 2
    status, body, _ = api.call(
        "PATCH", "/self-update", link(value), {"status": "offline"}, if_match=2
    )
    assert (status, body["code"]) == (400, "unknown_parameter")
    status, body, _ = api.call("PATCH", "/self-update", link(value), {}, if_match=2)
    assert status == 400
    status, body, _ = api.call("PATCH", "/self-update", link(value), {"hours": None}, if_match=2)
    assert status == 400
    status, _, _ = api.call("GET", "/self-update?token=abc", link(value))
    assert status == 400


def test_issuing_follows_roles_and_territories(api: Api) -> None:
    assert api.call("POST", "/admin/places/p93/update-links", MODERATOR_75)[0] == 403
    assert api.call("POST", "/admin/places/p93/update-links", MODERATOR_93)[0] == 201
    assert api.call("POST", "/admin/places/p1/update-links", VOLUNTEER_75)[0] == 403
    assert api.call("POST", "/admin/places/p1/update-links/revoke", VOLUNTEER_75)[0] == 403
    assert api.call("POST", "/admin/places/p1/update-links")[0] == 401
    assert api.call("POST", "/admin/places/nope/update-links", ADMIN)[0] == 404
    assert api.call("POST", "/admin/places/bad%20id/update-links", ADMIN)[0] == 400
    status, body, _ = api.call("POST", "/admin/places/p1/update-links", ADMIN, {"x": 1})
    assert (status, body["code"]) == (400, "unknown_parameter")


def test_cors_answers_the_website_only(api: Api) -> None:
    value = api.issue()
    ok = api.call("GET", "/self-update", {**link(value), "Origin": "http://localhost:3000"})
    assert ok[2]["Access-Control-Allow-Origin"] == "http://localhost:3000"
    other = api.call("GET", "/self-update", {**link(value), "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other[2]
    preflight = api.call("OPTIONS", "/self-update", {"Origin": "http://localhost:3000"})
    assert preflight[0] == 204
    assert "PATCH" in preflight[2]["Access-Control-Allow-Methods"]


# Sections: a campaign's link asks its sections, an admin's link asks them all ----------------


def campaign_link(place_id: str, *sections: Section) -> dict[str, str]:
    """A link as a campaign issues it (the campaigns API tests mail them end to end)."""
    return link(
        roots.current().self_update_service.issue_unchecked(place_id, sections=sections).token
    )


def test_a_campaign_link_asks_its_sections_with_their_current_values(api: Api) -> None:
    headers = campaign_link("p1", Section.CONTACTS, Section.HOURS)
    status, view, _ = api.call("GET", "/self-update", headers)
    assert status == 200
    assert view["sections"] == [
        {"id": "hours", "fields": [{"name": "hours", "value": view["hours"]}]},
        {"id": "contacts", "fields": [{"name": "contacts", "value": view["contacts"]}]},
    ]


def test_a_link_outside_any_campaign_asks_every_section(api: Api) -> None:
    status, view, _ = api.call("GET", "/self-update", link(api.issue()))
    assert status == 200
    assert [section["id"] for section in view["sections"]] == [
        "hours",
        "temporary_info",
        "contacts",
        "description",
        "services",
    ]
    assert [field["name"] for field in view["sections"][1]["fields"]] == [
        "temporary_closure",
        "temporary_hours",
        "temporary_message",
    ]


def test_a_change_is_accepted_within_the_link_sections_only(api: Api) -> None:
    headers = campaign_link("p1", Section.TEMPORARY_INFO)
    closure = {"services": [{"id": "s1", "temporary_closure": {"start_date": "2026-11-03"}}]}
    status, error, _ = api.call("PATCH", "/self-update", headers, closure, if_match=1)
    assert status == 400
    assert error == {
        "code": "outside_sections",
        "message": error["message"],
        "field": "services",
    }
    assert "temporary_info" in error["message"]
    status, error, _ = api.call(
        "PATCH", "/self-update", headers, {"description": "Nouvelle"}, if_match=1
    )
    assert (status, error["code"], error["field"]) == (400, "outside_sections", "description")
    assert api.places.get("p1").version == 1  # nothing written
    message = {"temporary_message": {"start_date": "2026-11-02", "text": "Fermé le midi"}}
    status, view, _ = api.call("PATCH", "/self-update", headers, message, if_match=1)
    assert status == 200, view
    assert view["sections"][0]["fields"][2]["value"]["text"] == "Fermé le midi"
    status, history, _ = api.call("GET", "/admin/places/p1/history", ADMIN)
    assert history["entries"][0]["sections"] == ["temporary_info"]


def test_a_confirmation_records_the_sections_confirmed(api: Api) -> None:
    headers = campaign_link("p1", Section.HOURS, Section.DESCRIPTION)
    status, _, _ = api.call("POST", "/self-update/confirm", headers, if_match=1)
    assert status == 200
    status, history, _ = api.call("GET", "/admin/places/p1/history", ADMIN)
    assert status == 200
    entry = history["entries"][0]
    assert (entry["action"], entry["sections"]) == ("verified", ["hours", "description"])
    api.clock.set(NOW + timedelta(minutes=1))  # the same instant would change nothing
    status, _, _ = api.call("POST", "/self-update/confirm", link(api.issue()), if_match=2)
    assert status == 200
    assert api.places.history("p1", limit=1).entries[0].sections == tuple(Section)


SERVICE_HOURS = {
    "start_date": "2026-11-02",
    "end_date": "2026-11-30",
    "hours": {"monday": [{"start": "14:00", "end": "16:00"}]},
}
SERVICE_MESSAGE = {"start_date": "2026-11-02", "text": "Colis sur inscription"}


def test_a_structure_sets_its_services_temporary_hours_and_message(api: Api) -> None:
    """Issue 18, point 7: the services section carries each service's temporary hours and
    message as it carries its closure; a field left out is kept, null clears it."""
    headers = campaign_link("p1", Section.SERVICES)
    change = {
        "services": [
            {"id": "s1", "temporary_hours": SERVICE_HOURS, "temporary_message": SERVICE_MESSAGE}
        ]
    }
    status, view, _ = api.call("PATCH", "/self-update", headers, change, if_match=1)
    assert status == 200, view
    (service,) = view["services"]
    assert service["temporary_message"] == {**SERVICE_MESSAGE, "end_date": None}
    assert service["temporary_hours"]["end_date"] == "2026-11-30"
    assert service["temporary_closure"] is None
    (section,) = view["sections"]
    assert section["fields"][0]["value"][0]["temporary_message"]["text"] == "Colis sur inscription"
    status, history, _ = api.call("GET", "/admin/places/p1/history", ADMIN)
    assert history["entries"][0]["sections"] == ["services"]

    lift = {"services": [{"id": "s1", "temporary_message": None}]}
    status, view, _ = api.call("PATCH", "/self-update", headers, lift, if_match=2)
    assert status == 200, view
    assert view["services"][0]["temporary_message"] is None
    assert view["services"][0]["temporary_hours"] is not None  # not named: kept
    stored = api.places.get("p1").services[0]
    assert (stored.temporary_message, stored.temporary_hours is not None) == (None, True)


@pytest.mark.parametrize(
    ("case", "service", "code", "field"),
    [
        (
            "unknown service",
            {"id": "nope", "temporary_message": SERVICE_MESSAGE},
            "invalid_input",
            "services.id",
        ),
        ("nothing to set", {"id": "s1"}, "invalid_input", "services"),
        (
            "dates inverted",
            {"id": "s1", "temporary_hours": {**SERVICE_HOURS, "end_date": "2026-11-01"}},
            "invalid_parameter",
            None,
        ),
        (
            "empty message",
            {"id": "s1", "temporary_message": {**SERVICE_MESSAGE, "text": ""}},
            "invalid_parameter",
            None,
        ),
        (
            "message too long",
            {"id": "s1", "temporary_message": {**SERVICE_MESSAGE, "text": "x" * 1001}},
            "invalid_parameter",
            None,
        ),
    ],
)
def test_bad_service_temporary_information_through_self_update_is_a_400(
    api: Api, case: str, service: dict[str, Any], code: str, field: str | None
) -> None:
    status, error, _ = api.call(
        "PATCH", "/self-update", link(api.issue()), {"services": [service]}, if_match=1
    )
    assert status == 400, (case, error)
    assert set(error) == {"code", "message", "field"}
    assert error["code"] == code, (case, error)
    if field is not None:
        assert error["field"] == field, (case, error)
    else:
        assert error["field"].startswith("services"), (case, error)
    assert api.places.get("p1").version == 1


def test_a_stale_service_change_through_self_update_is_a_409(api: Api) -> None:
    value = api.issue()
    change = {"services": [{"id": "s1", "temporary_message": SERVICE_MESSAGE}]}
    assert api.call("PATCH", "/self-update", link(value), change, if_match=1)[0] == 200
    status, error, _ = api.call("PATCH", "/self-update", link(value), change, if_match=1)
    assert (status, error["code"]) == (409, "version_conflict")
    assert api.places.get("p1").version == 2
