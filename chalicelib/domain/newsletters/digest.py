"""A department's weekly digest, built from the places' history (docs/newsletters.md).

For each place with history entries in ``[week start, week end)`` the digest compares the
state of each field group at the start of the week (``before`` of its first change in the
week) with its state at the end (``after`` of its last change): a closure opened and lifted
within the week says nothing, a place that changed three times counts once. Sections:

- ``newly_online``: status became ``online`` from nothing or a draft;
- ``reopened``: status back to ``online`` from offline / permanently closed, or a temporary
  closure lifted (the place online);
- ``temporarily_closed``: a new temporary closure (the place online);
- ``permanently_closed``: status became ``permanently_closed``;
- ``temporary_messages`` / ``temporary_hours``: a new temporary message / hours (online).

A closure that simply reaches its end date is not a change of the history: it does not
appear (the public pages already show the place open again).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pydantic import JsonValue

from chalicelib.domain.exports.models import ExportFormat, ExportSummary
from chalicelib.domain.newsletters.models import (
    Digest,
    DigestExport,
    DigestPlace,
    DigestSection,
    IssueWeek,
    issue_id,
)
from chalicelib.domain.newsletters.ports import LatestExports
from chalicelib.domain.places.history import HistoryEntry
from chalicelib.domain.places.listing import PlaceFilter
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceEditStore
from chalicelib.domain.places.views import public_url
from chalicelib.domain.translations.fields import source_hash
from chalicelib.domain.translations.languages import TARGETS
from chalicelib.domain.translations.ports import TranslationStore

SECTIONS = (
    "newly_online",
    "reopened",
    "temporarily_closed",
    "permanently_closed",
    "temporary_messages",
    "temporary_hours",
)
MAX_PLACES_PER_SECTION = 50
"""Listed by name; the count says the rest (the mail stays readable and small)."""
_WATCHED = ("status", "temporary_closure", "temporary_message", "temporary_hours")
_HISTORY_PAGE = 20
_GET_MANY = 100


@dataclass(frozen=True)
class PlaceWeek:
    place: Place
    entries: list[HistoryEntry]  # oldest first, all within the week


def changed_places(store: PlaceEditStore, department: str, week: IssueWeek) -> Iterator[PlaceWeek]:
    """Places of the department with history entries in the week.

    The listing gives every place of the department; only those updated since the week
    began (``updated_at``) can have entries in it, so only their history is read, newest
    first, stopping at the first entry older than the week.
    """
    ids = [place_id for place_id, _ in store.iter_matching(PlaceFilter(department=department))]
    for start in range(0, len(ids), _GET_MANY):
        places = store.get_many(ids[start : start + _GET_MANY])
        for place_id in ids[start : start + _GET_MANY]:
            place = places.get(place_id)
            if place is None or place.updated_at < week.start:
                continue
            entries = _entries_in_week(store, place_id, week)
            if entries:
                yield PlaceWeek(place, entries)


def _entries_in_week(store: PlaceEditStore, place_id: str, week: IssueWeek) -> list[HistoryEntry]:
    found: list[HistoryEntry] = []
    before: int | None = None
    while True:
        page = store.history(place_id, limit=_HISTORY_PAGE, before=before)
        for entry in page.entries:
            if entry.at < week.start:
                return sorted(found, key=lambda e: e.version)
            if entry.at < week.end:
                found.append(entry)
        if page.next_before is None:
            return sorted(found, key=lambda e: e.version)
        before = page.next_before


def _net_changes(entries: list[HistoryEntry]) -> dict[str, tuple[JsonValue, JsonValue]]:
    """field -> (state before the week, state after it), for the watched fields."""
    net: dict[str, tuple[JsonValue, JsonValue]] = {}
    for entry in entries:
        for change in entry.changes:
            if change.field not in _WATCHED:
                continue
            first = net[change.field][0] if change.field in net else change.before
            net[change.field] = (first, change.after)
    return {field: pair for field, pair in net.items() if pair[0] != pair[1]}


def classify(place: Place, entries: list[HistoryEntry]) -> dict[str, str | None]:
    """The sections the place belongs to this week, each with a detail (or None)."""
    net = _net_changes(entries)
    found: dict[str, str | None] = {}
    if "status" in net:
        before, after = net["status"]
        if after == PlaceStatus.ONLINE.value and before in (None, PlaceStatus.DRAFT.value):
            found["newly_online"] = None
        elif after == PlaceStatus.ONLINE.value:
            found["reopened"] = None
        elif after == PlaceStatus.PERMANENTLY_CLOSED.value:
            found["permanently_closed"] = None
    if place.status is not PlaceStatus.ONLINE:
        # Closures, messages and hours of a place nobody can see are no news.
        return {key: value for key, value in found.items() if key == "permanently_closed"}
    if "temporary_closure" in net:
        before, after = net["temporary_closure"]
        if after is None:
            found.setdefault("reopened", None)
        elif "newly_online" not in found:
            found["temporarily_closed"] = _period(after, "reason")
    if "temporary_message" in net and net["temporary_message"][1] is not None:
        found["temporary_messages"] = _period(net["temporary_message"][1], "text")
    if "temporary_hours" in net and net["temporary_hours"][1] is not None:
        found["temporary_hours"] = _period(net["temporary_hours"][1], None)
    return found


_TEXT_SEPARATOR = " : "
TRANSLATED_DETAILS = {
    "temporarily_closed": "temporary_closure.reason",
    "temporary_messages": "temporary_message.text",
}
"""The sections whose detail holds a place's French text, and that text's path."""


def _period(value: JsonValue, text_key: str | None) -> str | None:
    if not isinstance(value, dict):
        return None
    start, end = value.get("start_date"), value.get("end_date")
    dates = f"{start} → {end}" if end else f"{start} →"
    text = value.get(text_key) if text_key else None
    return f"{dates}{_TEXT_SEPARATOR}{text}" if isinstance(text, str) and text else str(dates)


def _detail_text(detail: str | None) -> tuple[str, str] | None:
    """(dates, French text) of a detail ``_period`` wrote with a text."""
    if detail is None or _TEXT_SEPARATOR not in detail:
        return None
    dates, _, text = detail.partition(_TEXT_SEPARATOR)
    return dates, text


class DigestBuilder:
    def __init__(
        self,
        store: PlaceEditStore,
        exports: LatestExports,
        *,
        site_url: str,
        translations: TranslationStore | None = None,
    ) -> None:
        self._store = store
        self._exports = exports
        self._site_url = site_url
        self._translations = translations

    def build(self, department: str, week: IssueWeek) -> Digest:
        found: dict[str, list[DigestPlace]] = {key: [] for key in SECTIONS}
        for item in changed_places(self._store, department, week):
            for section, detail in classify(item.place, item.entries).items():
                found[section].append(
                    DigestPlace(
                        id=item.place.id,
                        name=item.place.name,
                        city=item.place.address.city,
                        url=public_url(self._site_url, item.place),
                        detail=detail,
                    )
                )
        listed = {
            key: sorted(found[key], key=lambda p: (p.name.casefold(), p.id))[
                :MAX_PLACES_PER_SECTION
            ]
            for key in SECTIONS
        }
        if self._translations is not None:
            listed = self._translated(listed, self._translations)
        sections = [
            DigestSection(key=key, count=len(found[key]), places=listed[key]) for key in SECTIONS
        ]
        return Digest(
            issue_id=issue_id(department, week),
            department=department,
            week=week.label,
            week_start=week.monday,
            week_end=week.monday + timedelta(days=6),
            sections=sections,
            total=sum(section.count for section in sections),
            exports=self._exports.latest(department),
            site_url=self._site_url,
        )

    @staticmethod
    def _translated(
        listed: dict[str, list[DigestPlace]], store: TranslationStore
    ) -> dict[str, list[DigestPlace]]:
        """Each listed detail that holds a French text, in every language it has a current
        translation in (one batch read per language for the whole digest): the issue is
        stored once, and each subscriber's mail picks its language."""
        wanted: dict[str, list[str]] = {}
        for key, path in TRANSLATED_DETAILS.items():
            for place in listed[key]:
                if _detail_text(place.detail) is not None:
                    wanted.setdefault(place.id, []).append(path)
        if not wanted:
            return listed
        stored = {lang: store.of_places(wanted, lang) for lang in TARGETS}
        result = dict(listed)
        for key, path in TRANSLATED_DETAILS.items():
            places = []
            for place in listed[key]:
                parts = _detail_text(place.detail)
                if parts is None:
                    places.append(place)
                    continue
                dates, french = parts
                texts = {}
                for lang in TARGETS:
                    found = stored[lang].get(place.id, {}).get(path)
                    if found is not None and found.is_current(source_hash(french)):
                        texts[lang] = f"{dates}{_TEXT_SEPARATOR}{found.text}"
                places.append(place.model_copy(update={"translations": texts}))
            result[key] = places
        return result


class ExportListLinks:
    """``LatestExports`` over the export service: the newest ready export of each format of
    the department, linked through the API's counted download route."""

    def __init__(self, exports: ExportLister, api_url: str, limit: int = 6) -> None:
        self._exports = exports
        self._api_url = api_url.rstrip("/")
        self._limit = limit

    def latest(self, department: str) -> list[DigestExport]:
        summaries, _ = self._exports.list_exports(
            department=department, export_format=None, limit=50, cursor=None
        )
        found: dict[str, DigestExport] = {}
        for summary in summaries:  # newest first
            key = summary.format.value
            if key not in found and len(found) < self._limit:
                found[key] = DigestExport(
                    title=summary.title,
                    format=key,
                    url=f"{self._api_url}{summary.download_path}",
                    data_date=summary.data_date,
                )
        return list(found.values())


class ExportLister(Protocol):
    def list_exports(
        self,
        *,
        department: str | None,
        export_format: ExportFormat | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[ExportSummary], str | None]: ...
