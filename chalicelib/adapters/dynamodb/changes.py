"""The change feed on DynamoDB (implements ``ChangeLog``), one table, three kinds of item:

* **pending** ``pk = "pending#<shard>"``, ``sk = "<place id>#<version>"``: a public write
  waiting for its numbers, put by ``add_pending`` in the place's own transaction
  (place_repository.write_places). Sixteen shards by place id keep concurrent writers off one
  partition; the item's key is the write's, so a retried transaction cannot put it twice.
* **head** ``pk = "head#<partition>"``, ``sk = "head"``: the partition's last number.
* **change** ``pk = "feed#<partition>"``, ``sk`` = the number, zero-padded: one line of a
  feed, kept ``RETENTION`` (TTL).

``sequence_pending`` (the sequencer worker, functions/change_feed.py) reads the pending
writes with strongly consistent Queries, oldest first, and files a chunk of them per
transaction: their changes under the next numbers of each partition, the heads moved on
(conditional on the numbers it read) and the pending items deleted (conditional on their
existence). Two sequencers running at once cannot both take a number: one transaction is
cancelled, and its sequencer reads the heads again. Numbers are therefore dense and every
write is filed once.

Why not the table's stream: a stream is delivered by Lambda's poller, which the local stack
(moto) cannot run, and its records are ordered per item only; the pending items give the same
decoupling (the write path never waits on a counter) with one extra item per public write.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.changes.models import Change, PendingChange, feed_change, filing_order

SHARDS = 16
RETENTION = timedelta(days=35)
"""How long a change is kept: a reader who stays away longer starts again with a snapshot."""
_SEQ_DIGITS = 15
_HEAD = "head"
_CHUNK_ITEMS = 96  # under TransactWriteItems' 100
_MAX_ROUNDS = 50  # chunks and retries per run; what is left waits for the next run


class ChangeRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute(null=True)  # pending: the PendingChange; change: the Change
    seq = NumberAttribute(null=True)  # head: the last number
    expires_at = TTLAttribute(null=True)


def _shard(place_id: str) -> int:
    return zlib.crc32(place_id.encode("utf-8")) % SHARDS


def pending_label(place_id: str) -> tuple[str, str]:
    return ("pending-change", place_id)


def add_pending(transaction: Transaction, pending: PendingChange) -> None:
    """Put ``pending`` in the place's transaction (its key is the write's: place and version)."""
    record = ChangeRecord(
        f"pending#{_shard(pending.place_id)}",
        f"{pending.place_id}#{pending.version:010d}",
        body=pending.model_dump_json(),
    )
    transaction.put(pending_label(pending.place_id), record)


def _seq_key(seq: int) -> str:
    return f"{seq:0{_SEQ_DIGITS}d}"


class DynamoChangeLog:
    def __init__(self, clock: Any = None) -> None:
        # ``clock``: a ``Clock`` for the retention's start (None: the system time).
        self._clock = clock

    def read(self, partition: str, after_seq: int, limit: int) -> list[Change]:
        records = ChangeRecord.query(
            f"feed#{partition}",
            ChangeRecord.sk > _seq_key(after_seq),
            consistent_read=True,
            limit=limit,
        )
        return [Change.model_validate_json(record.body or "") for record in records]

    def last_seq(self, partition: str) -> int:
        try:
            head = ChangeRecord.get(f"head#{partition}", _HEAD, consistent_read=True)
        except ChangeRecord.DoesNotExist:
            return 0
        return int(head.seq or 0)

    def first_seq(self, partition: str) -> int | None:
        for record in ChangeRecord.query(f"feed#{partition}", consistent_read=True, limit=1):
            return int(record.sk)
        return None

    def sequence_pending(self, limit: int) -> int:
        pending = self._pending(limit)
        filed = 0
        start = 0
        for _ in range(_MAX_ROUNDS):
            if start >= len(pending):
                break
            chunk = self._chunk(pending, start)
            if self._file(chunk):
                filed += len(chunk)
                start += len(chunk)
                continue
            # Another sequencer took numbers first (or filed some of these): read what is
            # still pending and the heads again. What it filed is no longer pending.
            pending = [change for change in pending[start:] if self._still_pending(change)]
            start = 0
        return filed

    def _pending(self, limit: int) -> list[PendingChange]:
        """At most ``limit`` pending writes per shard: each place's versions in order (a
        prefix of them, since a shard's items sort by place and version), places in the
        order of their oldest pending write."""
        found: list[PendingChange] = []
        for shard in range(SHARDS):
            records = ChangeRecord.query(f"pending#{shard}", consistent_read=True, limit=limit)
            found.extend(PendingChange.model_validate_json(r.body or "") for r in records)
        ordered = filing_order(found)
        return ordered[:limit]

    @staticmethod
    def _chunk(pending: Sequence[PendingChange], start: int) -> list[PendingChange]:
        chunk: list[PendingChange] = []
        partitions: set[str] = set()
        items = 0
        for change in pending[start:]:
            lines = {line.partition for line in change.lines}
            cost = len(change.lines) + 1 + len(lines - partitions)  # lines, delete, new heads
            if chunk and items + cost > _CHUNK_ITEMS:
                break
            chunk.append(change)
            partitions |= lines
            items += cost
        return chunk

    def _file(self, chunk: Sequence[PendingChange]) -> bool:
        partitions = sorted({line.partition for change in chunk for line in change.lines})
        heads = {partition: self.last_seq(partition) for partition in partitions}
        next_seq = dict(heads)
        now = self._clock.now() if self._clock is not None else datetime.now(UTC)
        transaction = Transaction(ChangeRecord._get_connection().connection)
        for change in chunk:
            for line in change.lines:
                next_seq[line.partition] += 1
                seq = next_seq[line.partition]
                record = ChangeRecord(
                    f"feed#{line.partition}",
                    _seq_key(seq),
                    body=feed_change(seq, change, line).model_dump_json(),
                    expires_at=now + RETENTION,
                )
                transaction.put(
                    ("change", line.partition), record, ChangeRecord.pk.does_not_exist()
                )
            transaction.delete(
                pending_label(change.place_id),
                ChangeRecord(
                    f"pending#{_shard(change.place_id)}", f"{change.place_id}#{change.version:010d}"
                ),
                ChangeRecord.pk.exists(),
            )
        for partition in partitions:
            head = ChangeRecord(f"head#{partition}", _HEAD, seq=next_seq[partition])
            condition = (
                ChangeRecord.pk.does_not_exist()
                if heads[partition] == 0
                else ChangeRecord.seq == heads[partition]
            )
            transaction.put(("head", partition), head, condition)
        return transaction.commit() is None

    @staticmethod
    def _still_pending(change: PendingChange) -> bool:
        try:
            ChangeRecord.get(
                f"pending#{_shard(change.place_id)}",
                f"{change.place_id}#{change.version:010d}",
                consistent_read=True,
            )
        except ChangeRecord.DoesNotExist:
            return False
        return True
