"""The export job queue on SQS (implements ``ExportQueue``)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.exports.models import ExportMessage


class SqsExportQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        # ``client``: a boto3 SQS client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._queue_url = queue_url

    def send(self, export_id: str) -> None:
        message = ExportMessage(export_id=export_id)
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json())
