"""The public API end to end on DynamoDB (moto): the README's first curl, on the leaflet data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from devtools.demo_data import leaflet_places
from tests import composition_support as roots
from tests.conftest import TEST_TABLE_PREFIX
from tests.integration.conftest import TUESDAY_EVENING


@pytest.fixture
def client(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from app import app

    # The composition root builds the DynamoDB adapters from the settings, as in Lambda.
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    roots.reset()
    roots.use(clock=FixedClock(TUESDAY_EVENING))
    roots.current().adapters.places.load_fresh(leaflet_places(TUESDAY_EVENING))
    try:
        with Client(app) as test_client:
            yield test_client
    finally:
        roots.reset()
        get_settings.cache_clear()


def get_json(client: Client, path: str) -> Any:
    response = client.http.get(path)
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_food_search_lists_leaflet_places_nearest_first_with_status_and_temporary_info(
    client: Client,
) -> None:
    payload = get_json(client, "/search?lat=48.8867&lon=2.3795&radius_km=2&category=food")
    results = payload["results"]
    assert payload["total"] == len(results) > 10
    distances = [result["distance_m"] for result in results]
    assert distances == sorted(distances)
    assert all(distance <= 2000 for distance in distances)
    assert all(result["id"].startswith("pne-") for result in results)
    by_id = {result["id"]: result for result in results}
    # Tuesday 20:45: the Rosa Parks food truck (Tuesday-Friday 20h-21h30) is serving.
    assert by_id["pne-11"]["open_now"] is True
    assert by_id["pne-11"]["today"]["text"] == "20h-21h30"
    # Restaurant solidaire Meaux (Monday-Saturday 14h-19h) closed at 19h.
    assert by_id["pne-04"]["open_now"] is False
    assert by_id["pne-01"]["temporary_message"]["text"].startswith("70 places au lieu de 140")
    # The temporarily closed leaflet entry (La Gabelle de Jaurès) is hidden by default.
    assert "pne-15" not in by_id


def test_open_now_and_pagination_on_dynamodb(client: Client) -> None:
    open_now = get_json(client, "/search?lat=48.8867&lon=2.3795&radius_km=5&open=now")
    assert open_now["results"]
    assert all(result["open_now"] for result in open_now["results"])
    everything = get_json(client, "/search?lat=48.8867&lon=2.3795&radius_km=5&limit=100")
    expected = [result["id"] for result in everything["results"]]
    seen: list[str] = []
    cursor = ""
    while True:
        page = get_json(client, f"/search?lat=48.8867&lon=2.3795&radius_km=5&limit=7{cursor}")
        seen.extend(result["id"] for result in page["results"])
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == expected


def test_place_page_and_department_listing_on_dynamodb(client: Client) -> None:
    place = get_json(client, "/places/pne-29")
    assert place["name"] == "Épicerie Solidaire de la Croix-Rouge"
    assert place["hours"]["text_fr"] == "mardi - 17h-20h - samedi - 10h-12h30"
    assert "internal_note" not in json.dumps(place)
    listing = get_json(client, "/territories/75/places?category=food")
    groups = [group["category"]["id"] for group in listing["groups"]]
    assert groups[0] == "seated_meal"
    assert "social_grocery" in groups
    missing = client.http.get("/places/pne-99")
    assert missing.status_code == 404
