"""Lambda handlers of the mailer (packaged by infra/ with templates/ and Jinja2).

* ``handler``: SQS batches of ``MailMessage`` JSON (the mail queue). Each record is rendered
  (templates/mail/) and sent through SES v2, at most once per message id (the ``sent-mail``
  table); a suppressed address is skipped. Failures are reported per record
  (``batchItemFailures``: the event source mapping enables ReportBatchItemFailures), so SQS
  retries only those, then moves them to the dead-letter queue.
* ``feedback_handler``: SQS batches of SNS notifications from SES (bounces, complaints);
  permanent bounces and complaints go to the suppression list.

Never logged: addresses, subjects, bodies, links (they carry tokens). Only message ids,
template names and outcomes.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType

from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.mail.service import Mailer, SendPacer, record_feedback
from chalicelib.observability import logger
from functions.mail_render import JinjaMailRenderer
from functions.runtime import RecordBatch, SqsMessage, services, worker


class MailRecord(SqsMessage[MailMessage]):
    pass


class FeedbackRecord(SqsMessage[Any]):
    """An SES notification, in its SNS envelope or not (unwrapped by ``_feedback_record``)."""


mail_batch: RecordBatch[MailRecord] = RecordBatch(EventType.SQS, MailRecord)
feedback_batch: RecordBatch[FeedbackRecord] = RecordBatch(EventType.SQS, FeedbackRecord)


@cache
def renderer() -> JinjaMailRenderer:
    return JinjaMailRenderer()


@cache
def pacer(rate_per_second: float) -> SendPacer:
    """One pacer per container (and rate): the pace holds across invocations."""
    return SendPacer(rate_per_second)


def mailer() -> Mailer:
    """Built once per invocation (one SES client for the batch), from current settings."""
    root = services()
    return root.mailer(renderer(), pacer(root.settings.mail_send_rate_per_second))


def _deliver_record(record: MailRecord, current: Mailer | None = None) -> None:
    message = record.body
    try:
        outcome = (current or mailer()).deliver(message)
    except Exception as error:
        logger.warning(
            "mail_failed",
            extra={"message_id": message.id, "error_type": type(error).__name__},
        )
        raise
    logger.info(
        "mail_delivery",
        extra={
            "message_id": message.id,
            "template": message.template,
            "status": outcome.status.value,
        },
    )


@worker("repere-mailer")
def handler(event: Any, context: Any) -> dict[str, Any]:
    current = mailer()

    def deliver(record: MailRecord) -> None:
        _deliver_record(record, current)

    return mail_batch.process(event, context, deliver)


def _feedback_record(record: FeedbackRecord) -> None:
    body = record.body
    # SNS → SQS without raw delivery wraps the SES notification in an SNS envelope.
    if isinstance(body, dict) and body.get("Type") == "Notification" and "Message" in body:
        body = json.loads(body["Message"])
    if not isinstance(body, dict):
        raise ValueError("an SES notification is a JSON object")
    count = record_feedback(body, services().adapters.suppression_list, services().clock)
    logger.info("mail_feedback", extra={"suppressed": count})


@worker("repere-mailer")
def feedback_handler(event: Any, context: Any) -> dict[str, Any]:
    return feedback_batch.process(event, context, _feedback_record)
