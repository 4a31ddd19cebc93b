"""Translation use cases with the fakes: what is (re)translated, what stands, what is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.announcements.models import Announcement, public_announcement
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Forbidden, InvalidInput, VersionConflict
from chalicelib.domain.hours.models import TemporaryMessage
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.views import place_detail
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from chalicelib.domain.translations.fields import announcement_owner, texts_of
from chalicelib.domain.translations.languages import TARGETS
from chalicelib.domain.translations.service import (
    AnnouncementTranslations,
    Localizer,
    TranslationCorrections,
    TranslationRefresher,
)
from tests.backoffice_fakes import InMemoryAnnouncementRepository
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
    corrections = TranslationCorrections(
        places, InMemoryAnnouncementRepository(), store, FixedClock(NOW)
    )
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
    corrections = TranslationCorrections(
        places, InMemoryAnnouncementRepository(), store, FixedClock(NOW)
    )
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
    corrections = TranslationCorrections(
        places, InMemoryAnnouncementRepository(), store, FixedClock(NOW)
    )
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


# Announcements: the lockdown's pop-up, in the reader's language --------------------------------

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


def announcement(body: str = "Les distributions changent", version: int = 1) -> Announcement:
    return Announcement(
        id="a1",
        title="Covid-19",
        body=body,
        start_date=date(2026, 11, 20),
        created_at=NOW,
        updated_at=NOW,
        created_by="admin-1",
        version=version,
    )


def sweep_setup() -> tuple[
    InMemoryTranslationStore,
    FakeTranslator,
    InMemoryAnnouncementRepository,
    AnnouncementTranslations,
]:
    store, translator, refresher = setup()
    announcements = InMemoryAnnouncementRepository()
    return (
        store,
        translator,
        announcements,
        AnnouncementTranslations(announcements, refresher, FixedClock(NOW)),
    )


def test_announcements_are_translated_once_then_again_only_when_their_french_changes() -> None:
    store, translator, announcements, sweep = sweep_setup()
    announcements.add(announcement())
    assert sweep.run().translated == 2 * len(TARGETS)
    translator.calls.clear()
    assert sweep.run().translated == 0
    assert translator.calls == []
    announcements.items["a1"] = announcement("Les distributions reprennent", version=2)
    assert sweep.run().translated == len(TARGETS)  # the body alone
    assert translator.texts_sent() == ["Les distributions reprennent"] * len(TARGETS)
    owner = announcement_owner("a1")
    assert store.of_place(owner, "ar")["body"].text == "[ar] Les distributions reprennent"
    assert store.of_place(owner, "ar")["title"].text == "[ar] Covid-19"


def test_an_announcement_over_for_more_than_a_day_is_left_alone() -> None:
    _, translator, announcements, sweep = sweep_setup()
    over = announcement().model_copy(update={"end_date": date(2026, 11, 29)})
    announcements.add(over)
    assert sweep.run().translated == 0
    assert translator.calls == []
    # Over yesterday (Paris): overseas departments may still show it today.
    announcements.items["a1"] = over.model_copy(update={"end_date": date(2026, 11, 30)})
    assert sweep.run().translated == 2 * len(TARGETS)


def test_public_announcements_are_shown_translated_with_each_texts_language() -> None:
    store, _, announcements, sweep = sweep_setup()
    announcements.add(announcement())
    sweep.run()
    corrections = TranslationCorrections(
        InMemoryPlaceRepository(), announcements, store, FixedClock(NOW)
    )
    corrections.correct_announcement(
        ADMIN, "a1", "uk", {"title": "Ковід-19"}, announcement_version=1
    )
    views = [public_announcement(announcement("Texte modifié", version=2))]
    localizer = Localizer(store)
    shown = localizer.announcements(views, "uk")[0]
    assert shown.title == "Ковід-19"  # the human translation
    assert shown.body == "Texte modifié"  # the stored one is of an older French text
    assert shown.content_language == {"title": "uk", "body": "fr"}
    assert localizer.announcements(views, "fr") == views  # French: as it was, not flagged
    assert "content_language" not in views[0].model_dump()


def test_announcement_corrections_are_for_admins_on_title_and_body_at_the_read_version() -> None:
    store = InMemoryTranslationStore()
    announcements = InMemoryAnnouncementRepository()
    announcements.add(announcement(version=2))
    corrections = TranslationCorrections(
        InMemoryPlaceRepository(), announcements, store, FixedClock(NOW)
    )
    with pytest.raises(Forbidden):
        corrections.correct_announcement(
            MODERATOR, "a1", "uk", {"title": "x"}, announcement_version=2
        )
    with pytest.raises(InvalidInput) as unknown:
        corrections.correct_announcement(
            ADMIN, "a1", "uk", {"description": "x"}, announcement_version=2
        )
    assert unknown.value.code == "unknown_field"
    with pytest.raises(VersionConflict) as stale:
        corrections.correct_announcement(ADMIN, "a1", "uk", {"title": "x"}, announcement_version=1)
    assert stale.value.current_version == 2
    assert store.items == {}
    view = corrections.correct_announcement(
        ADMIN, "a1", "es", {"body": "Las distribuciones cambian"}, announcement_version=2
    )
    body = next(row for row in view.texts if row.field == "body")
    assert (body.text, body.origin, body.stale) == ("Las distribuciones cambian", "human", False)
    assert view.announcement_version == 2
