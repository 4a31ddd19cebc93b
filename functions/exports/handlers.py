"""Lambda handlers of the export worker (packaged by infra/ with templates/ and WeasyPrint).

* ``schedule_handler``: an EventBridge schedule (each Monday, say) queues every configured
  export (functions/exports/export_sets.json: territories x category sets x formats) for the
  event's date in Paris. An event ``detail`` of ``{"sets": ["weekly-leaflets"]}`` (the rule's
  constant input) limits it to those sets. Ids derive from the set, the date and the request:
  a twice-delivered event queues nothing twice.
* ``queue_handler``: SQS batches of ``{"export_id": ...}``; each record renders one export and
  stores it in S3. Failures are reported per record (``batchItemFailures``, the event source
  mapping must enable ReportBatchItemFailures): SQS retries only those, then moves them to the
  dead-letter queue.

Rendering is fanned out through the queue rather than done in the schedule's invocation: one
export per invocation keeps each under Lambda's 15 minutes and memory, retries one file and
not the whole week's set, and lets on-demand and scheduled exports share one path.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.config import get_settings
from chalicelib.domain.exports.models import ExportMessage, ExportSchedule
from chalicelib.domain.exports.service import ExportRunner
from chalicelib.observability import logger
from functions.exports.render import FileRenderer
from functions.runtime import RecordBatch, SqsMessage, services, worker

DEFAULT_SETS_FILE = Path(__file__).resolve().parent / "export_sets.json"

SERVICE = "repere-exports"


class ScheduleDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sets: list[str] | None = Field(default=None, max_length=50)


class ScheduleEvent(BaseModel):
    """The part of an EventBridge event the schedule reads (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    time: datetime | None = None
    detail: ScheduleDetail = Field(default_factory=ScheduleDetail)


@cache
def load_schedule(path: str | None = None) -> ExportSchedule:
    file = Path(path) if path else DEFAULT_SETS_FILE
    return ExportSchedule.model_validate_json(file.read_bytes())


@cache
def renderer() -> FileRenderer:
    return FileRenderer()


def runner() -> ExportRunner:
    return services().export_runner(renderer())


@worker(SERVICE, event=ScheduleEvent)
def schedule_handler(parsed: ScheduleEvent, context: Any) -> dict[str, Any]:
    del context
    at = parsed.time or services().clock.now()
    schedule = load_schedule(get_settings().exports_sets_file)
    records = services().export_service.schedule(schedule, at, parsed.detail.sets)
    logger.info("exports_scheduled", extra={"count": len(records), "at": at.isoformat()})
    return {"scheduled": len(records), "export_ids": [record.id for record in records]}


class ExportRecord(SqsMessage[ExportMessage]):
    pass


batch: RecordBatch[ExportRecord] = RecordBatch(EventType.SQS, ExportRecord)


def _render_record(record: ExportRecord) -> None:
    message = record.body
    try:
        done = runner().run(message.export_id)
    except Exception as error:
        # The type only: a message of ours may quote data, and the job keeps the detail.
        logger.warning(
            "export_failed",
            extra={"export_id": message.export_id, "error_type": type(error).__name__},
        )
        raise
    logger.info(
        "export_ready",
        extra={
            "export_id": done.id,
            "format": done.spec.format.value,
            "entries": done.entry_count,
            "size_bytes": done.size_bytes,
        },
    )


@worker(SERVICE)
def queue_handler(event: Any, context: Any) -> dict[str, Any]:
    return batch.process(event, context, _render_record)
