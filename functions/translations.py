"""Lambda function ``translations``: translates the place texts that changed, read from France's
change feed, and the announcements' new or changed titles and bodies (docs/translations.md).

Scheduled every minute (EventBridge), reserved concurrency 1 (one reader moves the feed
checkpoint). Why the change feed rather than the places table's stream: see
``TranslationFeed`` (chalicelib/domain/translations/service.py): every committed public write
is numbered once in France's feed, and the feed runs under ``make run`` and on moto, where
no stream poller does. A run reads batches until the feed is drained or its time is nearly
spent; a translation failure keeps the checkpoint before the change that failed, so the next
run starts there (writes are conditional and translations of an unchanged text are not made
twice). Writes of places never wait for this: they only store their pending change.

Event: ``{"limit": n}`` (optional, changes per batch). Answers ``{"ok": true, "changes": n,
"places": n, "announcement_texts": n, "translated": n}``, or ``{"ok": false, "error": ...}``
for a bad event.

Backfill (``TranslationBackfill``): ``{"snapshot": true, "department": "75" | null, "cursor":
null}`` translates the places online now, read from the feed's snapshot: run it once on a
stage whose places predate translations, or after a ``translations_feed_gap``. It answers
``{"ok": true, "snapshot": {"places": n, "translated": n, "done": bool, "cursor": ...}}``;
not done (its time ran out), invoke it again with that ``cursor``. Locally: ``make invoke
FN=translations EVENT='{"snapshot": true}'``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from chalicelib.domain.cursors import MAX_CURSOR_CHARS
from chalicelib.domain.errors import InvalidCursor
from chalicelib.domain.territories import DEPARTMENT_PATTERN
from chalicelib.observability import logger
from functions.runtime import OptionalEvent, ok_false, services, worker

SERVICE = "repere-translations"
STOP_WITH_MS_LEFT = 60_000
"""Stop reading batches this close to Lambda's deadline: a batch of 100 changes may need a
few hundred TranslateText calls."""


class TranslationsEvent(OptionalEvent):
    limit: int | None = Field(default=None, ge=1, le=1000)
    snapshot: bool = False
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)
    cursor: str | None = Field(default=None, min_length=1, max_length=MAX_CURSOR_CHARS)

    @model_validator(mode="after")
    def _snapshot_options(self) -> TranslationsEvent:
        if not self.snapshot and (self.department is not None or self.cursor is not None):
            raise ValueError("department and cursor go with snapshot: true")
        return self


@worker(SERVICE, event=TranslationsEvent, refuse=ok_false)
def handler(options: TranslationsEvent, context: Any) -> dict[str, Any]:
    if options.snapshot:
        return _backfill(options, context)
    root = services()
    limit = options.limit or root.settings.translations_feed_batch
    feed = root.translation_feed
    changes = places = translated = 0
    while True:
        run = feed.run(limit)
        changes += run.changes
        places += run.places
        translated += run.translated
        if run.skipped_gap:
            logger.warning("translations_feed_gap", extra={"resumed_after": run.last_seq})
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if run.changes < limit or (remaining is not None and remaining() < STOP_WITH_MS_LEFT):
            break
    # Announcements have no feed: the few not yet over are checked at each run.
    announcements = root.announcement_translations.run()
    translated += announcements.translated
    if changes or announcements.translated:
        logger.info(
            "translations_refreshed",
            extra={
                "changes": changes,
                "places": places,
                "announcements_translated": announcements.translated,
                "translated": translated,
            },
        )
    return {
        "ok": True,
        "changes": changes,
        "places": places,
        "announcement_texts": announcements.translated,
        "translated": translated,
    }


def _backfill(options: TranslationsEvent, context: Any) -> dict[str, Any]:
    root = services()
    limit = options.limit or root.settings.translations_feed_batch
    cursor = options.cursor
    places = translated = 0
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    while True:
        try:
            run = root.translation_backfill.run(
                department=options.department, cursor=cursor, limit=limit
            )
        except InvalidCursor as error:
            return ok_false(error)
        places += run.places
        translated += run.translated
        cursor = run.next_cursor
        if cursor is None or (remaining is not None and remaining() < STOP_WITH_MS_LEFT):
            break
    logger.info(
        "translations_backfilled",
        extra={"places": places, "translated": translated, "done": cursor is None},
    )
    return {
        "ok": True,
        "snapshot": {
            "places": places,
            "translated": translated,
            "done": cursor is None,
            "cursor": cursor,
        },
    }
