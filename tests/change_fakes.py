"""In-memory change log (``ChangeLog``): pending writes filed by ``sequence_pending``."""

from __future__ import annotations

from chalicelib.domain.changes.models import Change, PendingChange, feed_change, filing_order


class InMemoryChangeLog:
    def __init__(self) -> None:
        self.pending: dict[tuple[str, int], PendingChange] = {}
        self.feeds: dict[str, list[Change]] = {}
        self.expired_before: dict[str, int] = {}  # partition -> first number kept

    def add_pending(self, pending: PendingChange) -> None:
        """What the place store does in a write's transaction."""
        self.pending[(pending.place_id, pending.version)] = pending

    def read(self, partition: str, after_seq: int, limit: int) -> list[Change]:
        first = self.expired_before.get(partition, 1)
        kept = [
            change
            for change in self.feeds.get(partition, [])
            if change.seq is not None and change.seq >= first and change.seq > after_seq
        ]
        return kept[:limit]

    def last_seq(self, partition: str) -> int:
        return len(self.feeds.get(partition, []))

    def first_seq(self, partition: str) -> int | None:
        first = self.expired_before.get(partition, 1)
        return first if self.last_seq(partition) >= first else None

    def sequence_pending(self, limit: int) -> int:
        ordered = filing_order(self.pending.values())[:limit]
        for change in ordered:
            for line in change.lines:
                feed = self.feeds.setdefault(line.partition, [])
                feed.append(feed_change(len(feed) + 1, change, line))
            del self.pending[(change.place_id, change.version)]
        return len(ordered)
