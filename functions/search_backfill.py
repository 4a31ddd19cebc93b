"""Lambda function ``search-backfill``: (re)build the search cells from the places table.

Run it once on a stage whose places predate the search cells, after a point-in-time restore of
either table, or to check them (it rewrites nothing that is right). Safe beside live traffic:
every rewrite is conditional (chalicelib/adapters/dynamodb/search_backfill.py)::

    aws lambda invoke --function-name repere-prod-search-backfill \\
        --cli-binary-format raw-in-base64-out --payload '{}' out.json

It works until about a minute of its time is left, then answers ``{"done": false, "next":
{...}}``: invoke it again with ``next`` as the payload to go on where it stopped. Locally:
``make backfill-search`` (devtools/search_backfill.py loops until done).

Event: ``{"phase": "cells" | "places", "start_key": <a DynamoDB key> | null}`` (both optional;
the cells phase comes first). Answers ``{"ok": true, "done": ..., "next": ..., "reports": [...]}``
or ``{"ok": false, "error": ...}`` for a malformed event.
"""

from __future__ import annotations

from typing import Any, Literal

from chalicelib.observability import logger
from functions.runtime import OptionalEvent, ok_false, services, worker

PHASES: tuple[Literal["cells", "places"], ...] = ("cells", "places")
MARGIN_MS = 60_000
"""Time left at which the function stops after its current page."""


class BackfillEvent(OptionalEvent):
    phase: Literal["cells", "places"] = "cells"
    start_key: dict[str, Any] | None = None


def run(event: BackfillEvent, context: Any = None) -> dict[str, Any]:
    from chalicelib.adapters.dynamodb.search_backfill import SearchCellBackfill

    services().adapters.place_scan  # noqa: B018 - binds the tables to the store
    backfill = SearchCellBackfill()

    def keep_going() -> bool:
        if context is None:
            return True
        return bool(context.get_remaining_time_in_millis() > MARGIN_MS)

    reports = []
    phase, start_key = event.phase, event.start_key
    for current in PHASES[PHASES.index(phase) :]:
        report = backfill.run(current, start_key if current == phase else None, keep_going)
        reports.append(report.as_json())
        logger.info("search_backfill_page_run", extra=report.as_json())
        for note in report.notes:
            logger.warning("search_backfill_note", extra={"note": note})
        if report.resume_key is not None:
            return {
                "ok": True,
                "done": False,
                "next": {"phase": current, "start_key": report.resume_key},
                "reports": reports,
            }
    return {"ok": True, "done": True, "next": None, "reports": reports}


@worker("repere-search-backfill", event=BackfillEvent, refuse=ok_false)
def handler(options: BackfillEvent, context: Any) -> dict[str, Any]:
    return run(options, context)
