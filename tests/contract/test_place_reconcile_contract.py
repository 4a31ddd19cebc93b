"""A place out of step with its history is found and repaired, on both stores alike.

"Lost write": the history holds an entry whose place write is gone (what moto's unserialised
transactions did on the local stack, and what a restore of the places table alone leaves).
"Place ahead": the place holds versions without entries (a restore of the history table
alone, places seeded without history).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.backoffice_models import PlaceHistoryRecord
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import (
    DynamoPlaceRepository,
    PlacePut,
    to_history_record,
    write_places,
)
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Forbidden, VersionConflict
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry, diff_places
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepair
from chalicelib.domain.places.reconcile import (
    Drift,
    PlaceReconciler,
    Prefer,
    Repair,
    replay,
)
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.backoffice_fakes import fresh_tables
from tests.fakes import InMemoryPlaceRepository

NOW = datetime(2026, 3, 17, 11, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN, display_name="Alice")
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75",))
NEW_PLACE = {
    "name": "Halte Solidaire",
    "address": {
        "street": "3 rue de Flandre",
        "postal_code": "75019",
        "city": "Paris",
        "department_code": "75",
    },
    "location": {"lat": 48.886, "lon": 2.372},
    "services": [{"id": "s1", "category": "food_distribution"}],
    "status": "online",
}


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> PlaceEditStore:
    if request.param == "memory":
        return InMemoryPlaceRepository()
    request.getfixturevalue("_moto")
    fresh_tables(PlaceRecord, PlaceHistoryRecord)
    return DynamoPlaceRepository()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def editor(store: PlaceEditStore, clock: FixedClock) -> PlaceEditor:
    return PlaceEditor(store, clock, SequentialIds("p"), default_taxonomy())


@pytest.fixture
def reconciler(store: PlaceEditStore, clock: FixedClock) -> PlaceReconciler:
    return PlaceReconciler(store, clock)


def write_entry_only(store: PlaceEditStore, entry: HistoryEntry) -> None:
    """The history entry stored, its place write lost."""
    if isinstance(store, InMemoryPlaceRepository):
        store.history_entries.setdefault(entry.place_id, {})[entry.version] = entry
    else:
        to_history_record(entry).save()


def write_place_only(store: PlaceEditStore, before: Place, after: Place) -> None:
    """The place stored at a later version, without its history entry."""
    if isinstance(store, InMemoryPlaceRepository):
        store.places[after.id] = after
    else:
        assert write_places([PlacePut(before, after, before.version)]) is None


def lost_edit(store: PlaceEditStore, place: Place, **changes: object) -> Place:
    """An edit whose entry was stored and whose place write was lost. Returns the place as
    the writer was told it was written."""
    after = place.model_copy(
        update={**changes, "version": place.version + 1, "updated_at": NOW + timedelta(hours=1)}
    )
    write_entry_only(
        store,
        HistoryEntry(
            place_id=place.id,
            version=after.version,
            at=after.updated_at,
            actor=Actor(subject="bob", role="admin"),
            channel=Channel.ADMIN,
            action=Action.EDITED,
            changes=diff_places(place, after),
        ),
    )
    return after


def created(editor: PlaceEditor) -> Place:
    from chalicelib.domain.places.editing import NewPlace

    place = editor.create(ADMIN, NewPlace.model_validate(NEW_PLACE))
    return editor.edit(
        ADMIN, place.id, expected_version=1, patch=PlacePatch(description="Accueil de jour")
    )


def versions(store: PlaceEditStore, place_id: str) -> list[int]:
    return sorted(entry.version for entry in store.history(place_id, limit=100).entries)


def test_a_write_over_a_lost_write_answers_a_version_that_then_succeeds(
    store: PlaceEditStore, editor: PlaceEditor
) -> None:
    place = created(editor)
    told = lost_edit(store, place, name="Halte Solidaire Flandre")

    with pytest.raises(VersionConflict) as conflict:
        editor.edit(ADMIN, place.id, expected_version=2, patch=PlacePatch(description="x"))

    # Not "at version 2, not 2": the place was rolled forward to the acknowledged write.
    assert conflict.value.current_version == 3
    assert store.get(place.id).model_dump() == told.model_dump()
    again = editor.edit(ADMIN, place.id, expected_version=3, patch=PlacePatch(description="x"))
    assert (again.version, again.name, again.description) == (4, told.name, "x")
    assert versions(store, place.id) == [1, 2, 3, 4]


def test_reconcile_rolls_a_place_behind_its_history_forward(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    place = created(editor)
    first = lost_edit(store, place, name="Halte Flandre")
    told = lost_edit(store, first, organisation="Association Halte")

    report, repaired = reconciler.reconcile(ADMIN, place.id)

    assert (report.drift, report.repair) == (Drift.PLACE_BEHIND, Repair.ROLLED_FORWARD)
    assert (report.place_version, report.history_version, report.version) == (2, 4, 4)
    assert repaired.model_dump() == told.model_dump() == store.get(place.id).model_dump()
    assert versions(store, place.id) == [1, 2, 3, 4]
    again, _ = reconciler.reconcile(ADMIN, place.id)
    assert (again.drift, again.repair) == (Drift.IN_STEP, Repair.NONE)


def test_reconcile_can_keep_a_restored_place_and_record_the_undo(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler, clock: FixedClock
) -> None:
    place = created(editor)
    lost_edit(store, place, name="Nom erroné")

    report, kept = reconciler.reconcile(ADMIN, place.id, prefer=Prefer.PLACE)

    assert (report.repair, report.version) == (Repair.PLACE_KEPT, 4)
    assert (kept.version, kept.name, kept.updated_at) == (4, "Halte Solidaire", clock.now())
    assert store.get(place.id).name == "Halte Solidaire"
    entry = store.history_entry(place.id, 4)
    assert entry is not None and entry.action is Action.RECONCILED
    assert [(c.field, c.before, c.after) for c in entry.changes] == [
        ("name", "Nom erroné", "Halte Solidaire")
    ]
    assert "versions 3 to 3 undone" in (entry.comment or "")


def test_reconcile_writes_the_entry_a_place_ahead_of_its_history_lacks(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    place = created(editor)
    later = place.model_copy(update={"version": 4, "name": "Halte Nord"})
    write_place_only(store, place, later)

    report, same = reconciler.reconcile(ADMIN, place.id)

    assert (report.drift, report.repair, report.version) == (
        Drift.PLACE_AHEAD,
        Repair.HISTORY_WRITTEN,
        4,
    )
    assert report.missing_versions == [3]
    assert same.model_dump() == later.model_dump() == store.get(place.id).model_dump()
    entry = store.history_entry(place.id, 4)
    assert entry is not None and entry.action is Action.RECONCILED
    assert [(c.field, c.before, c.after) for c in entry.changes] == [
        ("name", "Halte Solidaire", "Halte Nord")
    ]
    # And the place is editable on the ordinary path again.
    edited = editor.edit(ADMIN, place.id, expected_version=4, patch=PlacePatch(description="y"))
    assert edited.version == 5


def test_a_dry_run_reports_and_writes_nothing(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    place = created(editor)
    lost_edit(store, place, name="Halte Flandre")

    report, _ = reconciler.reconcile(ADMIN, place.id, dry_run=True)

    assert (report.drift, report.repair, report.dry_run) == (
        Drift.PLACE_BEHIND,
        Repair.ROLLED_FORWARD,
        True,
    )
    assert store.get(place.id).version == 2


def test_only_admins_reconcile(editor: PlaceEditor, reconciler: PlaceReconciler) -> None:
    place = created(editor)
    with pytest.raises(Forbidden):
        reconciler.reconcile(MODERATOR, place.id)


def test_a_second_roll_forward_finds_the_work_done(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    place = created(editor)
    lost_edit(store, place, name="Halte Flandre")
    assert reconciler.roll_forward(place.id) == 3
    assert reconciler.roll_forward(place.id) == 3
    assert store.get(place.id).version == 3


def test_a_repair_is_conditional_on_the_place_and_its_history(
    store: PlaceEditStore, editor: PlaceEditor
) -> None:
    place = created(editor)
    told = lost_edit(store, place, name="Halte Flandre")
    too_far = told.model_copy(update={"version": 5})
    with pytest.raises(Conflict):  # no entry for version 5 to roll forward to
        store.repair(PlaceRepair(before=place, place=too_far, entry=None))
    stale = place.model_copy(update={"version": 1})
    with pytest.raises(VersionConflict) as conflict:
        store.repair(PlaceRepair(before=stale, place=told, entry=None))
    assert conflict.value.current_version == 2
    assert store.get(place.id).version == 2


def test_replay_applies_each_entrys_after_values_and_bookkeeping() -> None:
    from tests.builders import make_place

    place = make_place("r1")
    after = place.model_copy(
        update={"name": "Autre", "version": 2, "updated_at": NOW, "description": "d"}
    )
    entry = HistoryEntry(
        place_id="r1",
        version=2,
        at=NOW,
        actor=Actor(subject="a", role="admin"),
        channel=Channel.ADMIN,
        action=Action.EDITED,
        changes=diff_places(place, after),
    )
    assert replay(place, [entry]).model_dump() == after.model_dump()


def test_a_sweep_repairs_every_place_out_of_step_and_skips_the_others(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    behind, ahead, in_step = created(editor), created(editor), created(editor)
    lost_edit(store, behind, name="Perdu puis retrouvé")
    write_place_only(store, ahead, ahead.model_copy(update={"version": 3}))

    dry = reconciler.sweep(ADMIN, dry_run=True)
    report = reconciler.sweep(ADMIN)

    assert (dry.checked, len(dry.repaired), dry.failed) == (3, 2, [])
    assert {(r.place_id, r.repair) for r in report.repaired} == {
        (behind.id, Repair.ROLLED_FORWARD),
        (ahead.id, Repair.HISTORY_WRITTEN),
    }
    assert reconciler.sweep(ADMIN).repaired == []
    assert store.get(behind.id).name == "Perdu puis retrouvé"
    assert store.get(in_step.id).version == 2


def test_the_sweep_script_reports_as_json(
    editor: PlaceEditor, store: PlaceEditStore, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from devtools.reconcile_places import main
    from tests import composition_support as roots

    place = created(editor)
    lost_edit(store, place, name="Perdu")
    roots.use(places=store, clock=FixedClock(NOW))
    try:
        assert main(["--dry-run", "--place", place.id]) == 0
    finally:
        roots.reset()
    printed = json.loads(capsys.readouterr().out)
    assert (printed["checked"], printed["repaired"][0]["drift"]) == (1, "place_behind")


def test_a_sweep_can_leave_places_without_history_alone(
    store: PlaceEditStore, editor: PlaceEditor, reconciler: PlaceReconciler
) -> None:
    behind, ahead = created(editor), created(editor)
    lost_edit(store, behind, name="Perdu puis retrouvé")
    write_place_only(store, ahead, ahead.model_copy(update={"version": 3}))

    report = reconciler.sweep(ADMIN, behind_only=True)

    assert [(r.place_id, r.repair) for r in report.repaired] == [(behind.id, Repair.ROLLED_FORWARD)]
    assert store.history_entry(ahead.id, 3) is None


def test_batched_writes_flag_a_place_behind_its_history(
    store: PlaceEditStore, editor: PlaceEditor
) -> None:
    from chalicelib.domain.places.ports import PlaceWrite, WriteStatus

    behind, stale = created(editor), created(editor)
    lost_edit(store, behind, name="Perdu")
    editor.edit(ADMIN, stale.id, expected_version=2, patch=PlacePatch(description="z"))

    def write_of(place: Place) -> PlaceWrite:
        after = place.model_copy(update={"version": 3, "name": "Lot"})
        entry = HistoryEntry(
            place_id=place.id,
            version=3,
            at=NOW,
            actor=Actor(subject="batch", role="admin"),
            channel=Channel.BATCH,
            action=Action.BATCH_UPDATED,
            changes=diff_places(place, after),
        )
        return PlaceWrite(before=place, place=after, entry=entry)

    outcomes = store.update_many([write_of(behind), write_of(stale)])

    assert [(o.status, o.current_version, o.history_ahead) for o in outcomes] == [
        (WriteStatus.CONFLICT, 2, True),
        (WriteStatus.CONFLICT, 3, False),
    ]


def test_a_batch_over_a_lost_write_rolls_the_place_forward_and_names_a_version_that_succeeds(
    store: PlaceEditStore, editor: PlaceEditor, clock: FixedClock
) -> None:
    from chalicelib.domain.batch.models import BatchRequest, ResultStatus
    from chalicelib.domain.batch.service import BatchUpdateService
    from tests.backoffice_fakes import InMemoryBatchLedger

    place = created(editor)
    lost_edit(store, place, name="Perdu")
    batch = BatchUpdateService(store, InMemoryBatchLedger(), clock, default_taxonomy())

    def closing(key: str) -> BatchRequest:
        return BatchRequest.model_validate(
            {
                "idempotency_key": key,
                "selection": {"ids": [place.id]},
                "patch": {"temporary_closure": {"start_date": "2026-03-17", "reason": "Fermé"}},
            }
        )

    first = batch.run(ADMIN, closing("batch-over-lost-write-1"))

    (result,) = first.results
    assert (result.status, result.version) == (ResultStatus.CONFLICT, 3)
    assert store.get(place.id).name == "Perdu"  # the acknowledged write is back
    (retried,) = batch.run(ADMIN, closing("batch-over-lost-write-2")).results
    assert (retried.status, retried.version) == (ResultStatus.APPLIED, 4)
    assert versions(store, place.id) == [1, 2, 3, 4]
