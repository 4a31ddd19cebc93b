"""Ports of translations. Adapters: chalicelib/adapters/translate/ (Amazon Translate, and a
pseudo-translator for the local stack) and chalicelib/adapters/dynamodb/translations.py; fakes
in tests/translation_fakes.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from chalicelib.domain.translations.languages import Language
from chalicelib.domain.translations.models import StoredTranslation


class Translator(Protocol):
    def translate(self, texts: Sequence[str], target: Language) -> list[str]:
        """``texts`` (French) in ``target``, in the same order. Raises on failure: the
        caller retries later, nothing half-written is kept."""
        ...


class TranslationStore(Protocol):
    def of_place(self, place_id: str, lang: Language) -> dict[str, StoredTranslation]:
        """``field -> translation`` of one place in one language (one Query)."""
        ...

    def of_places(
        self, wanted: Mapping[str, Iterable[str]], lang: Language
    ) -> dict[str, dict[str, StoredTranslation]]:
        """``place id -> field -> translation`` for the ``place id -> fields`` asked, in one
        batch read (a search page: at most a few keys per place)."""
        ...

    def all_of_place(self, place_id: str) -> list[StoredTranslation]:
        """Every language's translations of one place (the worker's read)."""
        ...

    def put(self, translation: StoredTranslation, *, expected_version: int | None) -> None:
        """Write it if the stored item is still at ``expected_version`` (None: absent);
        else VersionConflict with the current version, and nothing written."""
        ...

    def delete(self, translation: StoredTranslation) -> None:
        """Remove it if still at its version (a text that no longer exists); a changed item
        is left alone."""
        ...

    def checkpoint(self, name: str) -> int:
        """The last feed number a consumer finished (0 before its first run)."""
        ...

    def advance(self, name: str, before: int, after: int) -> None:
        """Move the checkpoint from ``before`` to ``after`` (conditional: a second consumer
        that got there first makes this a VersionConflict, and its work stands)."""
        ...
