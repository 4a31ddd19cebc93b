"""The batch ledger on DynamoDB (implements ``BatchLedger``), in the ``batch-updates`` table.

Items of one batch share the hash key ``batch_id``:

- ``meta``: fingerprint of the request, plan id, chunk size, when it began and completed.
  Written last by ``begin``, conditionally: of two first runs racing, one wins and both go on
  with the winner's plan.
- ``plan#<plan id>#<chunk>``: the planned places of a chunk, ``[[place_id, version], ...]``.
  Written before ``meta`` under a plan id of their own, so a losing run's plan items are
  orphans that nothing reads (they expire with the batch).
- ``done#<chunk>``: the results of a chunk, written after its transaction.

A whole batch is one Query (strongly consistent). Every item expires ``retention_days`` after
the batch began (TTL attribute ``expires_at``; enable TTL on the table in infra/).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb.backoffice_models import BatchLedgerRecord
from chalicelib.domain.batch.models import BatchState, PlaceResult, PlannedPlace

_CONDITION_FAILED = "ConditionalCheckFailedException"
META = "meta"


class DynamoBatchLedger:
    def __init__(self, retention_days: int = 90) -> None:
        self._retention = timedelta(days=retention_days)

    def load(self, batch_id: str) -> BatchState | None:
        records = list(BatchLedgerRecord.query(batch_id, consistent_read=True))
        meta = next((record for record in records if record.item == META), None)
        if meta is None or meta.plan_id is None or meta.fingerprint is None:
            return None
        plan_prefix = f"plan#{meta.plan_id}#"
        plan: list[PlannedPlace] = []
        done: dict[int, list[PlaceResult]] = {}
        for record in sorted(records, key=lambda item: item.item):
            if record.item.startswith(plan_prefix):
                plan.extend(
                    PlannedPlace(place_id=place_id, version=version)
                    for place_id, version in json.loads(record.body or "[]")
                )
            elif record.item.startswith("done#"):
                index = int(record.item.removeprefix("done#"))
                done[index] = [
                    PlaceResult.model_validate(result) for result in json.loads(record.body or "[]")
                ]
        return BatchState(
            batch_id=batch_id,
            fingerprint=meta.fingerprint,
            plan=plan,
            chunk_size=int(meta.chunk_size or 1),
            done=done,
            created_at=datetime.fromisoformat(meta.created_at or ""),
            completed_at=datetime.fromisoformat(meta.completed_at) if meta.completed_at else None,
        )

    def begin(
        self,
        batch_id: str,
        *,
        fingerprint: str,
        plan: Sequence[PlannedPlace],
        chunk_size: int,
        at: datetime,
    ) -> BatchState:
        plan_id = uuid.uuid4().hex[:12]
        expires_at = at + self._retention
        with BatchLedgerRecord.batch_write() as writer:
            for index, start in enumerate(range(0, len(plan), chunk_size)):
                chunk = plan[start : start + chunk_size]
                writer.save(
                    BatchLedgerRecord(
                        batch_id,
                        f"plan#{plan_id}#{index:05d}",
                        body=json.dumps([[item.place_id, item.version] for item in chunk]),
                        expires_at=expires_at,
                    )
                )
        meta = BatchLedgerRecord(
            batch_id,
            META,
            fingerprint=fingerprint,
            plan_id=plan_id,
            chunk_size=chunk_size,
            planned=len(plan),
            created_at=at.isoformat(),
            expires_at=expires_at,
        )
        try:
            meta.save(condition=BatchLedgerRecord.item.does_not_exist())
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            existing = self.load(batch_id)
            if existing is None:  # pragma: no cover - the condition says it exists
                raise
            return existing
        return BatchState(
            batch_id=batch_id,
            fingerprint=fingerprint,
            plan=list(plan),
            chunk_size=chunk_size,
            created_at=at,
        )

    def record_chunk(self, batch_id: str, index: int, results: Sequence[PlaceResult]) -> None:
        body = json.dumps([result.model_dump(mode="json") for result in results])
        BatchLedgerRecord(batch_id, f"done#{index:05d}", body=body).save()

    def complete(self, batch_id: str, at: datetime) -> None:
        meta = BatchLedgerRecord.get(batch_id, META, consistent_read=True)
        meta.update(
            actions=[BatchLedgerRecord.completed_at.set(at.isoformat())],
            condition=BatchLedgerRecord.item.exists(),
        )
