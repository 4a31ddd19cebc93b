"""The batch-updates queue on SQS (implements ``BatchQueue``): planned batches the batch
worker (functions/batch_update.py) applies on the caller's behalf. Only the API may send to
it (IAM); the message says who asked, as a direct invocation of the function does."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.auth import Principal
from chalicelib.domain.batch.models import BatchRequest


class SqsBatchQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        # ``client``: a boto3 SQS client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._queue_url = queue_url

    def send(self, caller: Principal, request: BatchRequest) -> None:
        body = {
            "caller": caller.model_dump(mode="json"),
            "batch": request.model_dump(mode="json", exclude_none=True),
        }
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body))
