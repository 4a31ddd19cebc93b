"""Back-office place routes: create, read with ETag, edit with If-Match, verify, soft delete,
history, listing; and bad input on every one of them."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.places.models import PlaceStatus
from tests.builders import make_place
from tests.integration.backoffice.conftest import (
    ADMIN,
    LOCKDOWN,
    MODERATOR_75,
    VOLUNTEER_75,
    AdminApi,
    bearer,
    token,
)

NEW_PLACE: dict[str, Any] = {
    "name": "Halte Solidaire",
    "address": {
        "street": "3 rue de Flandre",
        "postal_code": "75019",
        "city": "Paris",
        "department_code": "75",
    },
    "location": {"lat": 48.886, "lon": 2.372},
    "services": [{"id": "s1", "category": "food_distribution"}],
    "internal_note": "clé chez la gardienne",
}


def seed(api: AdminApi, place_id: str = "p1", **fields: Any) -> None:
    api.places.load_fresh([make_place(place_id, **fields)])


def test_create_read_edit_history_round_trip(admin_api: AdminApi) -> None:
    status, created, headers = admin_api.call(
        "POST", "/admin/places", VOLUNTEER_75, {**NEW_PLACE, "comment": "signalé par maraude"}
    )
    assert status == 201
    assert (headers["ETag"], headers["Location"]) == ('"1"', "/admin/places/id1")
    assert (created["status"], created["internal_note"]) == ("draft", "clé chez la gardienne")

    status, read, headers = admin_api.call("GET", "/admin/places/id1", VOLUNTEER_75)
    assert (status, headers["ETag"], headers["Cache-Control"]) == (200, '"1"', "no-store")
    assert read == created

    status, edited, headers = admin_api.call(
        "PATCH",
        "/admin/places/id1",
        VOLUNTEER_75,
        {"description": "Petit-déjeuner", "comment": "précision"},
        if_match=1,
    )
    assert (status, edited["description"], headers["ETag"]) == (200, "Petit-déjeuner", '"2"')

    status, history, _ = admin_api.call("GET", "/admin/places/id1/history", VOLUNTEER_75)
    assert status == 200
    assert [(e["version"], e["action"], e["comment"]) for e in history["entries"]] == [
        (2, "edited", "précision"),
        (1, "created", "signalé par maraude"),
    ]
    assert history["entries"][0]["changes"] == [
        {"field": "description", "before": None, "after": "Petit-déjeuner"}
    ]
    assert history["entries"][0]["actor"] == {
        "subject": "vol-75",
        "role": "volunteer",
        "display_name": "Test volunteer",
    }


def test_writes_without_if_match_get_428(admin_api: AdminApi) -> None:
    seed(admin_api)

    for method, path, body in [
        ("PATCH", "/admin/places/p1", {"name": "x"}),
        ("DELETE", "/admin/places/p1", None),
        ("POST", "/admin/places/p1/verify", None),
    ]:
        status, payload, _ = admin_api.call(method, path, ADMIN, body)
        assert (status, payload["code"], payload["field"]) == (428, "version_required", "If-Match")
    assert admin_api.places.get("p1").version == 1


@pytest.mark.parametrize("if_match", ['"abc"', "*", '"1", "2"', "-1"])
def test_a_malformed_if_match_is_a_400(admin_api: AdminApi, if_match: str) -> None:
    seed(admin_api)

    status, payload, _ = admin_api.call(
        "PATCH", "/admin/places/p1", ADMIN, {"name": "x"}, if_match=if_match
    )

    assert (status, payload["code"]) == (400, "invalid_etag")


def test_two_editors_with_the_same_etag_exactly_one_wins(admin_api: AdminApi) -> None:
    seed(admin_api)
    _, _, headers = admin_api.call("GET", "/admin/places/p1", ADMIN)
    etag = headers["ETag"]

    first = admin_api.call("PATCH", "/admin/places/p1", ADMIN, {"name": "A"}, if_match=etag)
    second = admin_api.call("PATCH", "/admin/places/p1", MODERATOR_75, {"name": "B"}, if_match=etag)

    assert first[0] == 200
    assert second[0] == 409
    assert (second[1]["code"], second[1]["current_version"], second[2]["ETag"]) == (
        "version_conflict",
        2,
        '"2"',
    )
    _, history, _ = admin_api.call("GET", "/admin/places/p1/history", ADMIN)
    assert [entry["actor"]["subject"] for entry in history["entries"]] == ["admin-1"]
    assert admin_api.places.get("p1").name == "A"


def test_status_closure_hours_and_message_through_patch(admin_api: AdminApi) -> None:
    seed(admin_api, status=PlaceStatus.DRAFT)
    hours = {"tuesday": [{"start": "10:00", "end": "12:00"}]}

    steps = [
        {"status": "online"},
        {"temporary_closure": {"start_date": "2020-03-17", "reason": "Confinement"}},
        {"temporary_hours": {"start_date": "2020-03-17", "end_date": "2020-05-11", "hours": hours}},
        {"temporary_message": {"start_date": "2020-03-17", "text": "Sur rendez-vous"}},
        {"temporary_closure": None, "temporary_hours": None, "temporary_message": None},
    ]
    for version, step in enumerate(steps, start=1):
        status, place, _ = admin_api.call(
            "PATCH", "/admin/places/p1", MODERATOR_75, step, if_match=version
        )
        assert status == 200, place

    assert place["status"] == "online"
    assert (place["temporary_closure"], place["temporary_hours"], place["temporary_message"]) == (
        None,
        None,
        None,
    )
    assert place["version"] == 6


def test_verify_and_soft_delete(admin_api: AdminApi) -> None:
    seed(admin_api)

    status, verified, _ = admin_api.call(
        "POST", "/admin/places/p1/verify", MODERATOR_75, {"comment": "appelé"}, if_match=1
    )
    assert (status, verified["verified_at"], verified["version"]) == (
        200,
        LOCKDOWN.isoformat().replace("+00:00", "Z"),
        2,
    )
    status, deleted, _ = admin_api.call("DELETE", "/admin/places/p1", MODERATOR_75, if_match=2)
    assert (status, deleted["status"]) == (200, "offline")
    # Offline for the public, still there for the back office.
    assert admin_api.client.http.get("/places/p1").status_code == 404
    assert admin_api.call("GET", "/admin/places/p1", MODERATOR_75)[0] == 200


@pytest.mark.parametrize(
    ("headers", "place_department", "expected"),
    [
        (ADMIN, "13", 200),
        (MODERATOR_75, "75", 200),
        (MODERATOR_75, "13", 403),
        (VOLUNTEER_75, "75", 403),  # not its draft
    ],
)
def test_read_scope(
    admin_api: AdminApi, headers: dict[str, str], place_department: str, expected: int
) -> None:
    postal = {"75": "75019", "13": "13001"}[place_department]
    seed(admin_api, department=place_department, postal_code=postal, city_code=None)

    status, body, _ = admin_api.call("GET", "/admin/places/p1", headers)

    assert status == expected
    if expected == 403:
        assert body["code"] == "out_of_scope"


def test_listing_pages_and_filters(admin_api: AdminApi) -> None:
    admin_api.places.load_fresh(
        [make_place(f"p{number:02d}", organisation="Restos du Cœur") for number in range(7)]
        + [make_place("draft", status=PlaceStatus.DRAFT)]
    )

    status, first, _ = admin_api.call("GET", "/admin/places?department=75&limit=5", ADMIN)
    _, second, _ = admin_api.call(
        "GET", f"/admin/places?department=75&limit=5&cursor={first['next_cursor']}", ADMIN
    )
    _, drafts, _ = admin_api.call("GET", "/admin/places?status=draft", MODERATOR_75)
    _, by_org, _ = admin_api.call("GET", "/admin/places?organisation=restos%20du%20coeur", ADMIN)

    assert status == 200
    assert len(first["places"]) == 5
    assert second["next_cursor"] is None
    assert len(first["places"]) + len(second["places"]) == 8
    assert [row["id"] for row in drafts["places"]] == ["draft"]
    assert len(by_org["places"]) == 7
    assert set(first["places"][0]) == {
        "id",
        "name",
        "status",
        "department",
        "postal_code",
        "city",
        "organisation",
        "categories",
        "verified_at",
        "updated_at",
        "version",
    }


WRITE_BODY_CASES = [
    ("not json", "{nope", "invalid_body"),
    ("array", "[1, 2]", "invalid_body"),
    ("unknown field", {"colour": "blue"}, "unknown_parameter"),
    ("bad type", {"name": 12}, "invalid_parameter"),
    ("bad nested", {"address": {"street": "x"}}, "invalid_parameter"),
    ("null name", {"name": None}, "invalid_input"),
    ("bad comment", {"name": "x", "comment": 5}, "invalid_input"),
]


@pytest.mark.parametrize(("case", "body", "code"), WRITE_BODY_CASES)
def test_bad_bodies_are_4xx_json(admin_api: AdminApi, case: str, body: Any, code: str) -> None:
    seed(admin_api)

    for method, path in [("PATCH", "/admin/places/p1"), ("POST", "/admin/places")]:
        status, payload, _ = admin_api.call(method, path, ADMIN, body, if_match=1)
        assert status == 400, (method, case, payload)
        if method == "PATCH":
            assert payload["code"] == code, (case, payload)
        assert set(payload) == {"code", "message", "field"}
    assert admin_api.places.get("p1").version == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/admin/places", None, "invalid_input"),  # no department/status/organisation
        ("GET", "/admin/places?department=99", None, "invalid_parameter"),
        ("GET", "/admin/places?status=sleeping&department=75", None, "invalid_parameter"),
        ("GET", "/admin/places?department=75&limit=0", None, "invalid_parameter"),
        ("GET", "/admin/places?department=75&limit=5000", None, "invalid_input"),
        ("GET", "/admin/places?department=75&cursor=zzz", None, "invalid_cursor"),
        ("GET", "/admin/places?department=75&not_verified_since=yesterday", None, None),
        ("GET", "/admin/places?department=75&colour=red", None, "unknown_parameter"),
        ("GET", "/admin/places?department=75&category=nope", None, None),
        ("GET", "/admin/places/bad%20id", None, "invalid_input"),
        ("GET", "/admin/places/p1?x=1", None, "unknown_parameter"),
        ("GET", "/admin/places/p1/history?limit=abc", None, "invalid_parameter"),
        ("GET", "/admin/places/p1/history?before=0", None, "invalid_parameter"),
        ("POST", "/admin/places/p1/verify", {"extra": 1}, "unknown_parameter"),
        ("DELETE", "/admin/places/p1", {"extra": 1}, "unknown_parameter"),
        ("POST", "/admin/places", {}, "invalid_input"),
        ("GET", "/admin/me?x=1", None, "unknown_parameter"),
    ],
)
def test_bad_requests_are_4xx_json(
    admin_api: AdminApi, method: str, path: str, body: Any, code: str | None
) -> None:
    seed(admin_api)

    status, payload, _ = admin_api.call(method, path, ADMIN, body, if_match=1)

    assert 400 <= status < 500
    assert set(payload) == {"code", "message", "field"}
    if code is not None:
        assert payload["code"] == code


def test_unknown_places_are_404(admin_api: AdminApi) -> None:
    for method, path in [
        ("GET", "/admin/places/nope"),
        ("PATCH", "/admin/places/nope"),
        ("DELETE", "/admin/places/nope"),
        ("POST", "/admin/places/nope/verify"),
        ("GET", "/admin/places/nope/history"),
    ]:
        body = {"name": "x"} if method == "PATCH" else None
        status, payload, _ = admin_api.call(method, path, ADMIN, body, if_match=1)
        assert (status, payload["code"]) == (404, "not_found"), (method, path)


def test_a_volunteer_cannot_publish_its_draft(admin_api: AdminApi) -> None:
    _, created, _ = admin_api.call("POST", "/admin/places", VOLUNTEER_75, NEW_PLACE)

    status, body, _ = admin_api.call(
        "PATCH", f"/admin/places/{created['id']}", VOLUNTEER_75, {"status": "online"}, if_match=1
    )
    other_volunteer = bearer(token("volunteer", ("75",), "vol-other"))
    status_other, _, _ = admin_api.call("GET", f"/admin/places/{created['id']}", other_volunteer)

    assert (status, body["code"]) == (403, "role_required")
    assert status_other == 403
