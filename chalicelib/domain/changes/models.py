"""What the change feed says about a write of a place, and how a reader receives it.

A write of a place is public news when the place is online after it (an upsert, with its
public form), or was online before it and is not any more (a tombstone: taken offline,
permanently closed, or moved to another department). Drafts and offline places never appear.

Each public write becomes one ``PendingChange``, stored in the same transaction as the place
(chalicelib/adapters/dynamodb/changes.py), so the feed can never miss a committed write nor
show one that was not committed. The sequencer then files it in the feeds it concerns, each
with the next number of that feed: its department's, the department it left (a move), and
France's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import PRIVATE_FIELDS, Place, PlaceStatus

NATIONAL = "FR"
"""The partition of France's feed (every department's changes, once each)."""


class ChangeType(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class DeleteReason(StrEnum):
    OFFLINE = "offline"
    PERMANENTLY_CLOSED = "permanently_closed"
    DRAFT = "draft"  # sent back to draft
    MOVED = "moved"  # now in another department (its feed has the upsert)
    DELETED = "deleted"  # the item itself was removed


class FeedLine(DomainModel):
    """One line of one feed: the partition it is filed in and what it says there."""

    partition: str = Field(min_length=2, max_length=3)
    type: ChangeType
    reason: DeleteReason | None = None


class PendingChange(DomainModel):
    """A public write waiting for its feed numbers."""

    place_id: str
    version: int = Field(ge=1)
    department: str
    changed_at: datetime
    lines: list[FeedLine] = Field(min_length=1)
    place: dict[str, Any] | None = None  # the public form, on upserts


def public_form(place: Place) -> dict[str, Any]:
    """The place as the feed publishes it: every field but the private ones."""
    return place.model_dump(mode="json", exclude=set(PRIVATE_FIELDS))


def pending_change(before: Place | None, after: Place) -> PendingChange | None:
    """What the feeds must say about ``before`` becoming ``after``; None when nothing public
    changed hands (a draft edited, an offline place kept offline)."""
    was_online = before is not None and before.status is PlaceStatus.ONLINE
    is_online = after.status is PlaceStatus.ONLINE
    department = after.address.department_code
    if not was_online and not is_online:
        return None
    lines: list[FeedLine] = []
    if is_online:
        lines.append(FeedLine(partition=department, type=ChangeType.UPSERT))
        if was_online and before is not None:
            left = before.address.department_code
            if left != department:
                lines.append(
                    FeedLine(partition=left, type=ChangeType.DELETE, reason=DeleteReason.MOVED)
                )
        lines.append(FeedLine(partition=NATIONAL, type=ChangeType.UPSERT))
    else:
        assert before is not None  # noqa: S101 - was online
        reason = DeleteReason(after.status.value)
        lines.append(
            FeedLine(
                partition=before.address.department_code, type=ChangeType.DELETE, reason=reason
            )
        )
        lines.append(FeedLine(partition=NATIONAL, type=ChangeType.DELETE, reason=reason))
    return PendingChange(
        place_id=after.id,
        version=after.version,
        department=department,
        changed_at=after.updated_at,
        lines=lines,
        place=public_form(after) if is_online else None,
    )


def filing_order(pending: Iterable[PendingChange]) -> list[PendingChange]:
    """The order a sequencer files pending writes in: each place's versions lowest first
    (clocks of two containers may disagree, versions never do), places in the order of their
    oldest pending write. Every adapter of ``ChangeLog`` files in this order."""
    by_place: dict[str, list[PendingChange]] = {}
    for change in pending:
        by_place.setdefault(change.place_id, []).append(change)
    places = sorted(
        by_place.values(),
        key=lambda versions: (min(c.changed_at for c in versions), versions[0].place_id),
    )
    return [change for versions in places for change in sorted(versions, key=lambda c: c.version)]


class Change(BaseModel):
    """One change as a reader receives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int | None = Field(
        description="Its number in this feed; null for the places of a first sync's snapshot."
    )
    type: ChangeType
    place_id: str
    version: int = Field(description="Apply a change only over an older version you hold.")
    department: str
    changed_at: datetime
    reason: DeleteReason | None = None
    place: dict[str, Any] | None = Field(
        default=None, description="The place's public form (upserts only)."
    )


def feed_change(seq: int, pending: PendingChange, line: FeedLine) -> Change:
    return Change(
        seq=seq,
        type=line.type,
        place_id=pending.place_id,
        version=pending.version,
        department=pending.department,
        changed_at=pending.changed_at,
        reason=line.reason,
        place=pending.place if line.type is ChangeType.UPSERT else None,
    )


class ChangePage(BaseModel):
    """``GET /changes``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    changes: list[Change]
    next_cursor: str = Field(description="Pass it as since= to read on; keep it between polls.")
    has_more: bool = Field(description="False: you are up to date; poll again later.")
    phase: str = Field(description="snapshot (a first sync's current places) or changes.")
