"""Lambda function ``stats-snapshot``: the daily statistics snapshot per department.

Scheduled every day at 00:30 in Paris (EventBridge, input ``{}``): snapshots the local day
that just ended (docs/statistics.md) and rolls that day's search counters up into France's.
Rerunning a day overwrites its items, so it is safe to run by hand, e.g. to fill a missed day::

    aws lambda invoke --function-name repere-prod-stats-snapshot \\
        --cli-binary-format raw-in-base64-out --payload '{"day": "2026-11-28"}' out.json

Event: ``{"day": "YYYY-MM-DD"}`` (optional). Answers ``{"ok": true, "day": ..., "departments":
n, "france": {...}}`` or ``{"ok": false, "error": ...}`` for a bad event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.observability import logger
from functions.runtime import OptionalEvent, ok_false, services, worker


class SnapshotEvent(OptionalEvent):
    day: date | None = None


@worker("repere-stats-snapshot", event=SnapshotEvent, refuse=ok_false)
def handler(options: SnapshotEvent, context: Any) -> dict[str, Any]:
    del context
    rows = services().snapshot_service.run(options.day)
    france = rows[-1]
    logger.info(
        "stats_snapshot",
        extra={"day": france.day.isoformat(), "departments": len(rows) - 1},
    )
    return {
        "ok": True,
        "day": france.day.isoformat(),
        "departments": len(rows) - 1,
        "france": france.model_dump(mode="json"),
    }
