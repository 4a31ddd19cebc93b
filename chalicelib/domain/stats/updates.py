"""The one definition of "updated", and the activity figures read from history entries.

A place counts as **updated** in a period when a person confirmed or changed it, through any
door: a back-office edit or verification, a batch, the structure's self-update link, or a
merged public submission. Campaign progress (chalicelib/domain/campaigns/service.py) and the
statistics' coverage (snapshot.py) both call ``is_person_update``, so a day of team updates
reads the same share in both (before, the stats counted only ``verified_at`` moves and the
campaign every edit: 11.6% against ~21% for the same day).

Excluded: ``reconciled`` entries. They are the system bringing a place and its history back
into step (after a restore, or a lost write): nobody looked at the place. Nor did anyone for
an entry of channel ``import`` (another directory's data written by an import job,
docs/imports.md): it is not a confirmation either.

Every figure here is derived from history entries, and an entry exists once per version
(written with the change, in the same transaction): a retried request either wrote its
version or did not, so counting entries counts each change exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.places.history import Action, Channel, HistoryEntry

TEAM_CHANNELS = frozenset({Channel.ADMIN, Channel.BATCH})
"""The back office: one place at a time, or a batch ("édition groupée")."""


def is_person_update(entry: HistoryEntry) -> bool:
    """A person confirmed or changed the place (see the module's docstring)."""
    return entry.action is not Action.RECONCILED and entry.channel is not Channel.IMPORT


def updated_between(entries: Iterable[HistoryEntry], start: datetime, end: datetime) -> bool:
    """Whether any person update of the place falls in [start, end)."""
    return any(start <= entry.at < end and is_person_update(entry) for entry in entries)


def _set_to_a_value(entry: HistoryEntry, name: str) -> bool:
    """The field group ``name`` now holds a value it did not hold before (set where none was,
    or changed). Clearing it (after null) is not a signal. ``changes`` lists only groups that
    differ, so a present change with a non-null ``after`` is a new value."""
    return any(change.field == name and change.after is not None for change in entry.changes)


@dataclass
class Activity:
    """What people did to the places of one department on one day."""

    places_updated: set[str] = field(default_factory=set)
    team_edits: set[str] = field(default_factory=set)
    self_updates: int = 0
    temporary_messages_set: int = 0
    temporary_hours_places: set[str] = field(default_factory=set)
    temporary_closures_signalled: int = 0
    places_added_from_submissions: set[str] = field(default_factory=set)

    def add(self, entry: HistoryEntry) -> None:
        if not is_person_update(entry):
            return
        self.places_updated.add(entry.place_id)
        if entry.channel in TEAM_CHANNELS:
            self.team_edits.add(entry.place_id)
        if entry.channel is Channel.SELF_UPDATE:
            self.self_updates += 1
        if entry.channel is Channel.SUBMISSION and entry.action is Action.CREATED:
            self.places_added_from_submissions.add(entry.place_id)
        if _set_to_a_value(entry, "temporary_message"):
            self.temporary_messages_set += 1
        if _set_to_a_value(entry, "temporary_hours"):
            self.temporary_hours_places.add(entry.place_id)
        if _set_to_a_value(entry, "temporary_closure"):
            self.temporary_closures_signalled += 1
