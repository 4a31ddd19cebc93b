"""A service's own temporary hours and message (issue 18, point 7) through the admin edit
route: set, read back, recorded in the history, visible on the public page, cleared; bad
input is a 4xx JSON error and a stale version a 409, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.places.models import Service
from tests.builders import make_place
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75, AdminApi

# The clock reads Tuesday 17 March 2020, 12:00 in Paris.
MORNINGS = {"tuesday": [{"start": "08:00", "end": "10:00"}]}
AFTERNOONS = {"tuesday": [{"start": "11:00", "end": "13:00"}]}
TEMPORARY_HOURS = {"start_date": "2020-03-16", "end_date": "2020-03-31", "hours": AFTERNOONS}
MESSAGE = {"start_date": "2020-03-17", "end_date": "2020-03-31", "text": "Douches sur inscription"}


def services(shower: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": "meal", "category": "seated_meal"},
        {"id": "shower", "category": "shower", "hours": MORNINGS, **shower},
    ]


def seed(api: AdminApi) -> None:
    shower = Service.model_validate(services({})[1])
    meal = Service(id="meal", category="seated_meal")
    api.places.load_fresh([make_place("p1", services=[meal, shower])])


def test_set_show_and_clear_a_services_temporary_hours_and_message(admin_api: AdminApi) -> None:
    seed(admin_api)
    change = {
        "services": services({"temporary_hours": TEMPORARY_HOURS, "temporary_message": MESSAGE})
    }

    status, place, headers = admin_api.call(
        "PATCH", "/admin/places/p1", MODERATOR_75, change, if_match=1
    )

    assert (status, headers["ETag"]) == (200, '"2"'), place
    shower = place["services"][1]
    temporary = shower["temporary_hours"]
    assert (temporary["start_date"], temporary["end_date"]) == ("2020-03-16", "2020-03-31")
    assert temporary["hours"]["tuesday"] == AFTERNOONS["tuesday"]
    assert shower["temporary_message"] == MESSAGE
    _, history, _ = admin_api.call("GET", "/admin/places/p1/history", ADMIN)
    (changed,) = history["entries"][0]["changes"]
    assert changed["field"] == "services"
    assert changed["after"][1]["temporary_message"]["text"] == "Douches sur inscription"

    page = json.loads(admin_api.client.http.get("/places/p1").body)
    public = page["services"][1]
    assert public["temporary_message"]["text"] == "Douches sur inscription"
    assert public["temporary_hours"]["text_fr"] == "mardi - 11h-13h"
    assert public["state"]["open_now"] is True  # 12:00: its temporary hours, not its 8h-10h
    assert page["services"][0]["temporary_message"] is None
    assert page["temporary_message"] is None  # the place's own message is not the service's

    cleared = {"services": services({"temporary_hours": None, "temporary_message": None})}
    status, place, _ = admin_api.call(
        "PATCH", "/admin/places/p1", MODERATOR_75, cleared, if_match=2
    )
    assert status == 200, place
    assert (place["services"][1]["temporary_hours"], place["services"][1]["temporary_message"]) == (
        None,
        None,
    )
    public = json.loads(admin_api.client.http.get("/places/p1").body)["services"][1]
    assert public["state"]["open_now"] is False


BAD_SHOWERS = [
    (
        "dates inverted",
        {"temporary_hours": {**TEMPORARY_HOURS, "start_date": "2020-04-01"}},
        "invalid_parameter",
    ),
    (
        "message dates inverted",
        {"temporary_message": {**MESSAGE, "end_date": "2020-03-01"}},
        "invalid_parameter",
    ),
    ("empty message", {"temporary_message": {**MESSAGE, "text": ""}}, "invalid_parameter"),
    (
        "message too long",
        {"temporary_message": {**MESSAGE, "text": "x" * 1001}},
        "invalid_parameter",
    ),
    (
        "message without text",
        {"temporary_message": {"start_date": "2020-03-17"}},
        "invalid_parameter",
    ),
    (
        "bad slot",
        {"temporary_hours": {**TEMPORARY_HOURS, "hours": {"tuesday": [{"start": "25:00"}]}}},
        "invalid_parameter",
    ),
    (
        "unknown field",
        {"temporary_hours": {**TEMPORARY_HOURS, "colour": "blue"}},
        "unknown_parameter",
    ),
]


@pytest.mark.parametrize(("case", "shower", "code"), BAD_SHOWERS)
def test_bad_service_temporary_information_is_a_400(
    admin_api: AdminApi, case: str, shower: dict[str, Any], code: str
) -> None:
    seed(admin_api)

    status, error, _ = admin_api.call(
        "PATCH", "/admin/places/p1", ADMIN, {"services": services(shower)}, if_match=1
    )

    assert status == 400, (case, error)
    assert set(error) == {"code", "message", "field"}
    assert error["code"] == code, (case, error)
    assert error["field"] is not None and error["field"].startswith("services"), (case, error)
    assert admin_api.places.get("p1").version == 1


def test_an_unknown_service_category_is_a_400(admin_api: AdminApi) -> None:
    seed(admin_api)
    unknown = [*services({"temporary_message": MESSAGE})[:1], {"id": "x", "category": "nope"}]

    status, error, _ = admin_api.call(
        "PATCH", "/admin/places/p1", ADMIN, {"services": unknown}, if_match=1
    )

    assert (status, error["code"], error["field"]) == (400, "invalid_input", "services.category")


def test_a_stale_version_is_a_409_and_writes_nothing(admin_api: AdminApi) -> None:
    seed(admin_api)
    first = {"services": services({"temporary_message": MESSAGE})}
    assert admin_api.call("PATCH", "/admin/places/p1", ADMIN, first, if_match=1)[0] == 200

    second = {"services": services({"temporary_hours": TEMPORARY_HOURS})}
    status, error, _ = admin_api.call("PATCH", "/admin/places/p1", MODERATOR_75, second, if_match=1)

    assert (status, error["code"]) == (409, "version_conflict")
    stored = admin_api.places.get("p1")
    assert stored.version == 2
    assert stored.services[1].temporary_hours is None
    assert stored.services[1].temporary_message is not None
