"""PynamoDB models of the mail pipeline and of self-update links (docs/selfupdate.md).

- ``sent-mail``: one item per message id the mailer claimed (hash ``message_id``); the claim
  is a conditional put, so a redelivered message finds it and is skipped. Expires after
  ``retention`` (TTL), longer than any SQS redelivery.
- ``mail-suppressions``: addresses that bounced (permanently) or complained (hash ``address``).
- ``self-update-links``: per place (hash ``place_id``, range ``item``): ``state`` holds the
  link generation (bumping it revokes every earlier link); ``rate#<token id>#<hour>`` items
  count a token's writes in an hour (conditional update, TTL).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model


class SentMailRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    message_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # "sending" or "sent"
    claimed_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class SuppressionRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    address = UnicodeAttribute(hash_key=True)
    reason = UnicodeAttribute()
    at = UnicodeAttribute()


class SelfUpdateLinkRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    place_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    generation = NumberAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    writes = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)
