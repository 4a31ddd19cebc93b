"""Batch update: one patch on many places, per-place results, idempotent and resumable.

How a run goes (docs/backoffice.md, "Batch update"):

1. The selection (ids, or a filter) is resolved once into a *plan*: every selected place with
   the version it has now. The first run of an idempotency key records the plan in the
   ledger; every later run of the key works on that recorded plan, so a filter such as
   "status = online" still means the places it meant before the batch took them offline.
2. The plan is applied chunk by chunk (``chunk_size`` places, within one DynamoDB
   transaction's 100 items: a place and its history entry are two). Each place is written
   only if it is still at its planned version, with a history entry that names the batch.
3. After each chunk the ledger records its results. A run that crashes between a write and
   that record is resumed by running the same request again: a place found one version past
   its plan whose history entry at that version names this batch was applied by the earlier
   run (reported ``applied``, not written again); any other version change is someone else's
   edit (``conflict``). A completed batch only replays its report.

A dry run resolves the selection and computes the same per-place results and changes
without writing anything, the ledger included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from chalicelib.domain.auth import (
    Principal,
    Role,
    can_edit_place,
    can_run_batch,
    require,
)
from chalicelib.domain.batch.models import (
    IDEMPOTENCY_KEY_PATTERN,
    BatchReport,
    BatchRequest,
    BatchState,
    PlaceResult,
    PlannedPlace,
    ResultStatus,
    batch_id_for,
    count_results,
)
from chalicelib.domain.batch.ports import BatchLedger
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.places.editing import actor_of, apply_patch, check_patch_allowed
from chalicelib.domain.places.history import Action, Channel, HistoryEntry, diff_places
from chalicelib.domain.places.listing import PlaceFilter, organisation_key
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceEditStore, PlaceWrite, WriteStatus
from chalicelib.domain.places.reconcile import PlaceReconciler
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

CHUNK_SIZE = 50
"""Places per chunk: 50 places + 50 history entries = DynamoDB's 100 items per transaction."""

READ_CHUNK = 100
"""Places read at once (DynamoDB BatchGetItem takes 100 keys)."""


def _never() -> bool:
    return False


