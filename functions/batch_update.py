"""Lambda function ``batch_update``: the batch update for admins who invoke it directly
(``aws lambda invoke``), for selections too large for the HTTP route's 29 seconds.

Same ``BatchUpdateService`` and the same authorization rules as ``POST /admin/batch-updates``.
IAM decides who may invoke the function at all (grant ``lambda:InvokeFunction`` to admins'
roles only); the payload's ``caller`` then says on whose behalf the batch runs, and its role
and departments scope it exactly as a token would. Event::

    {"caller": {"subject": "ops-alice", "role": "admin", "departments": []},
     "batch": {"idempotency_key": "lockdown-2020-03-17", "selection": {...},
               "patch": {...}, "dry_run": false, "comment": "..."}}

The function stops starting chunks when fewer than ``SAFETY_MARGIN_MS`` of its time remain
and answers ``complete: false``; invoking it again with the same payload resumes. Asynchronous
invocations (``--invocation-type Event``) are retried by Lambda after a crash: a retry resumes
too, and never applies a place twice.

It also consumes the batch-updates queue, where ``POST /admin/batch-updates`` puts the batches
it answered 202 (same event, as an SQS message body; only the API may send there). A message
whose batch could not finish (time ran out, the store failed) is reported failed, so SQS
delivers it again after its visibility timeout and the run resumes; after the queue's
``max_receive_count`` deliveries it lands in the dead-letter queue, never looping. A batch
the service refuses (a reused key, a role that may not) is logged and dropped: delivering it
again would be refused again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from pydantic import ValidationError

from chalicelib.domain.auth import Principal
from chalicelib.domain.batch.models import BatchRequest
from chalicelib.domain.errors import InvalidInput, RepereError, first_problem
from chalicelib.domain.hours.models import DomainModel
from chalicelib.observability import logger
from functions.runtime import RecordBatch, SqsMessage, services, worker

SAFETY_MARGIN_MS = 60_000
"""Time kept for the chunk in flight and the answer: a chunk of 50 places takes well under
a second on DynamoDB, so a minute is ample."""


class WorkerEvent(DomainModel):
    caller: Principal
    batch: BatchRequest


class BatchNotFinished(Exception):
    """The queued batch stopped before its end: SQS must deliver it again to resume it."""


class QueuedBatch(SqsMessage[Any]):
    """A queued batch: any JSON body. Its fields are checked as an invoked event's are, so a
    refused one is dropped (logged) rather than delivered again; only unreadable JSON fails."""


queue: RecordBatch[QueuedBatch] = RecordBatch(EventType.SQS, QueuedBatch)


@worker("repere-batch-update")
def handler(event: Any, context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and "Records" in event:
        return _run_queued(event, context)
    return _run_invoked(event, context)


def _run_queued(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def run_record(record: QueuedBatch) -> None:
        answer = _run_invoked(record.body, context)
        if not answer["ok"]:
            return  # refused: logged by _failure; another delivery would be refused again
        if not answer["report"]["complete"]:
            raise BatchNotFinished(answer["report"]["batch_id"])

    return queue.process(event, context, run_record)


def _run_invoked(event: Any, context: Any) -> dict[str, Any]:
    try:
        payload = WorkerEvent.model_validate(event)
    except ValidationError as error:
        first = first_problem(error)
        return _failure(InvalidInput(first.message, field=first.field))
    except RepereError as error:
        return _failure(error)

    def should_stop() -> bool:
        remaining: int = context.get_remaining_time_in_millis()
        return remaining < SAFETY_MARGIN_MS

    caller = payload.caller
    try:
        report = services().batch_update_service.run(caller, payload.batch, should_stop=should_stop)
    except RepereError as error:
        return _failure(error, caller)
    logger.info(
        "batch_update",
        extra={
            "caller": caller.subject,
            "role": caller.role.value,
            "batch_id": report.batch_id,
            "dry_run": report.dry_run,
            "complete": report.complete,
            "replayed": report.replayed,
            "selected": report.selected,
            "counts": {status.value: count for status, count in report.counts.items()},
        },
    )
    return {"ok": True, "report": report.model_dump(mode="json")}


def _failure(error: RepereError, caller: Principal | None = None) -> dict[str, Any]:
    logger.warning(
        "batch_update_refused",
        extra={
            "code": error.code,
            "field": error.field,
            "caller": caller.subject if caller is not None else None,
        },
    )
    return {
        "ok": False,
        "error": {"code": error.code, "message": error.message, "field": error.field},
    }
