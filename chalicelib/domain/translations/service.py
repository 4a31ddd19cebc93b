"""Use cases of translations: keeping them current (the worker), showing them (the public
views) and correcting them (moderators). docs/translations.md tells the rules:

- a translation is made from one French text (``source_hash``) and shown only while the
  French text is unchanged; a changed French text makes every translation of it stale,
  human ones included, and the worker translates it again;
- a human translation is never replaced by a machine one while it is current;
- missing or stale translations fall back to the French text, flagged as French.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.changes.models import NATIONAL, Change, ChangeType
from chalicelib.domain.changes.ports import ChangeLog
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, VersionConflict
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.translations.fields import (
    is_translatable_path,
    source_hash,
    texts_of,
    with_texts,
)
from chalicelib.domain.translations.languages import SOURCE, TARGETS, Language, supported
from chalicelib.domain.translations.models import Origin, StoredTranslation
from chalicelib.domain.translations.ports import TranslationStore, Translator

V = TypeVar("V", bound=BaseModel)

FEED_CHECKPOINT = "translations"
"""The name of the worker's position in France's change feed."""


# Keeping translations current ---------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    translated: int = 0
    kept: int = 0
    removed: int = 0


class TranslationRefresher:
    """Brings one place's translations in line with its French texts."""

    def __init__(
        self,
        store: TranslationStore,
        translator: Translator,
        clock: Clock,
        languages: Sequence[Language] = TARGETS,
    ) -> None:
        self._store = store
        self._translator = translator
        self._clock = clock
        self._languages = tuple(lang for lang in languages if lang != SOURCE)

    def refresh(self, place: Place) -> Refreshed:
        texts = texts_of(place)
        hashes = {path: source_hash(text) for path, text in texts.items()}
        stored = {(t.lang, t.field): t for t in self._store.all_of_place(place.id)}
        translated = kept = removed = 0
        for lang in self._languages:
            # Current ones stay, human or machine; missing and stale ones are (re)made.
            todo = [
                path
                for path in texts
                if (found := stored.get((lang, path))) is None or not found.is_current(hashes[path])
            ]
            kept += len(texts) - len(todo)
            if not todo:
                continue
            results = self._translator.translate([texts[path] for path in todo], lang)
            now = self._clock.now()
            for path, text in zip(todo, results, strict=True):
                before = stored.get((lang, path))
                translation = StoredTranslation(
                    place_id=place.id,
                    lang=lang,
                    field=path,
                    text=text,
                    source_hash=hashes[path],
                    origin="machine",
                    version=1 if before is None else before.version + 1,
                    updated_at=now,
                )
                try:
                    self._store.put(
                        translation, expected_version=None if before is None else before.version
                    )
                    translated += 1
                except VersionConflict:
                    # Written since we read it: a moderator's correction, or another run's
                    # translation of the same text. Theirs stands.
                    kept += 1
        for (_, path), translation in stored.items():
            if path not in texts:  # the French text was removed: nothing to translate
                self._store.delete(translation)
                removed += 1
        return Refreshed(translated=translated, kept=kept, removed=removed)


@dataclass(frozen=True)
class FeedRun:
    changes: int
    places: int
    translated: int
    last_seq: int
    skipped_gap: bool = False


class TranslationFeed:
    """Reads France's change feed from its checkpoint and refreshes each changed place.

    Why the change feed (and not the places table's stream): every public write is stored as
    a pending change in the same transaction as the place, and the sequencer numbers it once
    in France's feed, so a consumer reading that feed from its checkpoint sees every change
    of a public place's French text, in each place's version order, and nothing that was not
    committed (docs/changes.md). The stream is read only by Lambda's poller, which the local
    stack (moto) cannot run: translations would not work under ``make run`` nor be tested
    end to end. Drafts and offline places are not in the feed; they are not public either,
    and the place's upsert when it goes online carries every text to translate then.
    """

    def __init__(self, log: ChangeLog, store: TranslationStore, refresher: TranslationRefresher):
        self._log = log
        self._store = store
        self._refresher = refresher

    def run(self, limit: int) -> FeedRun:
        after = self._store.checkpoint(FEED_CHECKPOINT)
        changes = self._log.read(NATIONAL, after, limit)
        skipped_gap = False
        if not changes and after < self._log.last_seq(NATIONAL):
            # The changes after our checkpoint expired (the worker was off for 35 days):
            # start again from the oldest kept. Places changed in the gap are translated at
            # their next change (docs/translations.md).
            first = self._log.first_seq(NATIONAL)
            if first is not None and first > after + 1:
                skipped_gap = True
                changes = self._log.read(NATIONAL, first - 1, limit)
        if not changes:
            return FeedRun(changes=0, places=0, translated=0, last_seq=after)
        latest: dict[str, int] = {}
        for index, change in enumerate(changes):
            latest[change.place_id] = index
        places = translated = 0
        done = after
        for index, change in enumerate(changes):
            # Only the latest version of a place in this batch is translated; its earlier
            # texts were replaced before anyone could read them.
            if latest[change.place_id] == index and change.type is ChangeType.UPSERT:
                place = _place_of(change)
                if place is not None:
                    try:
                        result = self._refresher.refresh(place)
                    except Exception:
                        # Keep what is done; the next run starts at this change again.
                        self._advance(after, done)
                        raise
                    places += 1
                    translated += result.translated
            done = change.seq if change.seq is not None else done
        self._advance(after, done)
        return FeedRun(
            changes=len(changes),
            places=places,
            translated=translated,
            last_seq=done,
            skipped_gap=skipped_gap,
        )

    def _advance(self, before: int, after: int) -> None:
        if after != before:
            self._store.advance(FEED_CHECKPOINT, before, after)


