"""Lambda function ``change-feed``: files the public writes waiting for their numbers in the
change feed (docs/changes.md).

Scheduled every minute (EventBridge), with a reserved concurrency of 1: one sequencer numbers
the feeds (a second one would be safe, only wasted: see chalicelib/adapters/dynamodb/
changes.py). A run files batches until nothing is pending or its time is nearly spent, so a
backlog (a batch update of 5,000 places) drains over a few runs. ``make run`` runs it every
minute too (devtools/local_schedule.py); ``make invoke FN=change-feed`` runs it at once.

Event: ``{"limit": n}`` (optional, changes per batch). Answers ``{"ok": true, "filed": n,
"batches": n}``, or ``{"ok": false, "error": ...}`` for a bad event.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.observability import logger
from functions.runtime import OptionalEvent, ok_false, services, worker

SERVICE = "repere-change-feed"
STOP_WITH_MS_LEFT = 15_000
"""Stop filing when Lambda's deadline is this close: a batch is one transaction of ~100 items
and a few reads, well under it."""


class SequenceEvent(OptionalEvent):
    limit: int = Field(default=500, ge=1, le=5000)


@worker(SERVICE, event=SequenceEvent, refuse=ok_false)
def handler(options: SequenceEvent, context: Any) -> dict[str, Any]:
    log = services().adapters.change_log
    filed = batches = 0
    while True:
        count = log.sequence_pending(options.limit)
        filed += count
        batches += 1
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if count == 0 or (remaining is not None and remaining() < STOP_WITH_MS_LEFT):
            break
    if filed:
        logger.info("changes_filed", extra={"filed": filed, "batches": batches})
    return {"ok": True, "filed": filed, "batches": batches}
