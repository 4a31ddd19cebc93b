"""A place and its history brought back into step (docs: README, "Point-in-time restore").

Every write stores a place at version N+1 with the history entry for N+1 in one transaction,
so the latest entry's version is the place's version. Two things break that:

- the place is **behind** its history (entries N+1..M exist, the place is at N): a store that
  lost a committed place write (moto before devtools/moto_serial.py), or a point-in-time
  restore of the places table alone. Every later write fails (its entry N+1 exists) and
  would answer 409 "at version N" for ever;
- the place is **ahead** of its history (the place is at M, the latest entry is K < M): a
  restore of the history table alone, or places seeded without history (``load_fresh``).

An entry holds, for every field group that changed, its whole value before and after (the
top-level ``Place`` field; only ``id``, ``version``, ``created_at`` and ``updated_at`` are not
diffed, and the entry carries the version and the instant). So the place at N plus the
``after`` values of entries N+1..M is exactly the place at M: rolling forward restores the
acknowledged writes, not an approximation of them.

``PlaceReconciler.reconcile`` repairs either way, in one conditional write:

- behind, ``prefer=HISTORY`` (the default, and what the write path does by itself): the place
  rolls forward to the latest entry; no entry is added (each version already has its own);
- behind, ``prefer=PLACE`` (a deliberate restore of the places table: its content is the one
  wanted): the place keeps its content at version M+1, with a ``reconciled`` entry that
  undoes versions N+1..M field by field, so the history still tells every step;
- ahead: a ``reconciled`` entry for version M holds what changed since the state the history
  knows (K), replayed from the entries; versions K+1..M-1 have no entry of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from pydantic import JsonValue

from chalicelib.domain.auth import Principal, Role, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import RepereError, VersionConflict
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.history import (
    DIFFED_FIELDS,
    Action,
    Actor,
    Channel,
    FieldChange,
    HistoryEntry,
)
from chalicelib.domain.places.listing import PlaceFilter
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepair

HISTORY_PAGE = 200
"""Entries read per history page while replaying."""


class Prefer(StrEnum):
    """Which side wins when the place is behind its history."""

    HISTORY = "history"  # roll the place forward: the writes the history records stand
    PLACE = "place"  # keep the place's content (a deliberate restore), recorded as a new version


class Drift(StrEnum):
    IN_STEP = "in_step"
    PLACE_BEHIND = "place_behind"  # history holds versions the place does not
    PLACE_AHEAD = "place_ahead"  # the place's version has no history entry


class Repair(StrEnum):
    NONE = "none"
    ROLLED_FORWARD = "rolled_forward"
    PLACE_KEPT = "place_kept"
    HISTORY_WRITTEN = "history_written"


class ReconcileReport(DomainModel):
    place_id: str
    drift: Drift
    repair: Repair
    place_version: int  # before the repair
    history_version: int | None  # the latest entry's, before the repair (None: no history)
    version: int  # the place's version after the repair
    missing_versions: list[int]  # versions between the two with no entry (not recoverable)
    dry_run: bool


class ReconcileResult(DomainModel):
    """What ``POST /admin/places/{id}/reconcile`` answers: the report and the place after."""

    report: ReconcileReport
    place: Place


class SweepFailure(DomainModel):
    place_id: str
    error: str


class SweepReport(DomainModel):
    """Every place checked after a point-in-time restore: those found out of step (and what
    was done), and those that could not be repaired (try them again one by one)."""

    checked: int
    repaired: list[ReconcileReport]
    failed: list[SweepFailure]
    dry_run: bool


def replay(place: Place, entries: list[HistoryEntry]) -> Place:
    """``place`` with the ``after`` values of ``entries`` (ascending, above its version)
    applied: the place at the last entry's version, as it was written."""
    data = place.model_dump(mode="json")
    for entry in entries:
        for change in entry.changes:
            data[change.field] = change.after
        data["version"] = entry.version
        data["updated_at"] = entry.at.isoformat()
    return Place.model_validate(data)


def known_state(entries: list[HistoryEntry]) -> dict[str, JsonValue]:
    """The field groups as the history knows them after ``entries`` (ascending, from the
    creation): the last ``after`` of each field; fields no entry set are absent (null)."""
    state: dict[str, JsonValue] = {}
    for entry in entries:
        for change in entry.changes:
            state[change.field] = change.after
    return state


def changes_from(state: dict[str, JsonValue], place: Place) -> list[FieldChange]:
    """What changed from the history's ``state`` to ``place``, in ``Place`` field order."""
    after: dict[str, Any] = place.model_dump(mode="json")
    return [
        FieldChange(field=name, before=state.get(name), after=after.get(name))
        for name in DIFFED_FIELDS
        if state.get(name) != after.get(name)
    ]