def _place_of(change: Change) -> Place | None:
    if change.place is None:
        return None
    try:
        return Place.model_validate(change.place)
    except ValidationError:
        return None  # a public form this code cannot read: nothing we could translate


# Showing translations -----------------------------------------------------------------------


class Localizer:
    """Public views in a language: each translatable text replaced by its current
    translation, or left in French, and ``content_language`` saying which (path -> code).
    French views are returned as they are (same object, same bytes, same ETag)."""

    def __init__(self, store: TranslationStore) -> None:
        self._store = store

    def one(self, view: V, place_id: str, lang: Language) -> V:
        if lang == SOURCE:
            return view
        texts = texts_of(view)
        stored = self._store.of_place(place_id, lang) if texts else {}
        return _localized(view, texts, stored, lang)

    def many(self, views: Sequence[V], ids: Sequence[str], lang: Language) -> list[V]:
        """Views of several places, their translations read in one batch."""
        if lang == SOURCE:
            return list(views)
        texts = [texts_of(view) for view in views]
        wanted = {
            place_id: list(found) for place_id, found in zip(ids, texts, strict=True) if found
        }
        stored = self._store.of_places(wanted, lang) if wanted else {}
        return [
            _localized(view, found, stored.get(place_id, {}), lang)
            for view, place_id, found in zip(views, ids, texts, strict=True)
        ]


def _localized(
    view: V, texts: Mapping[str, str], stored: Mapping[str, StoredTranslation], lang: Language
) -> V:
    replaced: dict[str, str] = {}
    languages: dict[str, str] = {}
    for path, french in texts.items():
        found = stored.get(path)
        if found is not None and found.is_current(source_hash(french)):
            replaced[path] = found.text
            languages[path] = lang
        else:
            languages[path] = SOURCE
    localized = with_texts(view, replaced)
    copied: V = localized.model_copy(update={"content_language": languages})  # type: ignore[assignment]
    return copied


# Correcting translations --------------------------------------------------------------------


class TranslatedText(DomainModel):
    field: str
    french: str
    text: str | None = Field(description="The translation shown; null: French is shown.")
    origin: Origin | None
    stale: bool = Field(
        description="A translation of an older French text (kept, never shown, re-made)."
    )
    version: int | None = Field(description="The stored translation's version (If-Match).")


class PlaceTranslations(DomainModel):
    place_id: str
    lang: Language
    place_version: int = Field(description="Send it as If-Match to correct.")
    texts: list[TranslatedText]


MAX_CORRECTION_CHARS = 10_000


class TranslationCorrections:
    """A moderator's reading and correction of a place's translations in one language."""

    def __init__(self, places: PlaceRepository, store: TranslationStore, clock: Clock) -> None:
        self._places = places
        self._store = store
        self._clock = clock

    def _place(self, principal: Principal, place_id: str) -> Place:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        place = self._places.get(place_id)
        require_department(principal, place.address.department_code)
        return place

    def view(self, principal: Principal, place_id: str, lang: str) -> PlaceTranslations:
        language = _target(lang)
        place = self._place(principal, place_id)
        return self._view(place, language)

    def _view(self, place: Place, lang: Language) -> PlaceTranslations:
        stored = self._store.of_place(place.id, lang)
        rows = []
        for path, french in texts_of(place).items():
            found = stored.get(path)
            current = found is not None and found.is_current(source_hash(french))
            rows.append(
                TranslatedText(
                    field=path,
                    french=french,
                    text=found.text if found is not None and current else None,
                    origin=None if found is None else found.origin,
                    stale=found is not None and not current,
                    version=None if found is None else found.version,
                )
            )
        return PlaceTranslations(
            place_id=place.id, lang=lang, place_version=place.version, texts=rows
        )

    def correct(
        self,
        principal: Principal,
        place_id: str,
        lang: str,
        texts: Mapping[str, Any],
        *,
        place_version: int,
    ) -> PlaceTranslations:
        """Store ``texts`` (``field -> translation``) as human translations of the French
        texts of version ``place_version`` (If-Match): a moderator corrects what they read.
        A stale version is a 409 with the current one; an unknown field a 400."""
        language = _target(lang)
        place = self._place(principal, place_id)
        if not texts:
            raise InvalidInput("give at least one field to correct", field="body")
        french = texts_of(place)
        for path, text in texts.items():
            if not is_translatable_path(path) or path not in french:
                known = ", ".join(french) or "none"
                raise InvalidInput(
                    f"{path[:200]!r} is not a translatable text of this place; it has: {known}",
                    field=path[:200],
                    code="unknown_field",
                )
            if not isinstance(text, str) or not text.strip():
                raise InvalidInput("a translation is a non-empty string", field=path[:200])
            if len(text) > MAX_CORRECTION_CHARS:
                raise InvalidInput(
                    f"a translation is at most {MAX_CORRECTION_CHARS} characters", field=path
                )
        if place.version != place_version:
            raise VersionConflict(
                f"the place is at version {place.version}, not {place_version}: read its "
                "French texts again",
                current_version=place.version,
            )
        stored = self._store.of_place(place.id, language)
        now = self._clock.now()
        for path, text in texts.items():
            before = stored.get(path)
            self._store.put(
                StoredTranslation(
                    place_id=place.id,
                    lang=language,
                    field=path,
                    text=text.strip(),
                    source_hash=source_hash(french[path]),
                    origin="human",
                    version=1 if before is None else before.version + 1,
                    updated_at=now,
                    updated_by=principal.subject,
                ),
                expected_version=None if before is None else before.version,
            )
        return self._view(place, language)


def _target(lang: str) -> Language:
    language = supported(lang)
    if language == SOURCE:
        raise InvalidInput(
            "French is the source text: correct it by editing the place", field="lang"
        )
    return language
