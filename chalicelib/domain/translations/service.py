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
from datetime import timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from chalicelib.domain.announcements.models import Announcement, PublicAnnouncement
from chalicelib.domain.announcements.ports import AnnouncementRepository
from chalicelib.domain.announcements.service import ADMINS_ONLY
from chalicelib.domain.auth import (
    Principal,
    Role,
    can_manage_announcements,
    require,
    require_department,
    require_role,
)
from chalicelib.domain.changes.models import NATIONAL, Change, ChangeType
from chalicelib.domain.changes.ports import ChangeLog
from chalicelib.domain.changes.service import ChangeFeed
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, VersionConflict
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.translations.fields import (
    announcement_owner,
    announcement_texts,
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
        return self.refresh_texts(place.id, texts_of(place))

    def refresh_texts(self, owner: str, texts: Mapping[str, str]) -> Refreshed:
        """Brings the translations of ``owner`` (a place id, or ``announcement_owner``) in
        line with its French ``texts`` (``path -> text``)."""
        hashes = {path: source_hash(text) for path, text in texts.items()}
        stored = {(t.lang, t.field): t for t in self._store.all_of_place(owner)}
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
                    place_id=owner,
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
            # their next change, or by the backfill (docs/translations.md).
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


@dataclass(frozen=True)
class BackfillRun:
    places: int
    translated: int
    next_cursor: str | None
    """Where to go on (``cursor`` of the next run); None: the snapshot is done."""


class TranslationBackfill:
    """Translates the places online now, read from the change feed's snapshot (what a new
    mirror reads first, docs/changes.md).

    The feed reader translates what changes; this is for what was there before it: a stage
    whose places predate translations, places loaded without a write (the local demo seed),
    or a worker that lost changes to the feed's retention (``translations_feed_gap``).
    Resumable page by page; idempotent, since current translations are kept: a second run
    costs reads only."""

    def __init__(self, feed: ChangeFeed, refresher: TranslationRefresher) -> None:
        self._feed = feed
        self._refresher = refresher

    def run(self, *, department: str | None, cursor: str | None, limit: int) -> BackfillRun:
        """One page of the snapshot of ``department`` (None: France) from ``cursor`` (None:
        the start). A foreign or tampered cursor is an InvalidCursor."""
        if cursor is not None and not self._feed.in_snapshot(cursor, department):
            return BackfillRun(places=0, translated=0, next_cursor=None)
        page = self._feed.read(department=department, since=cursor, limit=limit)
        places = translated = 0
        for change in page.changes:
            place = _place_of(change)
            if place is not None:
                translated += self._refresher.refresh(place).translated
                places += 1
        go_on = self._feed.in_snapshot(page.next_cursor, department)
        return BackfillRun(
            places=places, translated=translated, next_cursor=page.next_cursor if go_on else None
        )


class AnnouncementTranslations:
    """Keeps the translations of the announcements still to be shown current.

    Announcements have no change feed: the worker reads them all at each run (a few dozen at
    most, old ones are removed) and refreshes those not yet over, which costs one Query each
    when nothing changed and translates only a new or changed title or body. An announcement
    over for a day is left alone; a deleted one's translations are never read again."""

    def __init__(
        self, announcements: AnnouncementRepository, refresher: TranslationRefresher, clock: Clock
    ) -> None:
        self._announcements = announcements
        self._refresher = refresher
        self._clock = clock

    def run(self) -> Refreshed:
        # A day of margin: overseas departments end their announcements after Paris does.
        yesterday = self._clock.now().date() - timedelta(days=1)
        translated = kept = removed = 0
        for announcement in self._announcements.list_all():
            if announcement.end_date is not None and announcement.end_date < yesterday:
                continue
            result = self._refresher.refresh_texts(
                announcement_owner(announcement.id), announcement_texts(announcement)
            )
            translated += result.translated
            kept += result.kept
            removed += result.removed
        return Refreshed(translated=translated, kept=kept, removed=removed)


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

    def announcements(
        self, views: Sequence[PublicAnnouncement], lang: Language
    ) -> list[PublicAnnouncement]:
        """Public announcements in ``lang``, their translations read in one batch."""
        if lang == SOURCE or not views:
            return list(views)
        owners = [announcement_owner(view.id) for view in views]
        texts = [announcement_texts(view) for view in views]
        wanted = {owner: list(found) for owner, found in zip(owners, texts, strict=True)}
        stored = self._store.of_places(wanted, lang)
        return [
            _localized(view, found, stored.get(owner, {}), lang)
            for view, owner, found in zip(views, owners, texts, strict=True)
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


class AnnouncementTranslationsView(DomainModel):
    announcement_id: str
    lang: Language
    announcement_version: int = Field(description="Send it as If-Match to correct.")
    texts: list[TranslatedText]


MAX_CORRECTION_CHARS = 10_000


class TranslationCorrections:
    """A moderator's reading and correction of the translations of a place (moderators of its
    department) or an announcement (admins, who write announcements) in one language."""

    def __init__(
        self,
        places: PlaceRepository,
        announcements: AnnouncementRepository,
        store: TranslationStore,
        clock: Clock,
    ) -> None:
        self._places = places
        self._announcements = announcements
        self._store = store
        self._clock = clock

    def _place(self, principal: Principal, place_id: str) -> Place:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        place = self._places.get(place_id)
        require_department(principal, place.address.department_code)
        return place

    def _announcement(self, principal: Principal, announcement_id: str) -> Announcement:
        require(can_manage_announcements(principal), ADMINS_ONLY, code="role_required")
        return self._announcements.get(announcement_id)

    def view(self, principal: Principal, place_id: str, lang: str) -> PlaceTranslations:
        language = _target(lang)
        place = self._place(principal, place_id)
        return self._place_view(place, language)

    def _place_view(self, place: Place, lang: Language) -> PlaceTranslations:
        rows = self._rows(place.id, texts_of(place), lang)
        return PlaceTranslations(
            place_id=place.id, lang=lang, place_version=place.version, texts=rows
        )

    def announcement_view(
        self, principal: Principal, announcement_id: str, lang: str
    ) -> AnnouncementTranslationsView:
        language = _target(lang)
        announcement = self._announcement(principal, announcement_id)
        return self._announcement_view(announcement, language)

    def _announcement_view(
        self, announcement: Announcement, lang: Language
    ) -> AnnouncementTranslationsView:
        owner = announcement_owner(announcement.id)
        return AnnouncementTranslationsView(
            announcement_id=announcement.id,
            lang=lang,
            announcement_version=announcement.version,
            texts=self._rows(owner, announcement_texts(announcement), lang),
        )

    def _rows(self, owner: str, texts: Mapping[str, str], lang: Language) -> list[TranslatedText]:
        stored = self._store.of_place(owner, lang)
        rows = []
        for path, french in texts.items():
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
        return rows

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
        self._write(
            principal,
            _Owner(place.id, "place", place.version, texts_of(place)),
            language,
            texts,
            expected_version=place_version,
        )
        return self._place_view(place, language)

    def correct_announcement(
        self,
        principal: Principal,
        announcement_id: str,
        lang: str,
        texts: Mapping[str, Any],
        *,
        announcement_version: int,
    ) -> AnnouncementTranslationsView:
        """As ``correct``, for an announcement's title and body."""
        language = _target(lang)
        announcement = self._announcement(principal, announcement_id)
        owner = _Owner(
            announcement_owner(announcement.id),
            "announcement",
            announcement.version,
            announcement_texts(announcement),
        )
        self._write(principal, owner, language, texts, expected_version=announcement_version)
        return self._announcement_view(announcement, language)

    def _write(
        self,
        principal: Principal,
        owner: _Owner,
        language: Language,
        texts: Mapping[str, Any],
        *,
        expected_version: int,
    ) -> None:
        if not texts:
            raise InvalidInput("give at least one field to correct", field="body")
        french = owner.texts
        for path, text in texts.items():
            # ``french`` holds the owner's translatable texts only: a name, an address or a
            # text the owner lacks is not among them.
            if path not in french:
                known = ", ".join(french) or "none"
                raise InvalidInput(
                    f"{path[:200]!r} is not a translatable text of this {owner.kind}; "
                    f"it has: {known}",
                    field=path[:200],
                    code="unknown_field",
                )
            if not isinstance(text, str) or not text.strip():
                raise InvalidInput("a translation is a non-empty string", field=path[:200])
            if len(text) > MAX_CORRECTION_CHARS:
                raise InvalidInput(
                    f"a translation is at most {MAX_CORRECTION_CHARS} characters", field=path
                )
        if owner.version != expected_version:
            raise VersionConflict(
                f"the {owner.kind} is at version {owner.version}, not {expected_version}: "
                "read its French texts again",
                current_version=owner.version,
            )
        stored = self._store.of_place(owner.key, language)
        now = self._clock.now()
        for path, text in texts.items():
            before = stored.get(path)
            self._store.put(
                StoredTranslation(
                    place_id=owner.key,
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


@dataclass(frozen=True)
class _Owner:
    """What translations are corrected for: its key in the store, its kind (for messages),
    the version the corrector read, and its French texts."""

    key: str
    kind: Literal["place", "announcement"]
    version: int
    texts: Mapping[str, str]


def _target(lang: str) -> Language:
    language = supported(lang)
    if language == SOURCE:
        raise InvalidInput(
            "French is the source text: correct it by editing the place", field="lang"
        )
    return language
