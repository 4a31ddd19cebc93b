"""The worker queues of `make run` (issue 15): batch updates and campaign starts continue in
their workers, as in AWS, instead of inside the request.

Without these queues the local API applied a whole batch update and prepared a whole campaign
in the request (REPERE_BATCH_QUEUE_URL and REPERE_CAMPAIGNS_QUEUE_URL unset): on moto a
500-place campaign took minutes to answer where API Gateway gives 29 seconds.
``start_local_queues`` creates both queues in the embedded moto, exports their URLs to the
environment the API subprocess inherits, and starts one ``QueuePump`` per queue: a thread that
plays Lambda's SQS event source mapping for the real worker handler (functions/batch_update.py,
functions/campaigns.py): receive, call the handler with an SQS event, delete what succeeded,
leave failures to come back after the visibility timeout, and drop a message after
``MAX_RECEIVES`` deliveries as the dead-letter queue would (infra/registry.py).

moto keeps SQS in memory: a batch or a start still queued when the stack stops is not resumed
at the next start (run the same batch again with its key, or the start with its
Idempotency-Key: both resume where they stopped).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devtools.local_exports import sqs_event

BATCH_QUEUE = "repere-local-batch-updates"
CAMPAIGNS_QUEUE = "repere-local-campaigns"
MAX_RECEIVES = 5
"""Deliveries before a message is dropped (the batch-updates queue's max_receive_count)."""
VISIBILITY_SECONDS = 60
"""A failed message comes back after this long. Shorter than AWS's (the function's timeout):
one pump thread per queue never runs a message twice at once, so nothing is gained locally
by waiting as long."""
CAMPAIGN_HTTP_MAX_PLACES = 20
"""Places the local API prepares in a campaign start before handing the rest to the pumped
worker (REPERE_CAMPAIGN_HTTP_MAX_PLACES; deployed: 200). moto answers each place's calls in
tens of milliseconds where DynamoDB takes a few: 20 keeps a start's answer within ~2 s."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class LocalContext:
    """What the workers read of Lambda's context: the time left before their timeout."""

    def __init__(self, timeout_seconds: float) -> None:
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class QueueSpec:
    name: str
    env: str
    handler: Callable[[], Handler]
    """Imported when the pump starts: a worker module switches its process to the workers'
    store budget at import, which the API (another process) never sees."""
    batch_size: int = 1
    timeout_seconds: float = 900.0


def _batch_handler() -> Handler:
    from functions import batch_update

    return batch_update.handler


def _campaigns_handler() -> Handler:
    from functions import campaigns

    return campaigns.handler


QUEUES = (
    QueueSpec(BATCH_QUEUE, "REPERE_BATCH_QUEUE_URL", _batch_handler),
    QueueSpec(CAMPAIGNS_QUEUE, "REPERE_CAMPAIGNS_QUEUE_URL", _campaigns_handler),
)


class QueuePump:
    """Polls one queue and hands its messages to a worker handler, one batch at a time."""

    def __init__(
        self,
        queue_url: str,
        queue_name: str,
        handler: Handler,
        region: str,
        *,
        batch_size: int = 1,
        timeout_seconds: float = 900.0,
        interval: float = 0.2,
    ) -> None:
        self.queue_url = queue_url
        self._name = queue_name
        self._handler = handler
        self._region = region
        self._batch_size = batch_size
        self._timeout = timeout_seconds
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pump-{queue_name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)  # the batch in flight finishes its chunk first

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                while self.drain_once() and not self._stop.is_set():
                    pass  # more may be waiting: no pause between messages
            except Exception as error:  # keep pumping; the console says why
                print(f"{self._name} pump: {type(error).__name__}: {error}")

    def drain_once(self) -> int:
        """Receive and handle one batch of messages; returns how many were received."""
        import boto3

        sqs = boto3.client("sqs", region_name=self._region)
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=0,
            AttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, self._region, self._name)
        response = self._handler(event, LocalContext(self._timeout))
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        for message in messages:
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if message["MessageId"] in failed and receives < MAX_RECEIVES:
                continue  # delivered again after the visibility timeout, and resumed
            if message["MessageId"] in failed:
                print(f"{self._name} pump: dropped a message after {receives} deliveries")
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)


def prepare_queues(region: str) -> dict[str, str]:
    """Create the queues; returns the environment variables the API needs."""
    import boto3

    sqs = boto3.client("sqs", region_name=region)
    environment = {"REPERE_CAMPAIGN_HTTP_MAX_PLACES": str(CAMPAIGN_HTTP_MAX_PLACES)}
    for spec in QUEUES:
        environment[spec.env] = sqs.create_queue(
            QueueName=spec.name, Attributes={"VisibilityTimeout": str(VISIBILITY_SECONDS)}
        )["QueueUrl"]
    return environment


def start_local_queues(region: str) -> list[QueuePump]:
    """Create the queues, export their URLs (the API subprocess inherits the environment;
    an explicit REPERE_CAMPAIGN_HTTP_MAX_PLACES is kept) and start one pump per queue."""
    from chalicelib.config import get_settings

    environment = prepare_queues(region)
    if "REPERE_CAMPAIGN_HTTP_MAX_PLACES" in os.environ:
        del environment["REPERE_CAMPAIGN_HTTP_MAX_PLACES"]
    os.environ.update(environment)
    get_settings.cache_clear()  # this process's workers re-queue through the same URLs
    pumps = [
        QueuePump(
            os.environ[spec.env],
            spec.name,
            spec.handler(),
            region,
            batch_size=spec.batch_size,
            timeout_seconds=spec.timeout_seconds,
        )
        for spec in QUEUES
    ]
    for pump in pumps:
        pump.start()
    print("queues: large batch updates and campaign starts continue in their workers here")
    return pumps