class PlaceReconciler:
    """Finds and repairs a place out of step with its history. ``roll_forward`` is the write
    path's own repair (no principal: it only re-applies acknowledged writes)."""

    def __init__(self, store: PlaceEditStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def reconcile(
        self,
        principal: Principal,
        place_id: str,
        *,
        prefer: Prefer = Prefer.HISTORY,
        comment: str | None = None,
        dry_run: bool = False,
    ) -> tuple[ReconcileReport, Place]:
        require_role(principal, Role.ADMIN)
        place = self._store.get(place_id)
        latest = self._latest_version(place_id)
        report = ReconcileReport(
            place_id=place_id,
            drift=Drift.IN_STEP,
            repair=Repair.NONE,
            place_version=place.version,
            history_version=latest,
            version=place.version,
            missing_versions=[],
            dry_run=dry_run,
        )
        if latest is not None and latest > place.version:
            entries = self._entries(place_id, above=place.version)
            rolled = replay(place, entries)
            missing = _gaps(place.version, latest, entries)
            if prefer is Prefer.HISTORY:
                repair = PlaceRepair(before=place, place=rolled, entry=None)
                outcome = Repair.ROLLED_FORWARD
            else:
                repair = self._keep_place(principal, place, rolled, comment)
                outcome = Repair.PLACE_KEPT
            report = report.model_copy(
                update={
                    "drift": Drift.PLACE_BEHIND,
                    "repair": outcome,
                    "version": repair.place.version,
                    "missing_versions": missing,
                }
            )
        elif latest is None or latest < place.version:
            entries = self._entries(place_id, above=0)
            missing = list(range((latest or 0) + 1, place.version))
            entry = HistoryEntry(
                place_id=place_id,
                version=place.version,
                at=self._clock.now(),
                actor=_actor(principal),
                channel=Channel.ADMIN,
                action=Action.RECONCILED,
                changes=changes_from(known_state(entries), place),
                comment=comment or _note(f"history resumed at version {place.version}", missing),
            )
            repair = PlaceRepair(before=place, place=place, entry=entry)
            report = report.model_copy(
                update={
                    "drift": Drift.PLACE_AHEAD,
                    "repair": Repair.HISTORY_WRITTEN,
                    "missing_versions": missing,
                }
            )
        else:
            return report, place
        if not dry_run:
            self._store.repair(repair)
        return report, repair.place

    def sweep(
        self,
        principal: Principal,
        *,
        place_ids: Iterable[str] | None = None,
        prefer: Prefer = Prefer.HISTORY,
        dry_run: bool = False,
        behind_only: bool = False,
    ) -> SweepReport:
        """``reconcile`` for every place (or ``place_ids``): the step after a point-in-time
        restore of one table. A place in step costs one history read; a failure of one place
        is reported and the sweep goes on. ``behind_only`` repairs only places behind their
        history (those no write can succeed on), leaving places seeded without history be."""
        require_role(principal, Role.ADMIN)
        checked = 0
        repaired: list[ReconcileReport] = []
        failed: list[SweepFailure] = []
        for place_id, version in self._versions(place_ids):
            checked += 1
            if version is not None:
                latest = self._latest_version(place_id)
                if latest == version or (behind_only and (latest or 0) < version):
                    continue  # in step, or not asked for (reconcile reads strongly anyway)
            try:
                report, _ = self.reconcile(principal, place_id, prefer=prefer, dry_run=dry_run)
            except RepereError as error:
                failed.append(SweepFailure(place_id=place_id, error=error.message))
                continue
            if report.drift is not Drift.IN_STEP:
                repaired.append(report)
        return SweepReport(checked=checked, repaired=repaired, failed=failed, dry_run=dry_run)

    def _versions(self, place_ids: Iterable[str] | None) -> Iterator[tuple[str, int | None]]:
        if place_ids is not None:
            for place_id in place_ids:
                yield place_id, None
            return
        for status in PlaceStatus:  # every place has one status: together, every place
            yield from self._store.iter_matching(PlaceFilter(status=status))

    def roll_forward(self, place_id: str) -> int:
        """The write path's repair when a write found its history entry already there: the
        place rolled forward to its latest entry. Returns the place's version afterwards
        (what a client must send to succeed). Idempotent under concurrent callers."""
        place = self._store.get(place_id)
        entries = self._entries(place_id, above=place.version)
        if not entries:
            return place.version  # another writer repaired (or wrote) in between
        try:
            self._store.repair(PlaceRepair(before=place, place=replay(place, entries), entry=None))
        except VersionConflict as conflict:  # a concurrent repair won: its version stands
            if conflict.current_version is None:
                raise
            return conflict.current_version
        return entries[-1].version

    def _keep_place(
        self, principal: Principal, place: Place, rolled: Place, comment: str | None
    ) -> PlaceRepair:
        now = self._clock.now()
        kept = place.model_copy(update={"version": rolled.version + 1, "updated_at": now})
        undone = f"versions {place.version + 1} to {rolled.version} undone"
        entry = HistoryEntry(
            place_id=place.id,
            version=kept.version,
            at=now,
            actor=_actor(principal),
            channel=Channel.ADMIN,
            action=Action.RECONCILED,
            changes=changes_from(rolled.model_dump(mode="json"), kept),
            comment=comment or f"place kept as restored at version {place.version}; {undone}",
        )
        return PlaceRepair(before=place, place=kept, entry=entry)

    def _latest_version(self, place_id: str) -> int | None:
        page = self._store.history(place_id, limit=1)
        return page.entries[0].version if page.entries else None

    def _entries(self, place_id: str, *, above: int) -> list[HistoryEntry]:
        """Entries of versions above ``above``, ascending."""
        entries: list[HistoryEntry] = []
        before: int | None = None
        while True:
            page = self._store.history(place_id, limit=HISTORY_PAGE, before=before)
            for entry in page.entries:
                if entry.version <= above:
                    return entries[::-1]
                entries.append(entry)
            if page.next_before is None:
                return entries[::-1]
            before = page.next_before


def _gaps(place_version: int, latest: int, entries: list[HistoryEntry]) -> list[int]:
    present = {entry.version for entry in entries}
    return [v for v in range(place_version + 1, latest + 1) if v not in present]


def _note(text: str, missing: list[int]) -> str:
    if not missing:
        return f"reconciled: {text}"
    return f"reconciled: {text}; versions {missing[0]} to {missing[-1]} have no entry"


def _actor(principal: Principal) -> Actor:
    return Actor(
        subject=principal.subject, role=principal.role.value, display_name=principal.display_name
    )
