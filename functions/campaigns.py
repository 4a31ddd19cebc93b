"""Lambda function ``campaigns``: finishes starting campaigns (docs/campaigns.md).

The API prepares at most REPERE_CAMPAIGN_HTTP_MAX_PLACES places of a new campaign (targets,
links, mails) within API Gateway's 29 seconds and queues the campaign id on the campaigns
queue; this worker prepares the rest, REPERE_CAMPAIGN_WORKER_MAX_PLACES per invocation, and
queues the id again while places remain. Every step is idempotent (conditional targets,
deterministic mail ids), so a redelivered or retried message never mails twice.

Event: SQS records whose body is ``{"campaign_id": "..."}``. Failures are reported per record.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.observability import logger
from functions.runtime import RecordBatch, SqsMessage, services, worker


class StartMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign_id: str = Field(pattern=r"^[a-z0-9]{1,64}$")


class StartRecord(SqsMessage[StartMessage]):
    pass


batch: RecordBatch[StartRecord] = RecordBatch(EventType.SQS, StartRecord)


def _start_record(record: StartRecord) -> None:
    message = record.body
    done = services().campaign_service.continue_start(message.campaign_id)
    logger.info("campaign_start", extra={"campaign_id": message.campaign_id, "complete": done})


@worker("repere-campaigns")
def handler(event: Any, context: Any) -> dict[str, Any]:
    return batch.process(event, context, _start_record)
