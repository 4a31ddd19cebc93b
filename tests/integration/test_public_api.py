"""The public read API through Chalice's test client, over in-memory fakes at a fixed instant."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.domain.hours.models import (
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import PlaceStatus
from tests.builders import PARIS_19, make_place, offset_point
from tests.integration.conftest import Api

EVENINGS = WeeklyHours(
    tuesday=[TimeSlot(start="20:00", end="21:30")],
    thursday=[TimeSlot(start="20:00", end="21:30")],
)
AFTERNOONS = WeeklyHours(
    **{day: [TimeSlot(start="14:00", end="19:00")] for day in ("monday", "tuesday", "friday")}
)


def get(api: Api, path: str, **headers: str) -> Any:
    return api.client.http.get(path, headers=headers)


def body(response: Any) -> Any:
    return json.loads(response.body)


def add(api: Api, place_id: str, north_m: float = 0, east_m: float = 0, **fields: Any) -> None:
    point = offset_point(PARIS_19, north_m, east_m)
    fields.setdefault("lat", point.lat)
    fields.setdefault("lon", point.lon)
    api.places.add(make_place(place_id, **fields))


def search(api: Api, query: str) -> Any:
    response = get(api, f"/search?{query}")
    assert response.status_code == 200, response.body
    return body(response)


def ids(payload: Any) -> list[str]:
    return [result["id"] for result in payload["results"]]


def assert_error(response: Any, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.body
    error = body(response)
    assert set(error) == {"code", "message", "field"}
    assert error["code"] == code
    assert error["field"] == field
    assert error["message"]


BASE = "lat=48.8867&lon=2.3795"


def test_health_answers_ok(api: Api) -> None:
    response = get(api, "/health")
    assert response.status_code == 200
    assert body(response) == {"status": "ok"}


def test_categories_are_a_tree_with_french_and_english_labels(api: Api) -> None:
    payload = body(get(api, "/categories"))
    food = next(node for node in payload["categories"] if node["id"] == "food")
    assert food["labels"] == {"fr": "Alimentation", "en": "Food"}
    assert {child["id"] for child in food["children"]} >= {
        "seated_meal",
        "food_distribution",
        "food_packages",
        "social_grocery",
        "breakfast",
        "food_voucher",
        "solidarity_fridge",
    }


def test_public_get_answers_304_when_the_etag_is_current(api: Api) -> None:
    first = get(api, "/categories")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = get(api, "/categories", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body in (b"", "")
    changed = get(api, "/categories", **{"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_search_lists_nearest_first_with_distances(api: Api) -> None:
    add(api, "far", north_m=1500)
    add(api, "near", north_m=200)
    add(api, "middle", east_m=-800)
    payload = search(api, f"{BASE}&radius_km=2")
    assert ids(payload) == ["near", "middle", "far"]
    distances = [result["distance_m"] for result in payload["results"]]
    assert distances == sorted(distances)
    assert 190 <= distances[0] <= 210
    assert payload["total"] == 3
    assert payload["next_cursor"] is None


def test_search_excludes_places_beyond_the_radius(api: Api) -> None:
    add(api, "inside", north_m=900)
    add(api, "outside", north_m=1100)
    assert ids(search(api, f"{BASE}&radius_km=1")) == ["inside"]


@pytest.mark.parametrize(
    "status", [PlaceStatus.DRAFT, PlaceStatus.OFFLINE, PlaceStatus.PERMANENTLY_CLOSED]
)
def test_search_never_returns_places_that_are_not_online(api: Api, status: PlaceStatus) -> None:
    add(api, "hidden", north_m=100, status=status)
    add(api, "shown", north_m=200)
    assert ids(search(api, f"{BASE}&open=any")) == ["shown"]


def test_search_hides_temporarily_closed_places_by_default(api: Api) -> None:
    closure = TemporaryClosure(start_date=date(2026, 11, 20), reason="Travaux")
    add(api, "closed", north_m=100, temporary_closure=closure)
    add(api, "open", north_m=200)
    assert ids(search(api, BASE)) == ["open"]
    shown = search(api, f"{BASE}&open=any")
    assert ids(shown) == ["closed", "open"]
    closed = shown["results"][0]
    assert closed["status"] == "temporarily_closed"
    assert closed["temporary_closure"]["reason"] == "Travaux"


def test_search_shows_a_place_again_once_its_closure_has_ended(api: Api) -> None:
    closure = TemporaryClosure(
        start_date=date(2026, 11, 1), end_date=date(2026, 11, 30), reason="Congés"
    )
    add(api, "reopened", temporary_closure=closure)
    assert ids(search(api, BASE)) == ["reopened"]


def test_open_now_keeps_only_places_open_at_this_instant(api: Api) -> None:
    add(api, "evening-truck", north_m=100, hours=EVENINGS)
    add(api, "afternoon-canteen", north_m=200, hours=AFTERNOONS)
    payload = search(api, f"{BASE}&open=now")
    assert ids(payload) == ["evening-truck"]
    assert payload["results"][0]["open_now"] is True
    everything = search(api, f"{BASE}&open=any")
    canteen = everything["results"][1]
    assert canteen["open_now"] is False
    assert canteen["today"]["text"] == "14h-19h"
    assert canteen["next_opening"].startswith("2026-12-04T14:00")  # Friday


def test_open_today_keeps_places_still_to_open_or_open_today(api: Api) -> None:
    add(api, "evening-truck", north_m=100, hours=EVENINGS)
    add(api, "afternoon-canteen", north_m=200, hours=AFTERNOONS)  # Tuesday 14h-19h: over
    add(api, "thursday-only", north_m=300, hours=WeeklyHours(thursday=EVENINGS.thursday))
    assert ids(search(api, f"{BASE}&open=today")) == ["evening-truck"]


def test_category_matches_its_descendants(api: Api) -> None:
    add(api, "meal", north_m=100, categories=["seated_meal"])
    add(api, "packages", north_m=200, categories=["food_packages"])
    add(api, "shower", north_m=300, categories=["shower"])
    assert ids(search(api, f"{BASE}&category=food")) == ["meal", "packages"]
    assert ids(search(api, f"{BASE}&category=shower&category=seated_meal")) == ["meal", "shower"]


def test_facets_count_categories_without_the_category_filter(api: Api) -> None:
    add(api, "meal", north_m=100, categories=["seated_meal"])
    add(api, "shower", north_m=300, categories=["shower", "toilets"])
    facets = search(api, f"{BASE}&category=food")["facets"]["categories"]
    assert facets["food"] == 1
    assert facets["seated_meal"] == 1
    assert facets["hygiene"] == 1
    assert facets["shower"] == 1


def test_text_search_ignores_case_and_accents(api: Api) -> None:
    add(api, "grocery", north_m=100, name="Épicerie Solidaire de la Croix-Rouge")
    add(api, "restos", north_m=200, name="Restos du Cœur du 19e", organisation="Restos du Cœur")
    add(api, "other", north_m=300, name="Bains-douches Oberkampf")
    assert ids(search(api, f"{BASE}&q=EPICERIE")) == ["grocery"]
    assert ids(search(api, f"{BASE}&q=coeur")) == ["restos"]
    assert ids(search(api, f"{BASE}&q=douche")) == ["other"]  # a word prefix: "douches"


def test_text_search_ranks_name_matches_above_description_matches(api: Api) -> None:
    add(api, "mention", north_m=100, name="Accueil Belleville", description="Douches le lundi")
    add(api, "named", north_m=900, name="Bains-douches de la Mare")
    assert ids(search(api, f"{BASE}&q=douches")) == ["named", "mention"]


def test_text_search_finds_category_labels_in_both_languages(api: Api) -> None:
    add(api, "shower", north_m=100, name="Halte", categories=["shower"])
    assert ids(search(api, f"{BASE}&q=shower")) == ["shower"]
    assert ids(search(api, f"{BASE}&q=hygiene")) == ["shower"]


def test_cursor_pages_through_every_result_once_in_order(api: Api) -> None:
    for number in range(7):
        add(api, f"p{number}", north_m=100 * (number + 1))
    expected = ids(search(api, f"{BASE}&limit=100"))
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = f"{BASE}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = search(api, query)
        assert page["total"] == 7
        seen.extend(ids(page))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_territory_search_by_department_postal_code_and_city_code(api: Api) -> None:
    add(api, "paris19", name="B")
    add(api, "paris10", name="A", postal_code="75010", city_code="75110")
    add(
        api,
        "bordeaux",
        lat=44.84,
        lon=-0.58,
        department="33",
        postal_code="33000",
        city_code="33063",
        name="C",
    )
    assert ids(search(api, "department=75")) == ["paris10", "paris19"]  # by name
    assert ids(search(api, "postal_code=75019")) == ["paris19"]
    assert ids(search(api, "city_code=33063")) == ["bordeaux"]
    assert search(api, "department=75")["results"][0]["distance_m"] is None


def test_a_result_carries_what_a_kiosk_shows_its_phone_and_closing_time(api: Api) -> None:
    """Issue 18: one search answers a kiosk's screen, no call per place. Tuesday 20:45 in
    Paris: the evening truck is open until 21:30; the canteen is closed (no closes_at)."""
    phones = {"phones": [{"label": "accueil", "number": "01 42 00 00 00"}, {"number": "0600"}]}
    add(api, "evening-truck", north_m=100, hours=EVENINGS, contacts=phones)
    add(api, "afternoon-canteen", north_m=200, hours=AFTERNOONS)
    truck, canteen = search(api, f"{BASE}&open=any")["results"]
    assert truck["open_now"] is True
    assert truck["closes_at"].startswith("2026-12-01T21:30")
    assert truck["phone"] == {"label": "accueil", "number": "01 42 00 00 00"}
    assert canteen["open_now"] is False
    assert (canteen["closes_at"], canteen["phone"]) == (None, None)
    listing = body(get(api, "/territories/75/places?open=any"))
    listed = {p["id"]: p for group in listing["groups"] for p in group["places"]}
    assert listed["evening-truck"]["phone"] == truck["phone"]


def test_search_results_carry_temporary_information(api: Api) -> None:
    message = TemporaryMessage(start_date=date(2026, 11, 1), text="70 places au lieu de 140")
    temporary = TemporaryHours(
        start_date=date(2026, 11, 1), end_date=date(2026, 12, 31), hours=EVENINGS
    )
    add(api, "p", temporary_message=message, temporary_hours=temporary)
    result = search(api, BASE)["results"][0]
    assert result["temporary_message"]["text"] == "70 places au lieu de 140"
    assert result["temporary_hours"]["text_fr"] == "mardi, jeudi - 20h-21h30"
    assert result["open_now"] is True
    assert result["url"].endswith("/fiche/p")


def test_audience_modality_and_language_filters(api: Api) -> None:
    add(
        api,
        "women-only",
        north_m=100,
        audience={"kind": "exclusive", "genders": ["women"]},
        modalities={"appointment": True},
        languages=["fr", "ar"],
    )
    add(api, "everyone", north_m=200)
    assert ids(search(api, f"{BASE}&audience=men")) == ["everyone"]
    assert ids(search(api, f"{BASE}&audience=women")) == ["women-only", "everyone"]
    assert ids(search(api, f"{BASE}&modality=no_appointment")) == ["everyone"]
    assert ids(search(api, f"{BASE}&language=ar")) == ["women-only"]


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("lat=100&lon=2", 400, "invalid_parameter", "lat"),
        ("lat=48&lon=abc", 400, "invalid_parameter", "lon"),
        ("lat=48", 400, "invalid_input", "lon"),
        ("", 400, "invalid_input", "lat"),
        (f"{BASE}&radius_km=101", 400, "invalid_input", "radius_km"),
        (f"{BASE}&radius_km=0", 400, "invalid_parameter", "radius_km"),
        (f"{BASE}&radius_km=-3", 400, "invalid_parameter", "radius_km"),
        ("department=75&radius_km=3", 400, "invalid_input", "radius_km"),
        (f"{BASE}&department=75", 400, "invalid_input", "department"),
        (f"{BASE}&category=rockets", 400, "invalid_input", "category"),
        (f"{BASE}&open=sometimes", 400, "invalid_parameter", "open"),
        (f"{BASE}&limit=0", 400, "invalid_parameter", "limit"),
        (f"{BASE}&limit=101", 400, "invalid_input", "limit"),
        (f"{BASE}&cursor=not-a-cursor", 400, "invalid_cursor", "cursor"),
        (f"{BASE}&colour=blue", 400, "unknown_parameter", "colour"),
        (f"{BASE}&lat=47", 400, "invalid_input", "lat"),
        ("department=99", 400, "invalid_parameter", "department"),
        ("postal_code=7501", 400, "invalid_parameter", "postal_code"),
        (f"{BASE}&audience=aliens", 400, "invalid_parameter", "audience"),
        (f"{BASE}&modality=teleport", 400, "invalid_parameter", "modality"),
        (f"{BASE}&language=french", 400, "invalid_parameter", "language"),
        (f"{BASE}&q=" + "x" * 201, 400, "invalid_parameter", "q"),
    ],
)
def test_search_rejects_bad_input_with_a_clear_error(
    api: Api, query: str, status: int, code: str, field: str
) -> None:
    assert_error(get(api, f"/search?{query}"), status, code, field)


def test_a_cursor_from_another_search_is_rejected(api: Api) -> None:
    for number in range(3):
        add(api, f"p{number}", north_m=100 * (number + 1))
    cursor = search(api, f"{BASE}&limit=1")["next_cursor"]
    assert cursor
    response = get(api, f"/search?{BASE}&limit=1&radius_km=3&cursor={cursor}")
    assert_error(response, 400, "invalid_cursor", "cursor")


def test_place_page_shows_the_public_record_and_its_status(api: Api) -> None:
    add(api, "p1", hours=EVENINGS, internal_note="SECRET-NOTE", categories=["seated_meal"])
    payload = body(get(api, "/places/p1"))
    assert payload["id"] == "p1"
    assert payload["state"]["status"] == "open"
    assert payload["state"]["open_now"] is True
    assert payload["hours"]["text_fr"] == "mardi, jeudi - 20h-21h30"
    assert payload["hours"]["osm"] == "Tu,Th 20:00-21:30"
    assert payload["services"][0]["category"]["fr"] == "Restauration assise"
    assert "internal_note" not in payload
    assert "version" not in payload


def test_private_fields_never_appear_in_any_public_response(api: Api) -> None:
    add(api, "p1", internal_note="SECRET-NOTE-42")
    for path in ("/places/p1", f"/search?{BASE}&open=any", "/territories/75/places?open=any"):
        response = get(api, path)
        assert response.status_code == 200
        assert "SECRET-NOTE-42" not in str(response.body)


@pytest.mark.parametrize("status", [PlaceStatus.DRAFT, PlaceStatus.OFFLINE])
def test_place_page_of_a_place_not_online_is_not_found(api: Api, status: PlaceStatus) -> None:
    add(api, "hidden", status=status)
    assert_error(get(api, "/places/hidden"), 404, "not_found", "id")


def test_place_page_of_a_permanently_closed_place_is_gone(api: Api) -> None:
    add(api, "closed", status=PlaceStatus.PERMANENTLY_CLOSED)
    assert_error(get(api, "/places/closed"), 410, "place_permanently_closed", None)


def test_place_page_errors(api: Api) -> None:
    assert_error(get(api, "/places/nope"), 404, "not_found", "id")
    assert_error(get(api, "/places/bad%20id!"), 400, "invalid_input", "id")
    add(api, "p1")
    assert_error(get(api, "/places/p1?x=1"), 400, "unknown_parameter", "x")


def test_department_listing_groups_open_places_by_category(api: Api) -> None:
    add(api, "meal-b", name="B", categories=["seated_meal"])
    add(api, "meal-a", name="A", categories=["seated_meal", "shower"])
    closure = TemporaryClosure(start_date=date(2026, 11, 1))
    add(api, "closed", name="C", categories=["seated_meal"], temporary_closure=closure)
    add(api, "elsewhere", department="33", postal_code="33000", city_code="33063")
    payload = body(get(api, "/territories/75/places"))
    assert payload["total_places"] == 2
    groups = {group["category"]["id"]: group for group in payload["groups"]}
    assert list(groups) == ["seated_meal", "shower"]  # taxonomy order
    assert [p["id"] for p in groups["seated_meal"]["places"]] == ["meal-a", "meal-b"]
    assert groups["seated_meal"]["category"]["fr"] == "Restauration assise"
    only_hygiene = body(get(api, "/territories/75/places?category=hygiene"))
    assert [group["category"]["id"] for group in only_hygiene["groups"]] == ["shower"]


@pytest.mark.parametrize(
    ("path", "field", "code"),
    [
        ("/territories/99/places", "department", "invalid_input"),
        ("/territories/75/places?category=nope", "category", "invalid_input"),
        ("/territories/75/places?limit_per_category=0", "limit_per_category", "invalid_parameter"),
        ("/territories/75/places?radius_km=2", "radius_km", "unknown_parameter"),
    ],
)
def test_department_listing_rejects_bad_input(api: Api, path: str, field: str, code: str) -> None:
    assert_error(get(api, path), 400, code, field)


def test_cors_allows_the_configured_website_origin_only(api: Api) -> None:
    allowed = get(api, "/categories", Origin="http://localhost:3000")
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    other = get(api, "/categories", Origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = api.client.http.request(
        "OPTIONS", "/search", headers={"Origin": "http://localhost:3000"}
    )
    assert preflight.status_code == 204
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_a_local_stage_allows_any_local_port_and_names_the_setting_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A kiosk page served by a development server on any port can call `make run`'s API;
    a refused origin is logged once, with the setting that would allow it."""
    for origin in ("http://localhost:5173", "http://127.0.0.1:8080", "http://[::1]:3000"):
        answer = get(api, "/categories", Origin=origin)
        assert answer.headers["Access-Control-Allow-Origin"] == origin
    caplog.set_level("WARNING")
    for _ in range(3):
        refused = get(api, "/categories", Origin="http://kiosk.example:8080")
        assert "Access-Control-Allow-Origin" not in refused.headers
    logged = [r for r in caplog.records if r.getMessage() == "cors_origin_refused"]
    assert len(logged) == 1
    assert logged[0].__dict__["setting"] == "REPERE_CORS_ORIGINS"
    assert logged[0].__dict__["origin"] == "http://kiosk.example:8080"


@pytest.mark.parametrize(
    ("stage", "configured", "origin", "allowed"),
    [
        ("local", None, "http://localhost:1234", True),
        ("local", None, "http://localhost.evil.example", False),
        ("local", None, "https://localhost:3000", False),  # a dev server is plain http
        ("prod", None, "http://localhost:3000", False),  # deployed: only what infra sets
        ("prod", "https://repere.example.org", "https://repere.example.org", True),
        ("prod", "", "https://repere.example.org", False),  # infra's empty list: none
        ("local", "https://site.example", "http://localhost:3000", False),  # set: exactly it
    ],
)
def test_which_origins_a_stage_allows(
    stage: str, configured: str | None, origin: str, allowed: bool
) -> None:
    # Only the two fields the rule reads: a deployed stage's other settings are not the point.
    parsed = (
        Settings.model_validate({"cors_origins": configured}) if configured is not None else None
    )
    settings = Settings.model_construct(
        stage=stage, cors_origins=parsed.cors_origins if parsed is not None else None
    )
    assert settings.allows_origin(origin) is allowed
