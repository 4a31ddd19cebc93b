"""The sent-mail ledger and the suppression list on DynamoDB (``SentLedger``,
``SuppressionList``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb.mail_models import SentMailRecord, SuppressionRecord
from chalicelib.domain.mail.models import SuppressionReason, normalise_address

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoSentLedger:
    def __init__(self, retention_days: int = 30) -> None:
        self._retention = timedelta(days=retention_days)

    def claim(self, message_id: str, at: datetime) -> bool:
        record = SentMailRecord(
            message_id,
            status="sending",
            claimed_at=at.isoformat(),
            expires_at=at + self._retention,
        )
        try:
            record.save(condition=SentMailRecord.message_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def release(self, message_id: str) -> None:
        SentMailRecord(message_id).delete(condition=SentMailRecord.status == "sending")

    def mark_sent(self, message_id: str, provider_id: str, at: datetime) -> None:
        SentMailRecord(message_id).update(
            actions=[
                SentMailRecord.status.set("sent"),
                SentMailRecord.sent_at.set(at.isoformat()),
                SentMailRecord.provider_id.set(provider_id),
            ]
        )


class DynamoSuppressionList:
    def is_suppressed(self, address: str) -> bool:
        try:
            SuppressionRecord.get(normalise_address(address), consistent_read=True)
        except SuppressionRecord.DoesNotExist:
            return False
        return True

    def suppress(self, address: str, reason: SuppressionReason, at: datetime) -> None:
        SuppressionRecord(normalise_address(address), reason=reason.value, at=at.isoformat()).save()
