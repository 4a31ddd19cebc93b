"""Fakes and helpers of newsletter tests: in-memory stores, a static key ring, a scripted
week of place changes written with their history (as the back office writes them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.adapters.auth.link_tokens import KeyRing, StaticKeySource
from chalicelib.adapters.auth.newsletter_tokens import JwtSubscriptionCodec
from chalicelib.domain.errors import Conflict, VersionConflict
from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.newsletters.models import Digest, DigestExport, Subscriber
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry, diff_places
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceEditStore, PlaceWrite
from tests.place_writes import create, update

KEYS = KeyRing(current="k1", keys={"k1": "newsletter-test-key-" + "x" * 32})


def codec() -> JwtSubscriptionCodec:
    return JwtSubscriptionCodec(StaticKeySource(KEYS))


class InMemorySubscriberStore:
    def __init__(self) -> None:
        self.items: dict[str, Subscriber] = {}

    def get(self, subscriber_id: str) -> Subscriber | None:
        return self.items.get(subscriber_id)

    def create(self, subscriber: Subscriber) -> None:
        if subscriber.id in self.items:
            raise Conflict("exists")
        self.items[subscriber.id] = subscriber

    def save(self, subscriber: Subscriber, *, expected_version: int) -> None:
        current = self.items.get(subscriber.id)
        if current is None or current.version != expected_version:
            raise VersionConflict("moved", current_version=None)
        self.items[subscriber.id] = subscriber

    def delete(self, subscriber_id: str) -> None:
        self.items.pop(subscriber_id, None)

    def active(self) -> Iterator[Subscriber]:
        yield from (s for s in list(self.items.values()) if s.status.value == "active")


class InMemoryIssueStore:
    def __init__(self) -> None:
        self.digests: dict[str, Digest] = {}
        self.queued: dict[str, int] = {}
        self.builds = 0

    def get(self, issue_id: str) -> Digest | None:
        return self.digests.get(issue_id)

    def put(self, digest: Digest, at: datetime) -> None:
        if digest.issue_id in self.queued:
            raise Conflict("already sent")
        self.builds += 1
        self.digests[digest.issue_id] = digest

    def queued_count(self, issue_id: str) -> int | None:
        return self.queued.get(issue_id)

    def mark_queued(self, issue_id: str, count: int, at: datetime) -> None:
        self.queued[issue_id] = count


class RecordingBatchQueue:
    def __init__(self) -> None:
        self.messages: list[MailMessage] = []
        self.calls = 0

    def send(self, message: MailMessage) -> None:
        self.calls += 1
        self.messages.append(message)

    def send_many(self, messages: list[MailMessage]) -> None:
        self.calls += 1
        self.messages.extend(messages)


class FixedExports:
    def __init__(self, exports: list[DigestExport] | None = None) -> None:
        self.exports = exports or []

    def latest(self, department: str) -> list[DigestExport]:
        return [e for e in self.exports if department in e.url]


ACTOR = Actor(subject="admin-1", role="admin")


def write(store: PlaceEditStore, place: Place, at: datetime, **changes: Any) -> Place:
    """Create ``place`` at ``at`` (no ``changes``), or change the stored place (the
    fields in ``changes``) at ``at``, with its history entry, as the back office does."""
    if not changes:
        created = place.model_copy(update={"created_at": at, "updated_at": at, "version": 1})
        entry = HistoryEntry(
            place_id=created.id,
            version=1,
            at=at,
            actor=ACTOR,
            channel=Channel.ADMIN,
            action=Action.CREATED,
            changes=diff_places(None, created),
        )
        create(store, created, entry)
        return created
    before = store.get(place.id)
    after = Place.model_validate(
        before.model_dump() | changes | {"updated_at": at, "version": before.version + 1}
    )
    entry = HistoryEntry(
        place_id=after.id,
        version=after.version,
        at=at,
        actor=ACTOR,
        channel=Channel.ADMIN,
        action=Action.EDITED,
        changes=diff_places(before, after),
    )
    update(store, PlaceWrite(before=before, place=after, entry=entry))
    return after
