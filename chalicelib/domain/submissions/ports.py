"""Ports of submissions. Adapters: chalicelib/adapters/dynamodb/submissions.py and
chalicelib/adapters/geocoding/ (production), tests/submission_fakes.py (in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.domain.places.history import HistoryEntry
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceWrite
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


class DecisionStore(Protocol):
    """A decision and its place change in one transaction across the places, history and
    submissions tables: two moderators deciding at once yield one place and one conflict."""

    def create_place(
        self, place: Place, entry: HistoryEntry, decided: Submission, *, expected_version: int
    ) -> None:
        """The new place (its id free) with its creation entry, and ``decided`` over the
        submission (still pending, at ``expected_version``). Raises VersionConflict when the
        submission moved on (nothing written), Conflict when the place id is taken."""
        ...

    def update_place(
        self, write: PlaceWrite, decided: Submission, *, expected_version: int
    ) -> None:
        """The place's change (over its stored version ``write.expected_version``) with its
        entry, and ``decided`` over the pending submission at ``expected_version``. Raises
        VersionConflict (the place or the submission moved on) or NotFound."""
        ...


class DecisionNotifier(Protocol):
    def notify(self, notice: DecisionNotice) -> bool:
        """Send (queue) the decision to its submitter; False when it could not be queued
        (the decision stays committed; a retried decision queues it again)."""
        ...
