"""Public reads in the reader's language (issue 18.1): lang=, Accept-Language, fallback
flags, 400 for unsupported languages, French bytes unchanged, and moderators' corrections."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.hours.models import TemporaryMessage
from chalicelib.domain.translations.fields import source_hash
from chalicelib.domain.translations.models import StoredTranslation
from tests import composition_support as roots
from tests.builders import PARIS_19, make_place
from tests.integration.conftest import Api
from tests.translation_fakes import InMemoryTranslationStore

BASE = "lat=48.8867&lon=2.3795"
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(api: Api) -> InMemoryTranslationStore:
    store = InMemoryTranslationStore()
    roots.use(translations=store)
    return store


def get(api: Api, path: str, **headers: str) -> Any:
    return api.client.http.get(path, headers=headers)


def body(response: Any) -> Any:
    return json.loads(response.body)


def translated(
    store: InMemoryTranslationStore, field: str, french: str, text: str, lang: str = "uk"
) -> None:
    store.put(
        StoredTranslation.model_validate(
            {
                "place_id": "p1",
                "lang": lang,
                "field": field,
                "text": text,
                "source_hash": source_hash(french),
                "origin": "machine",
                "updated_at": AT,
            }
        ),
        expected_version=None,
    )


def add_place(api: Api) -> None:
    place = make_place(
        "p1",
        lat=PARIS_19.lat,
        lon=PARIS_19.lon,
        description="Repas chauds tous les soirs",
        temporary_message=TemporaryMessage(
            start_date=date(2026, 11, 1), text="Fermé le 25 décembre"
        ),
        categories=["shower"],
    )
    services = [place.services[0].model_copy(update={"description": "Douches chaudes"})]
    api.places.add(place.model_copy(update={"services": services}))


def test_place_in_ukrainian_with_each_text_flagged_and_missing_ones_in_french(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    translated(store, "description", "Repas chauds tous les soirs", "Гарячі страви щовечора")
    translated(store, "services.s1.description", "Douches chaudes", "Гарячий душ")
    response = get(api, "/places/p1?lang=uk")
    assert response.status_code == 200, response.body
    payload = body(response)
    assert payload["description"] == "Гарячі страви щовечора"
    assert payload["services"][0]["description"] == "Гарячий душ"
    # No translation yet: French, and said so.
    assert payload["temporary_message"]["text"] == "Fermé le 25 décembre"
    assert payload["content_language"] == {
        "description": "uk",
        "services.s1.description": "uk",
        "temporary_message.text": "fr",
    }
    # Names and addresses are never translated; category labels come in the language.
    assert payload["name"] == "Lieu p1"
    assert payload["services"][0]["category"] == {
        "id": "shower",
        "fr": "Douche",
        "en": "Shower",
        "label": "Душ",
    }
    assert response.headers["Content-Language"] == "uk"
    assert "Accept-Language" in response.headers["Vary"]


def test_a_translation_of_an_older_french_text_is_never_shown(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    translated(store, "description", "Repas chauds le midi", "Гарячі обіди")
    payload = body(get(api, "/places/p1?lang=uk"))
    assert payload["description"] == "Repas chauds tous les soirs"
    assert payload["content_language"]["description"] == "fr"


def test_accept_language_is_honoured_with_q_values_and_lang_wins(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    translated(store, "description", "Repas chauds tous les soirs", "Гарячі страви щовечора")
    translated(store, "description", "Repas chauds tous les soirs", "وجبات ساخنة", lang="ar")
    header = "de;q=1, ar;q=0.5, uk-UA;q=0.9"
    payload = body(get(api, "/places/p1", **{"Accept-Language": header}))
    assert payload["description"] == "Гарячі страви щовечора"
    response = get(api, "/places/p1?lang=ar", **{"Accept-Language": header})
    assert body(response)["description"] == "وجبات ساخنة"
    assert response.headers["Content-Language"] == "ar"


def test_french_answers_keep_their_bytes_and_etag(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    translated(store, "temporary_message.text", "Fermé le 25 décembre", "Зачинено 25 грудня")
    plain = get(api, f"/search?{BASE}")
    for variant in (f"/search?{BASE}&lang=fr", f"/search?{BASE}"):
        response = get(api, variant, **{"Accept-Language": "fr-FR,fr;q=0.9"})
        assert response.body == plain.body
        assert response.headers["ETag"] == plain.headers["ETag"]
    assert "content_language" not in body(plain)["results"][0]
    ukrainian = get(api, f"/search?{BASE}&lang=uk")
    assert ukrainian.headers["ETag"] != plain.headers["ETag"]
    result = body(ukrainian)["results"][0]
    assert result["temporary_message"]["text"] == "Зачинено 25 грудня"
    assert result["content_language"] == {"temporary_message.text": "uk"}
    assert store.batch_reads == 1  # the whole page's translations in one batch read


def test_search_page_falls_back_to_french_per_text(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    result = body(get(api, f"/search?{BASE}&lang=ps"))["results"][0]
    assert result["temporary_message"]["text"] == "Fermé le 25 décembre"
    assert result["content_language"] == {"temporary_message.text": "fr"}


def test_department_listing_in_a_language_names_categories_in_it(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    payload = body(get(api, "/territories/75/places?lang=uk"))
    group = payload["groups"][0]
    assert group["category"]["label"] == "Душ"
    assert group["places"][0]["content_language"] == {"temporary_message.text": "fr"}
    assert "label" not in body(get(api, "/territories/75/places"))["groups"][0]["category"]


def test_categories_in_a_language(api: Api) -> None:
    plain = body(get(api, "/categories"))
    assert plain["categories"][0]["labels"] == {"fr": "Alimentation", "en": "Food"}
    arabic = body(get(api, "/categories?lang=ar"))
    assert arabic["categories"][0]["labels"] == {"fr": "Alimentation", "en": "Food", "ar": "الطعام"}


@pytest.mark.parametrize(
    "path",
    [
        "/places/p1?lang=de",
        f"/search?{BASE}&lang=xx",
        "/categories?lang=klingon",
        "/territories/75/places?lang=it",
    ],
)
def test_an_unsupported_language_is_a_400_listing_the_supported_ones(
    api: Api, store: InMemoryTranslationStore, path: str
) -> None:
    add_place(api)
    response = get(api, path)
    assert response.status_code == 400, response.body
    error = body(response)
    assert error["code"] == "unsupported_language"
    assert error["field"] == "lang"
    assert "fr, en, ar, uk, ru, fa, ps, es, ro" in error["message"]


def test_an_unsupported_accept_language_falls_back_to_french(
    api: Api, store: InMemoryTranslationStore
) -> None:
    add_place(api)
    response = get(api, "/places/p1", **{"Accept-Language": "de-DE, it;q=0.8"})
    assert response.status_code == 200
    assert "content_language" not in body(response)
    assert set(body(response)["services"][0]["category"]) == {"id", "fr", "en"}
    assert response.headers["Content-Language"] == "fr"


def test_a_services_own_temporary_message_is_shown_in_the_readers_language(
    api: Api, store: InMemoryTranslationStore
) -> None:
    place = make_place("p1", lat=PARIS_19.lat, lon=PARIS_19.lon, categories=["shower"])
    message = TemporaryMessage(start_date=date(2026, 11, 1), text="Douches l'après-midi")
    service = place.services[0].model_copy(update={"temporary_message": message})
    api.places.add(place.model_copy(update={"services": [service]}))
    translated(store, "services.s1.temporary_message.text", message.text, "Душ після обіду")
    payload = body(get(api, "/places/p1?lang=uk"))
    assert payload["services"][0]["temporary_message"]["text"] == "Душ після обіду"
    assert payload["content_language"]["services.s1.temporary_message.text"] == "uk"
