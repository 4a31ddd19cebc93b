"""A service's own temporary hours and message (issue 18, point 7) through the public API: the
place page shows them with the service while current, the service's state follows them, and
an open-now search by category takes them into account as it takes closures."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.hours.models import TemporaryHours, TemporaryMessage, TimeSlot, WeeklyHours
from chalicelib.domain.places.models import Service
from tests.integration.conftest import Api
from tests.integration.test_public_api import (
    AFTERNOONS,
    BASE,
    EVENINGS,
    add,
    body,
    get,
    ids,
    search,
)

# The clock reads Tuesday 1 December 2026, 20:45 in Paris: EVENINGS (Tu, Th 20:00-21:30) open.
DECEMBER = TemporaryHours(
    start_date=date(2026, 11, 30), end_date=date(2026, 12, 6), hours=AFTERNOONS
)
SHOWER_MESSAGE = TemporaryMessage(
    start_date=date(2026, 11, 30),
    end_date=date(2026, 12, 6),
    text="Douches : serviettes à apporter",
)
OLD_MESSAGE = TemporaryMessage(
    start_date=date(2026, 11, 1), end_date=date(2026, 11, 30), text="Message échu"
)


def services(shower: dict[str, Any]) -> list[Service]:
    return [
        Service(id="meal", category="seated_meal"),
        Service.model_validate({"id": "shower", "category": "shower", **shower}),
    ]


def test_place_page_shows_a_services_own_temporary_hours_and_message_while_current(
    api: Api,
) -> None:
    add(
        api,
        "p",
        hours=EVENINGS,
        temporary_message=TemporaryMessage(start_date=date(2026, 11, 1), text="Message du lieu"),
        services=services({"temporary_hours": DECEMBER, "temporary_message": SHOWER_MESSAGE}),
    )

    payload = body(get(api, "/places/p"))

    meal, shower = payload["services"]
    assert payload["state"]["open_now"] is True
    assert payload["temporary_message"]["text"] == "Message du lieu"
    assert meal["state"]["open_now"] is True
    assert (meal["temporary_hours"], meal["temporary_message"]) == (None, None)
    assert shower["state"]["open_now"] is False  # its own hours, 14h-19h, win this week
    assert shower["state"]["today"]["source"] == "temporary"
    assert shower["state"]["today"]["text"] == "14h-19h"
    assert shower["temporary_hours"]["text_fr"] == "lundi, mardi, vendredi - 14h-19h"
    assert shower["temporary_hours"]["end_date"] == "2026-12-06"
    assert shower["temporary_message"]["text"] == "Douches : serviettes à apporter"


def test_a_services_message_and_hours_are_hidden_outside_their_dates(api: Api) -> None:
    later = DECEMBER.model_copy(update={"start_date": date(2026, 12, 7), "end_date": None})
    add(
        api,
        "p",
        hours=EVENINGS,
        services=services({"temporary_hours": later, "temporary_message": OLD_MESSAGE}),
    )

    shower = body(get(api, "/places/p"))["services"][1]

    assert (shower["temporary_hours"], shower["temporary_message"]) == (None, None)
    assert shower["state"]["open_now"] is True  # follows the place until the 7th
    assert shower["state"]["next_opening"] is None


def test_open_now_search_by_category_follows_a_services_own_temporary_hours(api: Api) -> None:
    add(api, "p", hours=EVENINGS, services=services({"temporary_hours": DECEMBER}))
    night = WeeklyHours(tuesday=[TimeSlot(start="20:00", end="23:00")])
    add(
        api,
        "q",
        north_m=100,
        services=services({"temporary_hours": DECEMBER.model_copy(update={"hours": night})}),
    )

    assert ids(search(api, f"{BASE}&open=now&category=seated_meal")) == ["p"]
    assert ids(search(api, f"{BASE}&open=now&category=shower")) == ["q"]
    assert ids(search(api, f"{BASE}&open=any&category=shower")) == ["p", "q"]


def test_search_results_are_unchanged_by_service_level_temporary_data(api: Api) -> None:
    """A search result carries the place's temporary information only (the services' are
    on the place page): the same bytes with or without them."""
    add(api, "p", hours=EVENINGS, services=services({}))
    before = get(api, f"/search?{BASE}").body
    api.places.places.clear()
    add(
        api,
        "p",
        hours=EVENINGS,
        services=services({"temporary_hours": DECEMBER, "temporary_message": SHOWER_MESSAGE}),
    )

    assert get(api, f"/search?{BASE}").body == before
    shower = body(get(api, "/places/p"))["services"][1]
    assert shower["temporary_message"]["text"] == SHOWER_MESSAGE.text  # the new place is read
