"""The translations table on DynamoDB (moto) against the in-memory fake: the same answers
for one place's Query, a page's batch read (over BatchGetItem's 100 keys), the conditional
writes and the feed checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters.dynamodb.translations import DynamoTranslationStore
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.translations.models import StoredTranslation
from chalicelib.domain.translations.ports import TranslationStore
from tests.translation_fakes import InMemoryTranslationStore

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> TranslationStore:
    if request.param == "memory":
        return InMemoryTranslationStore()
    request.getfixturevalue("dynamodb_tables")
    return DynamoTranslationStore()


def item(place_id: str, field: str, lang: str = "uk", version: int = 1) -> StoredTranslation:
    return StoredTranslation.model_validate(
        {
            "place_id": place_id,
            "lang": lang,
            "field": field,
            "text": f"{lang}:{place_id}:{field}",
            "source_hash": "0123456789abcdef",
            "origin": "machine",
            "version": version,
            "updated_at": AT,
        }
    )


def test_one_place_in_one_language(store: TranslationStore) -> None:
    store.put(item("p1", "description"), expected_version=None)
    store.put(item("p1", "services.s1.description"), expected_version=None)
    store.put(item("p1", "description", lang="ar"), expected_version=None)
    store.put(item("p2", "description"), expected_version=None)
    assert set(store.of_place("p1", "uk")) == {"description", "services.s1.description"}
    assert store.of_place("p1", "uk")["description"].text == "uk:p1:description"
    assert len(store.all_of_place("p1")) == 3


def test_a_page_is_one_batch_read_even_past_a_hundred_keys(store: TranslationStore) -> None:
    for index in range(60):
        store.put(item(f"p{index}", "temporary_message.text"), expected_version=None)
        store.put(item(f"p{index}", "temporary_closure.reason"), expected_version=None)
    wanted = {
        f"p{index}": ["temporary_message.text", "temporary_closure.reason", "description"]
        for index in range(60)
    }
    found = store.of_places(wanted, "uk")
    assert len(found) == 60
    assert set(found["p7"]) == {"temporary_message.text", "temporary_closure.reason"}
    assert store.of_places({"nope": ["description"]}, "uk") == {}


def test_writes_are_conditional_on_the_version_read(store: TranslationStore) -> None:
    store.put(item("p1", "description"), expected_version=None)
    with pytest.raises(VersionConflict):
        store.put(item("p1", "description"), expected_version=None)
    store.put(item("p1", "description", version=2), expected_version=1)
    with pytest.raises(VersionConflict) as stale:
        store.put(item("p1", "description", version=2), expected_version=1)
    assert stale.value.current_version == 2
    store.delete(item("p1", "description", version=1))  # changed since: left alone
    assert "description" in store.of_place("p1", "uk")
    store.delete(item("p1", "description", version=2))
    assert store.of_place("p1", "uk") == {}


def test_the_checkpoint_moves_forward_once(store: TranslationStore) -> None:
    assert store.checkpoint("translations") == 0
    store.advance("translations", 0, 5)
    with pytest.raises(VersionConflict):
        store.advance("translations", 0, 7)
    store.advance("translations", 5, 9)
    assert store.checkpoint("translations") == 9
