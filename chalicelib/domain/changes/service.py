"""Reading the change feed: a first sync's snapshot, then the changes, page by page.

Without a cursor a reader starts with a **snapshot**: the department's (or France's) online
places, by id, a page at a time. The cursor remembers the feed's number when the snapshot
began; once the snapshot is read, the reader continues with the **changes** numbered after
it. A place written during the snapshot may come twice (in the snapshot and as a change):
every change carries the place's version, and a mirror applies a change only over an older
version it holds, so it ends at the newest state whatever the order (docs/changes.md).

After the snapshot, every change of the feed reaches the reader exactly once and in order:
numbers are dense and taken in the order the sequencer filed the writes (each place's versions
in order), and a page reads them with a strongly consistent Query.

Cursors are opaque, bound to their feed and signed (HMAC-SHA256 under a key of the stage): a
cursor edited by hand, or one of another department's feed, is a 400; one older than the
feed's retention is a 410 (start again without a cursor).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import cursors
from chalicelib.domain.changes.models import (
    NATIONAL,
    Change,
    ChangePage,
    ChangeType,
    public_form,
)
from chalicelib.domain.changes.ports import ChangeLog
from chalicelib.domain.errors import Gone, InvalidCursor
from chalicelib.domain.search.ports import SearchRecordSource, TerritoryKind
from chalicelib.domain.search.records import Field
from chalicelib.domain.territories import DEPARTMENT_CODES

SNAPSHOT = "snapshot"
CHANGES = "changes"
MAX_LIMIT = 500


@dataclass(frozen=True)
class Position:
    partition: str
    phase: str
    seq: int  # changes: the last number read; snapshot: the feed's number when it began
    department: int = 0  # snapshot of France: index in DEPARTMENT_CODES
    after_id: str = ""  # snapshot: the last place id given


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, position: Position) -> str:
        payload = self._payload(position)
        return cursors.encode_json_text(json.dumps({**payload, "t": self._tag(payload)}))

    def decode(self, cursor: str, partition: str) -> Position:
        value = cursors.decode_json(cursor)
        if not isinstance(value, dict):
            raise InvalidCursor()
        tag = value.pop("t", None)
        # The tag is checked before any field is read: an edited cursor says nothing more.
        if not isinstance(tag, str) or not cursors.same_tag(tag, self._tag(value)):
            raise InvalidCursor()
        try:
            position = Position(
                partition=str(value["p"]),
                phase=str(value["f"]),
                seq=int(value["n"]),
                department=int(value["d"]),
                after_id=str(value["i"]),
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        if position.partition != partition:
            raise InvalidCursor(
                f"this cursor reads the feed of {position.partition}, not {partition}: "
                "keep one cursor per feed"
            )
        return position

    @staticmethod
    def _payload(position: Position) -> dict[str, Any]:
        return {
            "p": position.partition,
            "f": position.phase,
            "n": position.seq,
            "d": position.department,
            "i": position.after_id,
        }

    def _tag(self, payload: dict[str, Any]) -> str:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class ChangeFeed:
    def __init__(self, log: ChangeLog, records: SearchRecordSource, *, cursor_key: bytes) -> None:
        self._log = log
        self._records = records
        self._codec = CursorCodec(cursor_key)

    def read(self, *, department: str | None, since: str | None, limit: int) -> ChangePage:
        partition = department or NATIONAL
        if since is None:
            position = Position(partition, SNAPSHOT, self._log.last_seq(partition))
        else:
            position = self._codec.decode(since, partition)
        if position.phase == SNAPSHOT:
            return self._snapshot(position, limit)
        return self._changes(position, limit)

    def in_snapshot(self, cursor: str, department: str | None) -> bool:
        """Whether ``cursor`` (one of this feed's, for ``department``) still points into
        the snapshot rather than at the changes after it (InvalidCursor when tampered)."""
        return self._codec.decode(cursor, department or NATIONAL).phase == SNAPSHOT

    def _changes(self, position: Position, limit: int) -> ChangePage:
        partition = position.partition
        changes = self._log.read(partition, position.seq, limit)
        if not changes and position.seq < self._log.last_seq(partition):
            first = self._log.first_seq(partition)
            if first is None or first > position.seq + 1:
                raise Gone(
                    "this cursor is older than the feed's retention: start again without "
                    "since= (a snapshot, then the changes)",
                    field="since",
                    code="cursor_expired",
                )
        if changes and changes[0].seq is not None and changes[0].seq > position.seq + 1:
            raise Gone(
                "changes after this cursor have expired: start again without since=",
                field="since",
                code="cursor_expired",
            )
        last = changes[-1].seq if changes else None
        after = Position(partition, CHANGES, last if last is not None else position.seq)
        return ChangePage(
            changes=changes,
            next_cursor=self._codec.encode(after),
            has_more=len(changes) == limit,
            phase=CHANGES,
        )

    def _snapshot(self, position: Position, limit: int) -> ChangePage:
        departments: Sequence[str] = (
            DEPARTMENT_CODES if position.partition == NATIONAL else (position.partition,)
        )
        index, after_id = position.department, position.after_id
        changes: list[Change] = []
        while index < len(departments) and len(changes) < limit:
            ids = self._ids(departments[index], after_id)
            chunk = ids[: limit - len(changes)]
            changes.extend(self._upserts(chunk))
            if len(chunk) < len(ids):
                after_id = chunk[-1]
                break
            index, after_id = index + 1, ""
        if index >= len(departments):
            after = Position(position.partition, CHANGES, position.seq)
        else:
            after = Position(position.partition, SNAPSHOT, position.seq, index, after_id)
        return ChangePage(
            changes=changes,
            next_cursor=self._codec.encode(after),
            has_more=True,  # the changes since the snapshot began come next
            phase=SNAPSHOT,
        )

    def _ids(self, department: str, after_id: str) -> list[str]:
        table = self._records.in_territory(TerritoryKind.DEPARTMENT, department).table
        return sorted(place_id for place_id in set(table.column(Field.ID)) if place_id > after_id)

    def _upserts(self, ids: Sequence[str]) -> list[Change]:
        if not ids:
            return []
        found = self._records.places(ids).places
        return [
            Change(
                seq=None,
                type=ChangeType.UPSERT,
                place_id=place.id,
                version=place.version,
                department=place.address.department_code,
                changed_at=place.updated_at,
                place=public_form(place),
            )
            for place_id in ids
            if (place := found.get(place_id)) is not None
        ]
