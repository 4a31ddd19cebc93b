"""The change feed as a reader sees it: a snapshot, then the changes, with signed cursors
bound to their feed; what a write means to the feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import cursors
from chalicelib.domain.changes.models import NATIONAL, ChangeType, pending_change
from chalicelib.domain.changes.service import ChangeFeed
from chalicelib.domain.errors import Gone, InvalidCursor
from chalicelib.domain.places.models import Place, PlaceStatus
from tests.builders import make_place
from tests.change_fakes import InMemoryChangeLog
from tests.fakes import InMemorySearchRecords

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


class World:
    def __init__(self) -> None:
        self.places: dict[str, Place] = {}
        self.log = InMemoryChangeLog()
        self.feed = ChangeFeed(self.log, InMemorySearchRecords(self.places), cursor_key=KEY)
        self.minutes = 0

    def write(self, place: Place) -> None:
        """What the place store does: the place, and its pending change with it."""
        before = self.places.get(place.id)
        self.minutes += 1
        version = 1 if before is None else before.version + 1
        after = place.model_copy(
            update={"version": version, "updated_at": AT + timedelta(minutes=self.minutes)}
        )
        self.places[after.id] = after
        pending = pending_change(before, after)
        if pending is not None:
            self.log.add_pending(pending)


def test_what_a_write_means_to_the_feeds() -> None:
    draft = make_place("a", status=PlaceStatus.DRAFT)
    assert pending_change(None, draft) is None
    assert pending_change(draft, draft.model_copy(update={"version": 2})) is None
    online = make_place("a")
    created = pending_change(None, online)
    assert created is not None
    assert [(line.partition, line.type) for line in created.lines] == [
        ("75", ChangeType.UPSERT),
        (NATIONAL, ChangeType.UPSERT),
    ]
    assert created.place is not None
    assert "internal_note" not in created.place
    assert "created_by" not in created.place
    closed = pending_change(
        online, online.model_copy(update={"status": PlaceStatus.PERMANENTLY_CLOSED})
    )
    assert closed is not None
    assert {line.reason for line in closed.lines} == {"permanently_closed"}
    assert closed.place is None


def test_a_first_sync_is_a_snapshot_then_the_changes_since_it_began() -> None:
    world = World()
    for index in range(5):
        world.write(make_place(f"p{index}"))
    world.write(make_place("draft", status=PlaceStatus.DRAFT))
    world.log.sequence_pending(100)
    page = world.feed.read(department="75", since=None, limit=2)
    assert page.phase == "snapshot"
    assert [c.place_id for c in page.changes] == ["p0", "p1"]
    assert all(c.seq is None for c in page.changes)
    # A write during the snapshot comes after it, as a change.
    world.write(make_place("p0", name="Lieu renommé"))
    world.log.sequence_pending(100)
    seen = [c.place_id for c in page.changes]
    cursor = page.next_cursor
    while True:
        page = world.feed.read(department="75", since=cursor, limit=2)
        seen += [f"{c.place_id}@{c.seq}" if c.seq else c.place_id for c in page.changes]
        cursor = page.next_cursor
        if page.phase == "changes" and not page.has_more:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4", "p0@6"]
    # Up to date: the same cursor reads nothing until something changes.
    assert world.feed.read(department="75", since=cursor, limit=10).changes == []
    world.write(make_place("p9"))
    world.log.sequence_pending(100)
    later = world.feed.read(department="75", since=cursor, limit=10)
    assert [(c.place_id, c.seq) for c in later.changes] == [("p9", 7)]


def test_france_s_snapshot_walks_every_department() -> None:
    world = World()
    world.write(make_place("paris"))
    world.write(make_place("ajaccio", department="2A", postal_code="20000", city_code="2A004"))
    world.write(make_place("bobigny", department="93", postal_code="93000", city_code="93008"))
    ids: list[str] = []
    cursor = None
    for _ in range(10):
        page = world.feed.read(department=None, since=cursor, limit=1)
        ids += [c.place_id for c in page.changes]
        cursor = page.next_cursor
        if page.phase == "changes":
            break
    assert ids == ["ajaccio", "paris", "bobigny"]  # 2A, 75, 93: the departments' order


def test_a_cursor_edited_or_of_another_feed_is_refused() -> None:
    world = World()
    world.write(make_place("p0"))
    world.log.sequence_pending(100)
    cursor = world.feed.read(department="75", since=None, limit=10).next_cursor
    with pytest.raises(InvalidCursor, match="feed of 75"):
        world.feed.read(department="93", since=cursor, limit=10)
    payload = cursors.decode_json(cursor)
    payload["n"] = 0
    forged = cursors.encode_json_text(__import__("json").dumps(payload))
    with pytest.raises(InvalidCursor):
        world.feed.read(department="75", since=forged, limit=10)
    for bad in ("", "x", "%%%", "A" * 3000, cursor[:-2]):
        with pytest.raises(InvalidCursor):
            world.feed.read(department="75", since=bad, limit=10)
    other_stage = ChangeFeed(world.log, InMemorySearchRecords(world.places), cursor_key=b"o" * 32)
    with pytest.raises(InvalidCursor):
        other_stage.read(department="75", since=cursor, limit=10)


def test_a_cursor_older_than_the_retention_is_gone() -> None:
    world = World()
    world.write(make_place("p0"))
    world.log.sequence_pending(100)
    page = world.feed.read(department="75", since=None, limit=10)
    cursor = world.feed.read(department="75", since=page.next_cursor, limit=10).next_cursor
    for index in range(1, 4):
        world.write(make_place(f"p{index}"))
    world.log.sequence_pending(100)
    world.log.expired_before["75"] = 3  # numbers 1 and 2 expired
    with pytest.raises(Gone) as raised:
        world.feed.read(department="75", since=cursor, limit=10)
    assert raised.value.code == "cursor_expired"
