"""In-memory adapters of submissions (tests/contract/test_submission_store_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.submissions.models import QueuePosition, Submission
from chalicelib.domain.submissions.ports import SubmissionRepository
from chalicelib.domain.submissions.status import SubmissionStatus
from tests.fakes import InMemoryPlaceRepository, InMemoryPlaceTransaction


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
        self,
        status: SubmissionStatus,
        department: str | None,
        limit: int,
        *,
        after: QueuePosition | None = None,
    ) -> list[Submission]:
        chosen = [
            s
            for s in self.items.values()
            if s.status is status
            and (department is None or s.department == department)
            and (after is None or (s.created_at, s.id) > (after.created_at, after.id))
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


class InMemoryDecisionStore:
    """The decision and the place change together: nothing is written unless both hold."""

    def __init__(
        self, places: InMemoryPlaceRepository, submissions: InMemorySubmissionRepository
    ) -> None:
        self.places = places
        self.submissions = submissions

    def transaction(self) -> InMemoryDecisionTransaction:
        return InMemoryDecisionTransaction(self.places, self.submissions)


class InMemoryDecisionTransaction(InMemoryPlaceTransaction):
    def __init__(
        self, places: InMemoryPlaceRepository, submissions: InMemorySubmissionRepository
    ) -> None:
        super().__init__(places)
        self.submissions = submissions

    def record_decision(self, decided: Submission, *, expected_version: int) -> None:
        if decided.version != expected_version + 1:
            raise ValueError("a submission saved over version n must carry version n + 1")

        def check() -> None:
            current = self.submissions.get(decided.id)
            if (
                current.version != expected_version
                or current.status is not SubmissionStatus.PENDING
            ):
                raise VersionConflict(
                    f"submission {decided.id!r} is at version {current.version}",
                    current_version=current.version,
                )

        def apply() -> None:
            self.submissions.items[decided.id] = decided

        self._add_item(check, apply)


class FakeMailQueue:
    """Records queued mail; ``fail`` makes the next sends raise (a queue outage)."""

    def __init__(self) -> None:
        self.messages: list[MailMessage] = []
        self.fail = False

    def send(self, message: MailMessage) -> None:
        if self.fail:
            raise ConnectionError("mail queue unavailable")
        self.messages.append(message)


class StaleReads:
    """The repository as a second moderator saw it: reads answer the snapshot taken before
    the first moderator's decision (their request read it, then the other one wrote)."""

    def __init__(self, repository: SubmissionRepository, stale: Submission) -> None:
        self._repository = repository
        self._stale = stale

    def get(self, submission_id: str) -> Submission:
        return (
            self._stale if submission_id == self._stale.id else self._repository.get(submission_id)
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repository, name)
