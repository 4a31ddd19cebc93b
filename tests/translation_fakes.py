"""Fakes of the translation ports: a deterministic translator that records its calls, and an
in-memory store with the DynamoDB store's conditions (checked against the ports in
tests/fake_ports.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.translations.languages import Language
from chalicelib.domain.translations.models import StoredTranslation


class FakeTranslator:
    """``"[uk] " + text``; ``fail`` makes every call raise (a Translate outage)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Language, tuple[str, ...]]] = []
        self.fail = False

    def translate(self, texts: Sequence[str], target: Language) -> list[str]:
        if self.fail:
            raise RuntimeError("translation service unavailable")
        self.calls.append((target, tuple(texts)))
        return [f"[{target}] {text}" for text in texts]

    def texts_sent(self) -> list[str]:
        return [text for _, texts in self.calls for text in texts]


class InMemoryTranslationStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], StoredTranslation] = {}
        self.checkpoints: dict[str, int] = {}
        self.batch_reads = 0
        self.place_reads = 0

    def of_place(self, place_id: str, lang: Language) -> dict[str, StoredTranslation]:
        self.place_reads += 1
        return {
            field: t
            for (pid, code, field), t in self.items.items()
            if pid == place_id and code == lang
        }

    def of_places(
        self, wanted: Mapping[str, Iterable[str]], lang: Language
    ) -> dict[str, dict[str, StoredTranslation]]:
        self.batch_reads += 1
        found: dict[str, dict[str, StoredTranslation]] = {}
        for place_id, fields in wanted.items():
            for field in fields:
                item = self.items.get((place_id, lang, field))
                if item is not None:
                    found.setdefault(place_id, {})[field] = item
        return found

    def all_of_place(self, place_id: str) -> list[StoredTranslation]:
        return [t for (pid, _, _), t in self.items.items() if pid == place_id]

    def put(self, translation: StoredTranslation, *, expected_version: int | None) -> None:
        key = (translation.place_id, translation.lang, translation.field)
        current = self.items.get(key)
        if (None if current is None else current.version) != expected_version:
            raise VersionConflict(
                "changed meanwhile", current_version=None if current is None else current.version
            )
        self.items[key] = translation

    def delete(self, translation: StoredTranslation) -> None:
        key = (translation.place_id, translation.lang, translation.field)
        current = self.items.get(key)
        if current is not None and current.version == translation.version:
            del self.items[key]

    def checkpoint(self, name: str) -> int:
        return self.checkpoints.get(name, 0)

    def advance(self, name: str, before: int, after: int) -> None:
        if self.checkpoints.get(name, 0) != before:
            raise VersionConflict("moved", current_version=self.checkpoints.get(name, 0))
        self.checkpoints[name] = after
