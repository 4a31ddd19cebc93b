"""Moderators correct translations over HTTP (issue 18.1): read with the place's ETag,
correct with If-Match; stale versions, unknown fields and unsupported languages are 4xx JSON;
a correction is what the public then reads."""

from __future__ import annotations

import json

import pytest

from tests import composition_support as roots
from tests.builders import make_place
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75, VOLUNTEER_75, AdminApi
from tests.translation_fakes import InMemoryTranslationStore

PATH = "/admin/places/p1/translations/uk"


@pytest.fixture
def store(admin_api: AdminApi) -> InMemoryTranslationStore:
    store = InMemoryTranslationStore()
    roots.use(translations=store)
    admin_api.places.add(make_place("p1", description="Repas chauds", version=4))
    return store


def test_a_correction_is_stored_as_human_and_served_publicly(
    admin_api: AdminApi, store: InMemoryTranslationStore
) -> None:
    status, payload, headers = admin_api.call("GET", PATH, MODERATOR_75)
    assert status == 200, payload
    assert headers["ETag"] == '"4"'
    assert payload["texts"] == [
        {
            "field": "description",
            "french": "Repas chauds",
            "text": None,
            "origin": None,
            "stale": False,
            "version": None,
        }
    ]
    status, payload, _ = admin_api.call(
        "PUT", PATH, MODERATOR_75, {"description": "Гарячі страви"}, if_match=4
    )
    assert status == 200, payload
    assert payload["texts"][0]["text"] == "Гарячі страви"
    assert payload["texts"][0]["origin"] == "human"
    public = admin_api.client.http.get("/places/p1?lang=uk")
    assert json.loads(public.body)["description"] == "Гарячі страви"


def test_a_stale_if_match_is_a_409_with_the_current_version(
    admin_api: AdminApi, store: InMemoryTranslationStore
) -> None:
    status, payload, _ = admin_api.call("PUT", PATH, ADMIN, {"description": "x"}, if_match=3)
    assert status == 409, payload
    assert payload["code"] == "version_conflict"
    assert store.items == {}


def test_without_if_match_a_428_and_with_a_weak_one_a_412(
    admin_api: AdminApi, store: InMemoryTranslationStore
) -> None:
    status, payload, _ = admin_api.call("PUT", PATH, ADMIN, {"description": "x"})
    assert (status, payload["code"]) == (428, "version_required")
    status, payload, _ = admin_api.call("PUT", PATH, ADMIN, {"description": "x"}, if_match='W/"4"')
    assert (status, payload["code"]) == (412, "precondition_failed")


@pytest.mark.parametrize(
    "case",
    [
        (PATH, {"name": "Назва"}, "unknown_field", "name"),
        (PATH, {"services.s1.description": "x"}, "unknown_field", "services.s1.description"),
        (PATH, {"description": ""}, "invalid_input", "description"),
        (PATH, {}, "invalid_input", "body"),
        ("/admin/places/p1/translations/de", {"description": "x"}, "unsupported_language", "lang"),
        ("/admin/places/p1/translations/fr", {"description": "x"}, "invalid_input", "lang"),
    ],
)
def test_bad_corrections_are_400s_naming_the_field(
    admin_api: AdminApi,
    store: InMemoryTranslationStore,
    case: tuple[str, dict[str, str], str, str],
) -> None:
    path, body, code, field = case
    status, payload, _ = admin_api.call("PUT", path, ADMIN, body, if_match=4)
    assert status == 400, payload
    assert (payload["code"], payload["field"]) == (code, field)
    assert store.items == {}


def test_volunteers_cannot_correct(admin_api: AdminApi, store: InMemoryTranslationStore) -> None:
    status, payload, _ = admin_api.call("PUT", PATH, VOLUNTEER_75, {"description": "x"}, if_match=4)
    assert status == 403, payload


# Announcements: admins correct their translations; the public reads them -----------------------

LOCKDOWN_ANNOUNCEMENT = {
    "title": "Confinement",
    "body": "La plupart des distributions sont déplacées.",
    "start_date": "2020-03-17",
    "departments": [],
}


def test_an_announcement_is_read_in_the_readers_language_after_an_admins_correction(
    admin_api: AdminApi, store: InMemoryTranslationStore
) -> None:
    _, created, _ = admin_api.call("POST", "/admin/announcements", ADMIN, LOCKDOWN_ANNOUNCEMENT)
    path = f"/admin/announcements/{created['id']}/translations/uk"
    french = admin_api.client.http.get("/announcements")
    status, payload, headers = admin_api.call("GET", path, ADMIN)
    assert (status, headers["ETag"]) == (200, '"1"')
    assert [row["field"] for row in payload["texts"]] == ["title", "body"]

    status, payload, _ = admin_api.call("PUT", path, ADMIN, {"title": "Карантин"}, if_match=1)
    assert status == 200, payload

    public = admin_api.client.http.get("/announcements?lang=uk")
    assert public.status_code == 200
    shown = public.json_body["announcements"][0]
    assert shown["title"] == "Карантин"
    assert shown["body"] == LOCKDOWN_ANNOUNCEMENT["body"]  # not translated yet: French, flagged
    assert shown["content_language"] == {"title": "uk", "body": "fr"}
    assert public.headers["Content-Language"] == "uk"
    assert "Accept-Language" in public.headers["Vary"]
    by_header = admin_api.client.http.get("/announcements", headers={"Accept-Language": "uk-UA"})
    assert by_header.json_body == public.json_body
    # French: the bytes (and ETag) of before translations existed.
    again = admin_api.client.http.get("/announcements")
    assert (again.body, again.headers["ETag"]) == (french.body, french.headers["ETag"])
    assert "content_language" not in again.json_body["announcements"][0]


@pytest.mark.parametrize(
    "case",
    [
        ("moderator", "uk", {"title": "x"}, 1, 403, "role_required"),
        ("admin", "uk", {"description": "x"}, 1, 400, "unknown_field"),
        ("admin", "de", {"title": "x"}, 1, 400, "unsupported_language"),
        ("admin", "uk", {"title": "x"}, 2, 409, "version_conflict"),
    ],
)
def test_bad_announcement_corrections_are_4xx_json(
    admin_api: AdminApi,
    store: InMemoryTranslationStore,
    case: tuple[str, str, dict[str, str], int, int, str],
) -> None:
    principal, lang, body, if_match, status, code = case
    _, created, _ = admin_api.call("POST", "/admin/announcements", ADMIN, LOCKDOWN_ANNOUNCEMENT)
    who = ADMIN if principal == "admin" else MODERATOR_75
    path = f"/admin/announcements/{created['id']}/translations/{lang}"
    got, payload, _ = admin_api.call("PUT", path, who, body, if_match=if_match)
    assert (got, payload["code"]) == (status, code), payload
    assert store.items == {}


def test_public_announcements_refuse_an_unsupported_language(admin_api: AdminApi) -> None:
    response = admin_api.client.http.get("/announcements?lang=de")
    assert response.status_code == 400
    assert response.json_body["code"] == "unsupported_language"
    assert response.json_body["field"] == "lang"
