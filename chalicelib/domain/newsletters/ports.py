"""Ports of newsletters. Adapters: chalicelib/adapters/dynamodb/subscriptions.py,
chalicelib/adapters/auth/newsletter_tokens.py; fakes in tests/unit/newsletters/fakes.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from chalicelib.domain.newsletters.models import (
    Digest,
    DigestExport,
    Subscriber,
    SubscriptionClaims,
)


class InvalidSubscriptionToken(Exception):
    """Any token that does not verify: tampered, unknown key, wrong audience... (one error,
    so a caller learns nothing about which part was wrong)."""


class SubscriberStore(Protocol):
    def get(self, subscriber_id: str) -> Subscriber | None:
        """Strongly consistent read."""
        ...

    def create(self, subscriber: Subscriber) -> None:
        """Raises Conflict when the id exists (a concurrent request created it)."""
        ...

    def save(self, subscriber: Subscriber, *, expected_version: int) -> None:
        """Replace if the stored version is ``expected_version``; else VersionConflict."""
        ...

    def delete(self, subscriber_id: str) -> None:
        """Forget the subscriber entirely (nothing happens when it is already gone)."""
        ...

    def active(self) -> Iterator[Subscriber]:
        """Every confirmed subscriber (the weekly worker reads them once per run)."""
        ...


class SubscriptionTokenCodec(Protocol):
    def encode(self, claims: SubscriptionClaims) -> str: ...

    def decode(self, token: str) -> SubscriptionClaims:
        """Verified claims (signature, key, audience, purpose known). Raises
        InvalidSubscriptionToken. The expiry is the service's to check (its clock)."""
        ...


class IssueStore(Protocol):
    """Newsletter issues: the digest stored once, read by the mailer for every recipient."""

    def get(self, issue_id: str) -> Digest | None: ...

    def put(self, digest: Digest, at: datetime) -> None:
        """Store (or replace, while not yet queued) the issue's digest."""
        ...

    def queued_count(self, issue_id: str) -> int | None:
        """How many messages were queued for the issue, None while it was not fanned out."""
        ...

    def mark_queued(self, issue_id: str, count: int, at: datetime) -> None: ...


class LatestExports(Protocol):
    def latest(self, department: str) -> list[DigestExport]:
        """Links to the department's newest ready exports, one per format."""
        ...
