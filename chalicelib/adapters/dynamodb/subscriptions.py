"""Newsletter subscribers and issues on DynamoDB (docs/newsletters.md).

- ``newsletter-subscriptions``: one item per subscriber (hash ``id``, the HMAC of the
  address): the ``Subscriber`` as JSON, its status (read by the weekly scan's filter), a
  version for conditional writes, and a TTL while pending (an unconfirmed address vanishes
  by itself). Unsubscribing deletes the item.
- ``newsletter-issues``: one item per issue (hash ``issue_id``): the digest as JSON, stored
  once and read by the mailer for every recipient; ``queued`` once the fan-out completed.
  Expires after a year.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache

from pydantic import JsonValue
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.domain.errors import Conflict, VersionConflict
from chalicelib.domain.newsletters.models import Digest, Subscriber, SubscriptionStatus

_CONDITION_FAILED = "ConditionalCheckFailedException"
ISSUE_RETENTION = timedelta(days=365)


class SubscriptionRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # JSON of the Subscriber (holds the address: never logged)
    status = UnicodeAttribute()
    version = NumberAttribute()
    expires_at = TTLAttribute(null=True)


class NewsletterIssueRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    issue_id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # JSON of the Digest
    created_at = UnicodeAttribute()
    queued = NumberAttribute(null=True)
    queued_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


def _record(subscriber: Subscriber) -> SubscriptionRecord:
    return SubscriptionRecord(
        subscriber.id,
        body=subscriber.model_dump_json(),
        status=subscriber.status.value,
        version=subscriber.version,
        expires_at=subscriber.expires_at,
    )


class DynamoSubscriberStore:
    def get(self, subscriber_id: str) -> Subscriber | None:
        try:
            record = SubscriptionRecord.get(subscriber_id, consistent_read=True)
        except SubscriptionRecord.DoesNotExist:
            return None
        return Subscriber.model_validate_json(record.body)

    def create(self, subscriber: Subscriber) -> None:
        try:
            _record(subscriber).save(condition=SubscriptionRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict("this subscriber exists") from None
            raise

    def save(self, subscriber: Subscriber, *, expected_version: int) -> None:
        if subscriber.version != expected_version + 1:
            raise ValueError("a subscriber saved over version n must carry version n + 1")
        try:
            _record(subscriber).save(condition=SubscriptionRecord.version == expected_version)
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise VersionConflict(
                    "the subscription changed meanwhile", current_version=None
                ) from None
            raise

    def delete(self, subscriber_id: str) -> None:
        SubscriptionRecord(subscriber_id).delete()

    def active(self) -> Iterator[Subscriber]:
        for record in SubscriptionRecord.scan(
            SubscriptionRecord.status == SubscriptionStatus.ACTIVE.value
        ):
            yield Subscriber.model_validate_json(record.body)


class DynamoSubscriptionCheck:
    """The mailer's ``SubscriptionCheck``: one strongly consistent GetItem of the status."""

    def is_active(self, subscription: str) -> bool:
        try:
            record = SubscriptionRecord.get(
                subscription, consistent_read=True, attributes_to_get=["status"]
            )
        except SubscriptionRecord.DoesNotExist:
            return False
        return bool(record.status == SubscriptionStatus.ACTIVE.value)


class DynamoIssueStore:
    def get(self, issue_id: str) -> Digest | None:
        try:
            record = NewsletterIssueRecord.get(issue_id, consistent_read=True)
        except NewsletterIssueRecord.DoesNotExist:
            return None
        return Digest.model_validate_json(record.body)

    def put(self, digest: Digest, at: datetime) -> None:
        record = NewsletterIssueRecord(
            digest.issue_id,
            body=digest.model_dump_json(),
            created_at=at.isoformat(),
            expires_at=at + ISSUE_RETENTION,
        )
        try:
            # Never replace an issue already fanned out: its recipients got that content.
            record.save(condition=NewsletterIssueRecord.queued.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"issue {digest.issue_id} was already sent") from None
            raise

    def queued_count(self, issue_id: str) -> int | None:
        try:
            record = NewsletterIssueRecord.get(issue_id, consistent_read=True)
        except NewsletterIssueRecord.DoesNotExist:
            return None
        return int(record.queued) if record.queued is not None else None

    def mark_queued(self, issue_id: str, count: int, at: datetime) -> None:
        NewsletterIssueRecord(issue_id).update(
            actions=[
                NewsletterIssueRecord.queued.set(count),
                NewsletterIssueRecord.queued_at.set(at.isoformat()),
            ]
        )


class CachedIssueContext:
    """The mailer's ``SharedContextSource``: an issue's template context, read once per
    container (issues never change once queued) and kept for the next messages."""

    def __init__(self, issues: DynamoIssueStore | None = None, size: int = 64) -> None:
        self._issues = issues or DynamoIssueStore()
        self._load = lru_cache(maxsize=size)(self._read)

    def _read(self, ref: str) -> dict[str, JsonValue] | None:
        digest = self._issues.get(ref)
        return digest.context() if digest is not None else None

    def load(self, ref: str) -> dict[str, JsonValue] | None:
        found = self._load(ref)
        if found is None:
            self._load.cache_clear()  # not stored yet: ask again next time
        return found