class BatchUpdateService:
    def __init__(
        self,
        store: PlaceEditStore,
        ledger: BatchLedger,
        clock: Clock,
        taxonomy: Taxonomy,
        *,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        if not 1 <= chunk_size <= CHUNK_SIZE:
            raise ValueError(f"chunk_size must be between 1 and {CHUNK_SIZE}")
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._taxonomy = taxonomy
        self._chunk_size = chunk_size

    def run(
        self,
        principal: Principal,
        request: BatchRequest,
        *,
        max_places: int | None = None,
        should_stop: Callable[[], bool] = _never,
        defer_over: int | None = None,
    ) -> BatchReport:
        """Dry-run or apply ``request``. ``max_places`` caps the selection (HTTP callers);
        ``should_stop`` is asked before each chunk (a Lambda's time budget): the report then
        says ``complete: false`` and the same request resumes. ``defer_over``: a plan of more
        places is recorded but not applied (``complete: false``, nothing done): the HTTP
        route hands it to the batch worker and answers 202 rather than hold the request."""
        require(
            can_run_batch(principal),
            "batch updates are for admins and territory moderators",
            code="role_required",
        )
        if request.dry_run:
            return self._dry_run(principal, request, max_places)
        if request.idempotency_key is None:  # BatchRequest checks it; this tells mypy
            raise InvalidInput("applying a batch needs an idempotency_key", field="idempotency_key")
        batch_id = batch_id_for(principal.subject, request.idempotency_key)
        state = self._ledger.load(batch_id)
        if state is None:
            plan = self._plan(principal, request, max_places)
            state = self._ledger.begin(
                batch_id,
                fingerprint=request.fingerprint(),
                plan=plan,
                chunk_size=self._chunk_size,
                at=self._clock.now(),
            )
        if state.fingerprint != request.fingerprint():
            raise Conflict(
                "this idempotency key was used for another batch: choose a new key",
                field="idempotency_key",
                code="idempotency_key_reused",
            )
        if max_places is not None and len(state.plan) > max_places:
            raise _too_large(len(state.plan), max_places)
        if state.completed_at is not None:
            return _report(state, replayed=True)
        if defer_over is not None and len(state.plan) > defer_over:
            return _report(state, replayed=False)
        for index, chunk in enumerate(state.chunks()):
            if index in state.done:
                continue
            if should_stop():
                return _report(state, replayed=False)
            results = self._apply_chunk(principal, request, batch_id, chunk)
            self._ledger.record_chunk(batch_id, index, results)
            state.done[index] = results
        self._ledger.complete(batch_id, self._clock.now())
        return _report(state.model_copy(update={"completed_at": self._clock.now()}), False)

    def status(self, principal: Principal, idempotency_key: str) -> BatchReport:
        """Where the caller's batch ``idempotency_key`` stands: the results so far, and
        ``complete`` once every chunk is done. A key is the caller's own (the batch id is
        derived from its subject): nobody reads another's batch, nor learns it exists."""
        require(
            can_run_batch(principal),
            "batch updates are for admins and territory moderators",
            code="role_required",
        )
        if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, idempotency_key):
            raise InvalidInput(
                "an idempotency key is 8 to 128 of A-Z a-z 0-9 _ . : -", field="idempotency_key"
            )
        state = self._ledger.load(batch_id_for(principal.subject, idempotency_key))
        if state is None:
            raise NotFound("no batch of yours has this idempotency key", field="idempotency_key")
        return _report(state, replayed=False)

    # Selection ---------------------------------------------------------------------------

    def _selected_ids(
        self, principal: Principal, request: BatchRequest, max_places: int | None
    ) -> list[str]:
        selection = request.selection
        if selection.ids is not None:
            ids = selection.ids
        else:
            ids = []
            for place_id, _ in self._store.iter_matching(self._filter(principal, request)):
                ids.append(place_id)
                if max_places is not None and len(ids) > max_places:
                    break
        if max_places is not None and len(ids) > max_places:
            raise _too_large(len(ids), max_places, at_least=selection.ids is None)
        return ids

    def _filter(self, principal: Principal, request: BatchRequest) -> PlaceFilter:
        batch_filter = request.selection.filter
        if batch_filter is None:
            raise InvalidInput("no filter", field="selection.filter")
        if batch_filter.department is not None:
            require(
                principal.covers(batch_filter.department),
                f"department {batch_filter.department} is outside your territory",
                code="out_of_scope",
            )
        categories: tuple[str, ...] = ()
        if batch_filter.category is not None:
            categories = tuple(sorted(self._taxonomy.descendants(batch_filter.category)))
        org_key = None
        if batch_filter.organisation is not None:
            org_key = organisation_key(batch_filter.organisation)
            if org_key is None:
                raise InvalidInput(
                    "organisation has no letters or digits", field="selection.filter"
                )
        # A moderator's filter selects within its territory only.
        departments = None if principal.role is Role.ADMIN else principal.departments
        return PlaceFilter(
            status=batch_filter.status,
            department=batch_filter.department,
            departments=departments,
            organisation_key=org_key,
            categories=categories,
        )

    def _plan(
        self, principal: Principal, request: BatchRequest, max_places: int | None
    ) -> list[PlannedPlace]:
        ids = self._selected_ids(principal, request, max_places)
        plan: list[PlannedPlace] = []
        for chunk in _chunked(ids, READ_CHUNK):
            found = self._store.get_many(chunk)
            plan.extend(
                PlannedPlace(
                    place_id=place_id,
                    version=found[place_id].version if place_id in found else 0,
                )
                for place_id in chunk
            )
        return plan

    # Dry run -----------------------------------------------------------------------------

    def _dry_run(
        self, principal: Principal, request: BatchRequest, max_places: int | None
    ) -> BatchReport:
        ids = self._selected_ids(principal, request, max_places)
        results: list[PlaceResult] = []
        for chunk in _chunked(ids, READ_CHUNK):
            found = self._store.get_many(chunk)
            for place_id in chunk:
                place = found.get(place_id)
                if place is None:
                    results.append(_not_found(place_id))
                    continue
                result, _ = self._evaluate(principal, request, place, batch_id=None)
                results.append(result)
        return BatchReport(
            batch_id=None,
            dry_run=True,
            complete=True,
            replayed=False,
            selected=len(ids),
            counts=count_results(results),
            results=results,
        )

    # Apply -------------------------------------------------------------------------------

    def _evaluate(
        self, principal: Principal, request: BatchRequest, place: Place, batch_id: str | None
    ) -> tuple[PlaceResult, PlaceWrite | None]:
        """The result of patching ``place`` (as it is now), and the write it needs if any."""
        if not can_edit_place(principal, place):
            return _not_found(place.id), None
        try:
            updated = apply_patch(place, request.patch.as_content())
            check_patch_allowed(principal, place, updated)
        except Forbidden as error:
            return (
                PlaceResult(
                    place_id=place.id,
                    status=ResultStatus.FORBIDDEN,
                    version=place.version,
                    message=error.message,
                ),
                None,
            )
        changes = diff_places(place, updated)
        if not changes:
            return (
                PlaceResult(
                    place_id=place.id, status=ResultStatus.UNCHANGED, version=place.version
                ),
                None,
            )
        now = self._clock.now()
        new = updated.model_copy(update={"version": place.version + 1, "updated_at": now})
        entry = HistoryEntry(
            place_id=place.id,
            version=new.version,
            at=now,
            actor=actor_of(principal),
            channel=Channel.BATCH,
            action=Action.BATCH_UPDATED,
            changes=changes,
            comment=request.comment,
            batch_id=batch_id,
        )
        result = PlaceResult(
            place_id=place.id, status=ResultStatus.APPLIED, version=new.version, changes=changes
        )
        return result, PlaceWrite(before=place, place=new, entry=entry)

    def _apply_chunk(
        self,
        principal: Principal,
        request: BatchRequest,
        batch_id: str,
        chunk: Sequence[PlannedPlace],
    ) -> list[PlaceResult]:
        found = self._store.get_many([planned.place_id for planned in chunk])
        results: dict[str, PlaceResult] = {}
        writes: list[PlaceWrite] = []
        planned_versions = {planned.place_id: planned.version for planned in chunk}
        for planned in chunk:
            place = found.get(planned.place_id)
            if place is None or not can_edit_place(principal, place):
                # Checked before the version: a place outside the territory that changed
                # since the plan must not answer "conflict" (which says it exists).
                results[planned.place_id] = _not_found(planned.place_id)
            elif place.version != planned.version:
                results[planned.place_id] = self._moved_on(batch_id, planned, place.version)
            else:
                result, write = self._evaluate(principal, request, place, batch_id)
                results[planned.place_id] = result
                if write is not None:
                    writes.append(write)
        for write, outcome in zip(writes, self._store.update_many(writes), strict=True):
            place_id = write.place.id
            if outcome.status is WriteStatus.NOT_FOUND:
                results[place_id] = _not_found(place_id)
            elif outcome.status is WriteStatus.CONFLICT:
                planned = PlannedPlace(place_id=place_id, version=planned_versions[place_id])
                current = outcome.current_version
                if outcome.history_ahead:
                    # The place is behind its history (a lost or restored write): rolled
                    # forward first, so the report names a version a new batch can use.
                    current = PlaceReconciler(self._store, self._clock).roll_forward(place_id)
                results[place_id] = self._moved_on(batch_id, planned, current)
        return [results[planned.place_id] for planned in chunk]

    def _moved_on(
        self, batch_id: str, planned: PlannedPlace, current_version: int | None
    ) -> PlaceResult:
        """A place no longer at its planned version: applied by an earlier (crashed) or
        concurrent run of this same batch, or changed by someone else."""
        entry = self._store.history_entry(planned.place_id, planned.version + 1)
        if entry is not None and entry.batch_id == batch_id:
            return PlaceResult(
                place_id=planned.place_id,
                status=ResultStatus.APPLIED,
                version=entry.version,
                changes=entry.changes,
            )
        return PlaceResult(
            place_id=planned.place_id,
            status=ResultStatus.CONFLICT,
            version=current_version,
            message=f"the place changed since the batch was planned (version {planned.version})",
        )


NOT_YOURS_OR_MISSING = "no such place in your territory"


def _not_found(place_id: str) -> PlaceResult:
    """One answer for a missing id and a place outside the caller's territory: the same
    status, message and no version, so a moderator's report cannot tell which ids exist
    elsewhere (an admin's territory is everything: for it, this only means missing)."""
    return PlaceResult(
        place_id=place_id, status=ResultStatus.NOT_FOUND, message=NOT_YOURS_OR_MISSING
    )


def _too_large(count: int, max_places: int, *, at_least: bool = False) -> InvalidInput:
    more = "more than " if at_least else ""
    return InvalidInput(
        f"this batch selects {more}{count if not at_least else max_places} places; over HTTP "
        f"the limit is {max_places}: invoke the batch_update function instead",
        field="selection",
        code="batch_too_large",
    )


def _report(state: BatchState, replayed: bool) -> BatchReport:
    results = [result for index in sorted(state.done) for result in state.done[index]]
    return BatchReport(
        batch_id=state.batch_id,
        dry_run=False,
        complete=len(state.done) == len(state.chunks()),
        replayed=replayed,
        selected=len(state.plan),
        counts=count_results(results),
        results=results,
    )


def _chunked(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
