"""The change log of a place: one entry per version, written with the change itself.

An entry says who (subject and role), when, through which channel, what kind of edit, and for
every field group that changed its value before and after (the JSON form of the top-level
``Place`` field: ``hours``, ``address``, ``temporary_closure``...). Version 1 is the creation;
its ``before`` values are null.

Entries hold private fields (``internal_note``) when those changed: the history is an
admin-only view and is never logged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, JsonValue

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.sections import Section


class Channel(StrEnum):
    """Through which door a change came in."""

    ADMIN = "admin"  # back-office edit of one place
    BATCH = "batch"  # batch update ("édition groupée")
    SELF_UPDATE = "self-update"  # the structure itself, through its signed link
    SUBMISSION = "submission"  # a moderated public suggestion
    IMPORT = "import"  # an applied import job (docs/imports.md)


class Action(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    VERIFIED = "verified"  # "nothing changed": only verified_at moves
    DELETED = "deleted"  # soft delete: taken offline
    BATCH_UPDATED = "batch_updated"
    # The place and its history brought back into step (chalicelib/domain/places/reconcile.py):
    # after a point-in-time restore, or a write a store lost.
    RECONCILED = "reconciled"


class Actor(DomainModel):
    """Who made a change. ``role`` is a back-office role, or the channel's own kind of
    author (``structure`` for a self-update, ``public`` for a submission)."""

    subject: str = Field(min_length=1, max_length=256)
    role: str = Field(min_length=1, max_length=50)
    display_name: str | None = Field(default=None, max_length=200)


class FieldChange(DomainModel):
    field: str
    before: JsonValue
    after: JsonValue


class HistoryEntry(DomainModel):
    place_id: str
    version: int = Field(ge=1, description="The version this change produced.")
    at: datetime
    actor: Actor
    channel: Channel
    action: Action
    changes: list[FieldChange]
    comment: str | None = Field(default=None, max_length=1000)
    batch_id: str | None = Field(
        default=None, description="The batch update that made this change, if any."
    )
    merged_fields: list[str] | None = Field(
        default=None,
        description="A submission merged into the place: the submission's fields taken "
        "(`changes` shows what they changed, with the moderator's edits if any).",
    )
    sections: tuple[Section, ...] | None = Field(
        default=None,
        description="Self-update answers only: the sections the link asked the structure to "
        "check, which this answer confirms (unchanged for a `verified` entry; `changes` says "
        "which fields an `edited` one changed).",
    )


class HistoryPage(DomainModel):
    """Newest first. ``next_before`` is the ``before`` of the next (older) page."""

    entries: list[HistoryEntry]
    next_before: int | None


BOOKKEEPING_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})
"""Not diffed: the entry itself carries the version and the instant."""

DIFFED_FIELDS: tuple[str, ...] = tuple(
    name for name in Place.model_fields if name not in BOOKKEEPING_FIELDS
)


def diff_places(before: Place | None, after: Place) -> list[FieldChange]:
    """Field groups whose JSON value differs, in ``Place`` field order.

    For a creation (``before`` None) only the fields that are set are listed.
    """
    after_json = after.model_dump(mode="json")
    before_json = before.model_dump(mode="json") if before is not None else {}
    changes: list[FieldChange] = []
    for name in DIFFED_FIELDS:
        old = before_json.get(name)
        new = after_json.get(name)
        if old != new:
            changes.append(FieldChange(field=name, before=old, after=new))
    return changes
