"""Translation use cases with the fakes: what is (re)translated, what stands, what is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Forbidden, InvalidInput, VersionConflict
from chalicelib.domain.hours.models import TemporaryMessage
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.views import place_detail
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from chalicelib.domain.translations.fields import texts_of
from chalicelib.domain.translations.languages import TARGETS
from chalicelib.domain.translations.service import (
    Localizer,
    TranslationCorrections,
    TranslationRefresher,
)
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.translation_fakes import FakeTranslator, InMemoryTranslationStore

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75",))


def place(description: str = "Repas chauds", version: int = 1, **fields: Any) -> Place:
    built = make_place("p1", description=description, version=version, **fields)
    services = [built.services[0].model_copy(update={"description": "Douches chaudes"})]
    return built.model_copy(update={"services": services})


def setup() -> tuple[InMemoryTranslationStore, FakeTranslator, TranslationRefresher]:
    store = InMemoryTranslationStore()
    translator = FakeTranslator()
    return store, translator, TranslationRefresher(store, translator, FixedClock(NOW))


def test_texts_are_named_by_path_and_names_and_addresses_are_never_among_them() -> None:
    built = place(temporary_message=TemporaryMessage(start_date=date(2026, 11, 1), text="Fermé"))
    service_message = TemporaryMessage(start_date=date(2026, 11, 1), text="Douches l'après-midi")
    service = built.services[0].model_copy(update={"temporary_message": service_message})
    found = texts_of(built.model_copy(update={"services": [service]}))
    assert found == {
        "description": "Repas chauds",
        "temporary_message.text": "Fermé",
        "services.s1.description": "Douches chaudes",
        # A service's own temporary message (docs/hours.md) is translated like the place's.
        "services.s1.temporary_message.text": "Douches l'après-midi",
    }


def test_every_text_is_translated_once_and_an_unchanged_text_never_again() -> None:
    _, translator, refresher = setup()
    first = refresher.refresh(place())
    assert first.translated == 2 * len(TARGETS)
    assert len(translator.calls) == len(TARGETS)  # one call per language, both texts in it
    translator.calls.clear()
    again = refresher.refresh(place(version=2))
    assert (again.translated, again.kept) == (0, 2 * len(TARGETS))
    assert translator.calls == []


def test_a_changed_french_text_is_translated_again_alone() -> None:
    store, translator, refresher = setup()
    refresher.refresh(place())
    translator.calls.clear()
    refresher.refresh(place("Repas chauds le soir", version=2))
    assert translator.texts_sent() == ["Repas chauds le soir"] * len(TARGETS)
    assert store.of_place("p1", "uk")["description"].text == "[uk] Repas chauds le soir"
    assert store.of_place("p1", "uk")["description"].version == 2


def test_a_human_translation_is_never_overwritten_while_its_french_text_stands() -> None:
    store, _, refresher = setup()
    places = InMemoryPlaceRepository()
    places.add(place())
    refresher.refresh(place())
    corrections = TranslationCorrections(places, store, FixedClock(NOW))
    corrections.correct(MODERATOR, "p1", "uk", {"description": "Гарячі страви"}, place_version=1)
    refresher.refresh(place(version=2))
    human = store.of_place("p1", "uk")["description"]
    assert (human.text, human.origin) == ("Гарячі страви", "human")
    shown = Localizer(store).one(
        place_detail(place(), at=NOW, base_url="https://x", taxonomy=default_taxonomy()), "p1", "uk"
    )
    assert shown.description == "Гарячі страви"


def test_a_human_translation_is_stale_once_the_french_changes_hidden_then_retranslated() -> None:
    store, _, refresher = setup()
    places = InMemoryPlaceRepository()
    places.add(place())
    corrections = TranslationCorrections(places, store, FixedClock(NOW))
    corrections.correct(MODERATOR, "p1", "uk", {"description": "Гарячі страви"}, place_version=1)
    changed = place("Repas froids", version=2)
    detail = place_detail(changed, at=NOW, base_url="https://x", taxonomy=default_taxonomy())
    shown = Localizer(store).one(detail, "p1", "uk")
    assert shown.description == "Repas froids"  # stale: kept out of answers
    assert shown.content_language == {"description": "fr", "services.s1.description": "fr"}
    places.places["p1"] = changed
    view = corrections.view(MODERATOR, "p1", "uk")
    row = next(r for r in view.texts if r.field == "description")
    assert (row.stale, row.text, row.origin) == (True, None, "human")
    refresher.refresh(changed)
    again = store.of_place("p1", "uk")["description"]
    assert (again.text, again.origin) == ("[uk] Repas froids", "machine")


def test_corrections_refuse_unknown_fields_stale_versions_french_and_volunteers() -> None:
    store = InMemoryTranslationStore()
    places = InMemoryPlaceRepository()
    places.add(place(version=3))
    corrections = TranslationCorrections(places, store, FixedClock(NOW))
    with pytest.raises(InvalidInput) as unknown:
        corrections.correct(MODERATOR, "p1", "uk", {"name": "Назва"}, place_version=3)
    assert unknown.value.code == "unknown_field"
    with pytest.raises(VersionConflict) as stale:
        corrections.correct(MODERATOR, "p1", "uk", {"description": "x"}, place_version=2)
    assert stale.value.current_version == 3
    with pytest.raises(InvalidInput):
        corrections.correct(MODERATOR, "p1", "fr", {"description": "x"}, place_version=3)
    with pytest.raises(InvalidInput) as unsupported:
        corrections.correct(MODERATOR, "p1", "de", {"description": "x"}, place_version=3)
    assert unsupported.value.code == "unsupported_language"
    volunteer = Principal(subject="v", role=Role.VOLUNTEER, departments=("75",))
    with pytest.raises(Forbidden):
        corrections.correct(volunteer, "p1", "uk", {"description": "x"}, place_version=3)
    assert store.items == {}


def test_removed_french_texts_lose_their_translations() -> None:
    store, _, refresher = setup()
    refresher.refresh(place())
    result = refresher.refresh(place(description=None, version=2))  # type: ignore[arg-type]
    assert result.removed == len(TARGETS)
    assert "description" not in store.of_place("p1", "ar")
