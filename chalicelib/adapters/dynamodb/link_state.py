"""Link generations and per-token write counters on DynamoDB (``LinkStateStore``), in the
``self-update-links`` table (chalicelib/adapters/dynamodb/mail_models.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.adapters.dynamodb.mail_models import SelfUpdateLinkRecord

_CONDITION_FAILED = "ConditionalCheckFailedException"
STATE = "state"
COUNTER_LIFETIME = timedelta(hours=2)


class DynamoLinkStateStore:
    def generation(self, place_id: str) -> int:
        try:
            record = SelfUpdateLinkRecord.get(place_id, STATE, consistent_read=True)
        except SelfUpdateLinkRecord.DoesNotExist:
            return 1
        return int(record.generation or 1)

    def revoke(self, place_id: str, at: datetime) -> int:
        # A missing item counts as generation 1: the first revocation makes it 2.
        record = SelfUpdateLinkRecord(place_id, STATE)
        record.update(
            actions=[
                SelfUpdateLinkRecord.generation.set((SelfUpdateLinkRecord.generation | 1) + 1),
                SelfUpdateLinkRecord.revoked_at.set(at.isoformat()),
            ]
        )
        return int(record.generation or 2)

    def count_write(self, token_id: str, place_id: str, hour: str, limit: int) -> bool:
        record = SelfUpdateLinkRecord(place_id, f"rate#{token_id}#{hour}")
        expires = datetime.strptime(hour, "%Y%m%d%H").replace(tzinfo=UTC) + COUNTER_LIFETIME
        try:
            record.update(
                actions=[
                    SelfUpdateLinkRecord.writes.add(1),
                    SelfUpdateLinkRecord.expires_at.set(expires),
                ],
                condition=(
                    SelfUpdateLinkRecord.writes.does_not_exist()
                    | (SelfUpdateLinkRecord.writes < limit)
                ),
            )
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True
