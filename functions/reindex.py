"""Lambda function ``reindex``: rebuild the OpenSearch index from the places table, no downtime.

Scheduled daily (EventBridge, constant input ``{}``): the rebuild also refreshes every
document's opening intervals for the next REPERE_OPENSEARCH_HOURS_DAYS days, which open=now and
open=today rely on. Run by hand after a mapping change or to repair the index::

    aws lambda invoke --function-name repere-prod-reindex \\
        --cli-binary-format raw-in-base64-out --payload '{"keep_old": true}' out.json

Event: ``{"keep_old": false, "force": false}`` (both optional). ``keep_old`` keeps the previous
index (no alias) to swap back by hand; ``force`` takes over from a reindex that died holding
the ``-reindexing`` alias. Answers the report, or ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.opensearch.reindex import ReindexError, ReindexReport, reindex
from chalicelib.observability import logger
from functions.runtime import OptionalEvent, ok_false, services, worker


class ReindexEvent(OptionalEvent):
    keep_old: bool = False
    force: bool = False


def run(options: ReindexEvent) -> ReindexReport:
    root = services()
    settings = root.settings
    return reindex(
        root.adapters.indexing_index,
        root.adapters.place_scan.all_places(),
        root.taxonomy,
        root.clock,
        days=settings.opensearch_hours_days,
        bulk_size=settings.opensearch_bulk_size,
        replicas=settings.opensearch_replicas,
        keep_old=options.keep_old,
        force=options.force,
    )


@worker("repere-reindex", event=ReindexEvent, refuse=ok_false)
def handler(options: ReindexEvent, context: Any) -> dict[str, Any]:
    del context
    try:
        report = run(options)
    except ReindexError as error:
        logger.error("reindex_refused", extra={"error": str(error)})
        return {"ok": False, "error": str(error)}
    return {"ok": True, **report_json(report)}


def report_json(report: ReindexReport) -> dict[str, Any]:
    return {
        "index": report.index,
        "previous": report.previous,
        "documents": report.documents,
        "deleted_previous": report.deleted_previous,
        "bulk_requests": report.bulk_requests,
    }
