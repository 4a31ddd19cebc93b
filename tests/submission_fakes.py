"""In-memory adapters of submissions (tests/contract/test_submission_store_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.domain.submissions.models import Submission, SubmissionStatus


class InMemorySubmissionRepository:
    def __init__(self) -> None:
        self.items: dict[str, Submission] = {}

    def add(self, submission: Submission) -> bool:
        if submission.id in self.items:
            return False
        self.items[submission.id] = submission
        return True

    def get(self, submission_id: str) -> Submission:
        try:
            return self.items[submission_id]
        except KeyError:
            raise NotFound(f"no submission {submission_id!r}", field="id") from None

    def save(self, submission: Submission, *, expected_version: int) -> None:
        if submission.version != expected_version + 1:
            raise ValueError("a submission saved over version n must carry version n + 1")
        current = self.get(submission.id)
        if current.version != expected_version:
            raise VersionConflict(
                f"submission {submission.id!r} is at version {current.version}",
                current_version=current.version,
            )
        self.items[submission.id] = submission

    def by_status(
        self, status: SubmissionStatus, department: str | None, limit: int
    ) -> list[Submission]:
        chosen = [
            s
            for s in self.items.values()
            if s.status is status and (department is None or s.department == department)
        ]
        return sorted(chosen, key=lambda s: (s.created_at, s.id))[:limit]

    def scan(self) -> Iterator[Submission]:
        yield from list(self.items.values())


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        del ttl_seconds
        self.counts[(key, window)] = self.counts.get((key, window), 0) + 1
        return self.counts[(key, window)]
