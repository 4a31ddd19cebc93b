"""The mail queue on SQS (implements ``MailQueue`` and ``MailBatchQueue``)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.mail.models import MailMessage

SQS_BATCH = 10  # SendMessageBatch takes at most ten entries


class SqsMailQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        # ``client``: a boto3 SQS client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._queue_url = queue_url

    def send(self, message: MailMessage) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json())

    def send_many(self, messages: list[MailMessage]) -> None:
        """Ten a call; entries SQS refused are retried once, then the call raises (the
        caller's retry queues the lot again, and the mailer's ledger drops duplicates)."""
        for start in range(0, len(messages), SQS_BATCH):
            chunk = messages[start : start + SQS_BATCH]
            entries = [
                {"Id": str(index), "MessageBody": message.model_dump_json()}
                for index, message in enumerate(chunk)
            ]
            for attempt in range(2):
                response = self._client.send_message_batch(
                    QueueUrl=self._queue_url, Entries=entries
                )
                failed = {item["Id"] for item in response.get("Failed", [])}
                entries = [entry for entry in entries if entry["Id"] in failed]
                if not entries:
                    break
                if attempt == 1:
                    raise RuntimeError(f"SQS refused {len(entries)} mail message(s)")
