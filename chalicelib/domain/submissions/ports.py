"""Ports of submissions. Adapters: chalicelib/adapters/dynamodb/submissions.py and
chalicelib/adapters/geocoding/ (production), tests/submission_fakes.py (in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.domain.submissions.models import (
    GeocodeResult,
    Submission,
    SubmissionStatus,
    SubmittedAddress,
)


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
        self, status: SubmissionStatus, department: str | None, limit: int
    ) -> list[Submission]:
        """Oldest first; of one department, or of all when ``department`` is None."""
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
