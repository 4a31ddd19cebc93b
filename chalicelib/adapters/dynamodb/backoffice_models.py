"""PynamoDB models of the back-office tables (docs/backoffice.md).

- ``place-history``: one item per place version (hash ``place_id``, range ``version``), written
  in the same transaction as the place. The key makes a replayed write fail its condition
  instead of writing a second entry for the same version.
- ``batch-updates``: the ledger of batch updates (hash ``batch_id``, range ``item``): a
  ``meta`` item, the plan in chunks (``plan#<plan id>#<chunk>``) and the results of each chunk
  done (``done#<chunk>``). Expires 90 days after the batch began (TTL).
- ``announcements``: one item per announcement (hash ``id``), expiring a year after it ends.

Bound to their table names by ``tables.bind_tables`` like every model.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model


class PlaceHistoryRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    place_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    body = UnicodeAttribute()  # JSON of the HistoryEntry
    batch_id = UnicodeAttribute(null=True)


class BatchLedgerRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    batch_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute(null=True)  # plan chunk or chunk results, JSON
    fingerprint = UnicodeAttribute(null=True)
    plan_id = UnicodeAttribute(null=True)
    chunk_size = NumberAttribute(null=True)
    planned = NumberAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class AnnouncementRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # JSON of the Announcement
    version = NumberAttribute()
    expires_at = TTLAttribute(null=True)
