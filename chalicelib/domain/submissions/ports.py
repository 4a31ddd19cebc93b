"""Ports of submissions. Adapters: chalicelib/adapters/dynamodb/submissions.py and
chalicelib/adapters/geocoding/ (production), tests/submission_fakes.py (in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.domain.places.ports import PlaceTransaction
from chalicelib.domain.submissions.models import (
    DecisionNotice,
    GeocodeResult,
    QueuePosition,
    Submission,
    SubmittedAddress,
)
from chalicelib.domain.submissions.status import SubmissionStatus


class SubmissionRepository(Protocol):
    def add(self, submission: Submission) -> bool:
        """Store a new submission; False (and nothing written) when its id already exists."""
        ...

    def get(self, submission_id: str) -> Submission:
        """Raises NotFound."""
        ...

    def save(self, submission: Submission, *, expected_version: int) -> None:
        """Replace it only if the stored version is ``expected_version`` (VersionConflict)."""
        ...

    def by_status(
        self,
        status: SubmissionStatus,
        department: str | None,
        limit: int,
        *,
        after: QueuePosition | None = None,
    ) -> list[Submission]:
        """Oldest first (``created_at``, then ``id``); of one department, or of all when
        ``department`` is None; only those strictly after ``after`` when given."""
        ...

    def scan(self) -> Iterator[Submission]:
        """Every submission (figures)."""
        ...


class RateLimiter(Protocol):
    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        """Count one more request for ``key`` in ``window``; the count including this one."""
        ...


class Geocoder(Protocol):
    def geocode(self, address: SubmittedAddress) -> GeocodeResult | None:
        """The point of an address, or None when it cannot be found (or the service fails)."""
        ...


class DecisionTransaction(PlaceTransaction, Protocol):
    """A place transaction that also records a moderator's decision: the place change, its
    history entry, its search record and the decided submission in one transaction across
    the places, history and submissions tables, so two moderators deciding at once yield one
    place and one conflict."""

    def record_decision(self, decided: Submission, *, expected_version: int) -> None:
        """Add ``decided`` over the submission, written only if it is still pending at
        ``expected_version`` (``decided.version`` is ``expected_version + 1``). When it is
        not, ``commit`` raises VersionConflict naming the submission's version (before any
        place's error), and writes nothing."""
        ...


class DecisionStore(Protocol):
    def transaction(self) -> DecisionTransaction:
        """A new, empty transaction for one decision and its place change."""
        ...


class DecisionNotifier(Protocol):
    def notify(self, notice: DecisionNotice) -> bool:
        """Send (queue) the decision to its submitter; False when it could not be queued
        (the decision stays committed; a retried decision queues it again)."""
        ...
