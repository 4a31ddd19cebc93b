"""The translations worker on DynamoDB (moto): a place written through the editor reaches the
change feed, the worker reads it there and stores each text in every language; a changed
French text is translated again, an unchanged one is not, a moderator's correction stands
until its French text changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.announcements import DynamoAnnouncementRepository
from chalicelib.adapters.dynamodb.changes import DynamoChangeLog
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.translations import DynamoTranslationStore
from chalicelib.config import get_settings
from chalicelib.domain.announcements.models import AnnouncementContent
from chalicelib.domain.announcements.service import AnnouncementService
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import NewPlace, PlaceEditor, PlacePatch
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from chalicelib.domain.translations.fields import announcement_owner
from chalicelib.domain.translations.languages import TARGETS
from chalicelib.domain.translations.service import FEED_CHECKPOINT
from functions import translations as worker
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_TABLE_PREFIX
from tests.translation_fakes import FakeTranslator

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


@pytest.fixture
def translator(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTranslator]:
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    roots.reset()
    fake = FakeTranslator()
    roots.use(clock=FixedClock(NOW), translator=fake)
    try:
        yield fake
    finally:
        roots.reset()
        get_settings.cache_clear()


def editor() -> PlaceEditor:
    return PlaceEditor(
        DynamoPlaceRepository(), FixedClock(NOW), SequentialIds(), default_taxonomy()
    )


def create(description: str) -> str:
    template = make_place("x", description=description)
    new = NewPlace.model_validate(
        template.model_dump(
            include={"name", "address", "location", "services", "status", "description"}
        )
    )
    return editor().create(ADMIN, new).id


def run_worker() -> dict[str, object]:
    DynamoChangeLog().sequence_pending(100)  # the change-feed sequencer's minute
    return worker.handler({}, None)


def test_a_written_place_is_translated_into_every_language_from_the_feed(
    translator: FakeTranslator,
) -> None:
    place_id = create("Repas chauds tous les soirs")
    answer = run_worker()
    assert answer == {
        "ok": True,
        "changes": 1,
        "places": 1,
        "announcement_texts": 0,
        "translated": len(TARGETS),
    }
    store = DynamoTranslationStore()
    stored = {t.lang: t for t in store.all_of_place(place_id)}
    assert set(stored) == set(TARGETS)
    assert stored["uk"].text == "[uk] Repas chauds tous les soirs"
    assert stored["uk"].origin == "machine"
    assert store.checkpoint(FEED_CHECKPOINT) == 1
    # Nothing new in the feed: nothing translated again.
    assert run_worker() == {
        "ok": True,
        "changes": 0,
        "places": 0,
        "announcement_texts": 0,
        "translated": 0,
    }


def test_a_changed_french_text_is_translated_again_and_a_correction_stands_until_then(
    translator: FakeTranslator,
) -> None:
    place_id = create("Repas chauds tous les soirs")
    run_worker()
    roots_services = roots.refresh()
    roots_services.translation_corrections.correct(
        ADMIN, place_id, "uk", {"description": "Гарячі страви щовечора"}, place_version=1
    )
    # A write that leaves the description alone: the human translation stays.
    editor().edit(ADMIN, place_id, expected_version=1, patch=PlacePatch(name="Le Relais"))
    translator.calls.clear()
    run_worker()
    assert translator.calls == []
    store = DynamoTranslationStore()
    assert store.of_place(place_id, "uk")["description"].text == "Гарячі страви щовечора"
    # The French text changes: the human translation is stale and replaced by the machine's.
    editor().edit(
        ADMIN, place_id, expected_version=2, patch=PlacePatch(description="Repas le midi")
    )
    run_worker()
    again = store.of_place(place_id, "uk")["description"]
    assert (again.text, again.origin) == ("[uk] Repas le midi", "machine")
    assert len(translator.calls) == len(TARGETS)


def test_a_translation_outage_keeps_the_checkpoint_and_the_next_run_catches_up(
    translator: FakeTranslator,
) -> None:
    place_id = create("Douches chaudes")
    translator.fail = True
    DynamoChangeLog().sequence_pending(100)
    with pytest.raises(RuntimeError):
        worker.handler({}, None)
    store = DynamoTranslationStore()
    assert store.checkpoint(FEED_CHECKPOINT) == 0
    translator.fail = False
    assert run_worker()["translated"] == len(TARGETS)
    assert store.of_place(place_id, "ar")["description"].text == "[ar] Douches chaudes"


def test_announcements_are_translated_at_each_run_until_they_are_over(
    translator: FakeTranslator,
) -> None:
    service = AnnouncementService(DynamoAnnouncementRepository(), FixedClock(NOW), SequentialIds())
    current = service.create(
        ADMIN,
        AnnouncementContent(
            title="Covid-19", body="Les distributions changent", start_date=date(2026, 11, 20)
        ),
    )
    ended = service.create(
        ADMIN,
        AnnouncementContent(
            title="Ancien",
            body="Fini",
            start_date=date(2026, 10, 1),
            end_date=date(2026, 10, 31),
        ),
    )
    answer = run_worker()
    assert answer["announcement_texts"] == 2 * len(TARGETS)  # title and body, each language
    store = DynamoTranslationStore()
    assert store.of_place(announcement_owner(current.id), "uk")["body"].text == (
        "[uk] Les distributions changent"
    )
    assert store.all_of_place(announcement_owner(ended.id)) == []
    assert run_worker()["announcement_texts"] == 0  # nothing changed: nothing sent again


class _Deadline:
    """A Lambda context whose time is up after ``pages`` pages (the backfill checks it after
    each one)."""

    def __init__(self, pages: int) -> None:
        self.pages = pages

    def get_remaining_time_in_millis(self) -> int:
        self.pages -= 1
        return 600_000 if self.pages > 0 else 0


def test_the_backfill_translates_places_that_predate_the_feed_once_resumably(
    translator: FakeTranslator,
) -> None:
    # Loaded without a write (as the demo seed and a stage older than translations): in no
    # feed change, so the feed reader never sees them.
    places = [
        make_place(
            f"p{index}",
            description=f"Repas n°{index}",
            department="93",
            postal_code="93200",
            city_code="93066",
            city="Saint-Denis",
        )
        for index in range(5)
    ]
    DynamoPlaceRepository().load_fresh(places)
    assert run_worker()["places"] == 0

    first = worker.handler({"snapshot": True, "department": "93", "limit": 2}, _Deadline(pages=1))
    assert first["ok"] is True
    assert first["snapshot"]["done"] is False
    assert first["snapshot"]["places"] == 2
    rest = worker.handler(
        {"snapshot": True, "department": "93", "limit": 2, "cursor": first["snapshot"]["cursor"]},
        None,
    )
    assert rest["snapshot"] == {
        "places": 3,
        "translated": 3 * len(TARGETS),
        "done": True,
        "cursor": None,
    }
    store = DynamoTranslationStore()
    for place in places:
        assert store.of_place(place.id, "ps")["description"].text == f"[ps] {place.description}"
    # Each text was sent once per language; a second backfill reads and sends nothing.
    assert len(translator.texts_sent()) == 5 * len(TARGETS)
    translator.calls.clear()
    again = worker.handler({"snapshot": True}, None)
    assert again["snapshot"]["places"] == 5
    assert (again["snapshot"]["translated"], translator.calls) == (0, [])


@pytest.mark.parametrize(
    "event",
    [
        {"snapshot": True, "cursor": "tampered"},
        {"department": "93"},  # goes with snapshot
        {"snapshot": True, "department": "99"},
    ],
)
def test_a_bad_backfill_event_is_refused(
    translator: FakeTranslator, event: dict[str, object]
) -> None:
    answer = worker.handler(event, None)
    assert answer["ok"] is False
    assert translator.calls == []
