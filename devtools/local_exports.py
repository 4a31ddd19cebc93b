"""Exports under `make run`: the bucket and queue in the embedded moto, and a pump that feeds
queued jobs to the export worker's queue handler (what Lambda's SQS event source does in AWS).

So ``POST /admin/exports`` on the local API is rendered within a few seconds, listed by
``GET /exports`` and downloadable (the presigned link points at moto). moto keeps S3 in
memory: after a restart, exports listed from the restored table have lost their files.
"""

from __future__ import annotations

import os
import threading
from typing import Any

EXPORTS_BUCKET = "repere-local-exports"
EXPORTS_QUEUE = "repere-local-exports"


def prepare_exports(region: str) -> dict[str, str]:
    """Create the bucket and the queue; returns environment variables to set."""
    import boto3

    boto3.client("s3", region_name=region).create_bucket(
        Bucket=EXPORTS_BUCKET, CreateBucketConfiguration={"LocationConstraint": region}
    )
    queue_url = boto3.client("sqs", region_name=region).create_queue(QueueName=EXPORTS_QUEUE)[
        "QueueUrl"
    ]
    return {"REPERE_EXPORTS_BUCKET": EXPORTS_BUCKET, "REPERE_EXPORTS_QUEUE_URL": queue_url}


def sqs_event(messages: list[dict[str, Any]], region: str, queue_name: str) -> dict[str, Any]:
    """The event Lambda's SQS event source would hand a handler for ``messages``."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:{queue_name}",
                "awsRegion": region,
            }
            for message in messages
        ]
    }


class ExportPump:
    """Polls the exports queue and renders each job, one at a time (as batch_size=1 in AWS)."""

    def __init__(self, queue_url: str, region: str, interval: float = 1.0) -> None:
        self._queue_url = queue_url
        self._region = region
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-pump", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)  # a leaflet being rendered finishes first

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.drain_once()
            except Exception as error:  # keep pumping; the console says why
                print(f"export pump: {type(error).__name__}: {error}")

    def drain_once(self) -> int:
        import boto3

        from functions.exports import handlers

        sqs = boto3.client("sqs", region_name=self._region)
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return 0
        response = handlers.queue_handler(sqs_event(messages, self._region, EXPORTS_QUEUE), None)
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages) - len(failed)


def start_local_exports(region: str) -> ExportPump:
    """Prepare the bucket and queue, export their settings to the environment (the API
    subprocess inherits it) and start the pump."""
    os.environ.update(prepare_exports(region))
    pump = ExportPump(os.environ["REPERE_EXPORTS_QUEUE_URL"], region)
    pump.start()
    print("exports: jobs queued by POST /admin/exports are rendered by this process")
    return pump
