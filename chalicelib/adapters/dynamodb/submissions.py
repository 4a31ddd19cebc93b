"""The ``submissions`` table (docs/submissions.md): submissions and rate-limit counters.

- A submission item: hash ``id`` (an HMAC of the payload, so a replay is the same item), the
  JSON body, ``version`` for conditional writes, and the keys of two sparse GSIs ordered by
  ``created_at``: ``by_status_department`` (``pending#75``) for a territory's queue and
  ``by_status`` for an admin's queue across France.
- A counter item: ``id`` = ``rate#<client hash>#<hour>``, ``hits`` incremented atomically,
  expiring (TTL) two hours later. Counters have no GSI keys, so no queue ever reads them.

``DynamoDecisionStore`` gives ``DynamoDecisionTransaction``s: a place transaction
(place_repository.py) that also holds the decided submission, so a decision and its place
change (place, history entry, search cells) are one TransactWriteItems across the tables,
each item conditional: two moderators approving the same submission at once make one place
and one conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceTransaction
from chalicelib.adapters.dynamodb.transaction import Transaction
from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.domain.submissions.models import QueuePosition, Submission
from chalicelib.domain.submissions.status import SubmissionStatus

BY_STATUS_DEPARTMENT_INDEX = "by_status_department"
BY_STATUS_INDEX = "by_status"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_RATE_PREFIX = "rate#"


class ByStatusDepartmentIndex(GlobalSecondaryIndex["SubmissionRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = BY_STATUS_DEPARTMENT_INDEX
        projection = AllProjection()

    status_department = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex["SubmissionRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = BY_STATUS_INDEX
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class SubmissionRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute(null=True)  # JSON of the Submission
    version = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    status_department = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    hits = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    by_status_department = ByStatusDepartmentIndex()
    by_status = ByStatusIndex()


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _record(submission: Submission) -> SubmissionRecord:
    return SubmissionRecord(
        submission.id,
        body=submission.model_dump_json(),
        version=submission.version,
        status=submission.status.value,
        status_department=f"{submission.status.value}#{submission.department}",
        created_at=_iso(submission.created_at),
    )


def _submission(record: SubmissionRecord) -> Submission:
    if record.body is None:
        raise NotFound(f"no submission {record.id!r}", field="id")
    return Submission.model_validate_json(record.body)


class DynamoSubmissionRepository:
    def add(self, submission: Submission) -> bool:
        try:
            _record(submission).save(condition=SubmissionRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def get(self, submission_id: str) -> Submission:
        if submission_id.startswith(_RATE_PREFIX):
            raise NotFound(f"no submission {submission_id!r}", field="id")
        try:
            record = SubmissionRecord.get(submission_id, consistent_read=True)
        except SubmissionRecord.DoesNotExist:
            raise NotFound(f"no submission {submission_id!r}", field="id") from None
        return _submission(record)

    def save(self, submission: Submission, *, expected_version: int) -> None:
        if submission.version != expected_version + 1:
            raise ValueError("a submission saved over version n must carry version n + 1")
        try:
            _record(submission).save(condition=SubmissionRecord.version == expected_version)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            current = self.get(submission.id)
            raise VersionConflict(
                f"submission {submission.id!r} is at version {current.version}, "
                f"not {expected_version}",
                current_version=current.version,
            ) from None

    def by_status(
        self,
        status: SubmissionStatus,
        department: str | None,
        limit: int,
        *,
        after: QueuePosition | None = None,
    ) -> list[Submission]:
        after_key = None
        condition = None
        if after is not None:
            after_key = (_iso(after.created_at), after.id)
            # >=: submissions of the same instant as the last one may come after it by id.
            condition = SubmissionRecord.created_at >= after_key[0]
        if department is None:
            records = SubmissionRecord.by_status.query(
                status.value, range_key_condition=condition, page_size=limit + 1
            )
        else:
            records = SubmissionRecord.by_status_department.query(
                f"{status.value}#{department}",
                range_key_condition=condition,
                page_size=limit + 1,
            )
        found: list[SubmissionRecord] = []
        for record in records:
            key = (record.created_at or "", record.id)
            if after_key is not None and key <= after_key:
                continue
            # The index orders by created_at only: read on past the limit while the instant
            # is the same, so that ties are ordered by id below.
            if len(found) >= limit and key[0] > (found[-1].created_at or ""):
                break
            found.append(record)
        found.sort(key=lambda record: (record.created_at or "", record.id))
        return [_submission(record) for record in found[:limit]]

    def scan(self) -> Iterator[Submission]:
        for record in SubmissionRecord.scan(SubmissionRecord.body.exists()):
            yield _submission(record)


class DynamoRateLimiter:
    """Fixed one-hour windows counted with an atomic ADD (no read before the write)."""

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        record = SubmissionRecord(f"{_RATE_PREFIX}{key}#{window}")
        expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
        record.update(
            actions=[
                SubmissionRecord.hits.add(1),
                SubmissionRecord.expires_at.set(expires),
            ]
        )
        return int(record.hits or 0)


class DynamoDecisionStore:
    def __init__(self, repository: DynamoSubmissionRepository) -> None:
        self._repository = repository

    def transaction(self) -> DynamoDecisionTransaction:
        return DynamoDecisionTransaction(self._repository)


class DynamoDecisionTransaction(DynamoPlaceTransaction):
    """A place transaction that also writes a decided submission, conditional on its version
    and on its being still pending: the second of two moderators sees the first's decision
    (409, naming the submission's version) and nothing of theirs is written."""

    def __init__(self, repository: DynamoSubmissionRepository) -> None:
        super().__init__()
        self._repository = repository

    def record_decision(self, decided: Submission, *, expected_version: int) -> None:
        if decided.version != expected_version + 1:
            raise ValueError("a submission saved over version n must carry version n + 1")

        def add(transaction: Transaction) -> None:
            transaction.put(
                _submission_label(decided.id),
                _record(decided),
                (SubmissionRecord.version == expected_version)
                & (SubmissionRecord.status == SubmissionStatus.PENDING.value),
            )

        def moved() -> VersionConflict:
            current = self._repository.get(decided.id)
            return VersionConflict(
                f"submission {decided.id!r} is at version {current.version} "
                f"({current.status.value}), not {expected_version}",
                current_version=current.version,
            )

        self._add_item(_submission_label(decided.id), add, moved)


def _submission_label(submission_id: str) -> tuple[str, str]:
    return ("submission", submission_id)
