"""Every place write keeps the search cells in step, in the same transaction (DynamoDB, moto).

After each write path — creation, edit, move within and across departments, status changes,
verification, self-update, batch update, bulk load, add and save — the search cells hold
exactly the records of the online places (tests/search_support.py). A write that fails its
condition changes no cell; a cell changed by a concurrent writer between the plan and the
commit makes the write plan again, never lose either change; and when the cells keep
changing the write gives up with 503 and writes nothing. Submissions' approve and merge are
checked in tests/integration/submissions/test_decisions_on_aws.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.batch_ledger import DynamoBatchLedger
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_cells import CellPlanner, CellWrite
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.batch.models import BatchPatch, BatchRequest, ResultStatus, Selection
from chalicelib.domain.batch.service import BatchUpdateService
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Unavailable, VersionConflict
from chalicelib.domain.hours.models import TemporaryClosure
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import NewPlace, PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Actor
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import PARIS_19, make_place, offset_point
from tests.search_support import assert_search_cells_match_places, cell_records

pytestmark = pytest.mark.usefixtures("dynamodb_tables")

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
STRUCTURE = Actor(subject="link-1", role="structure")


def editor(repository: DynamoPlaceRepository | None = None) -> PlaceEditor:
    return PlaceEditor(
        repository or DynamoPlaceRepository(), FixedClock(NOW), SequentialIds(), default_taxonomy()
    )


def new_place(name: str, status: PlaceStatus = PlaceStatus.ONLINE, **fields: object) -> NewPlace:
    template = make_place("x", name=name, status=status)
    data = template.model_dump(
        include={"name", "address", "location", "services", "status", "hours"}
    )
    data.update(fields)
    return NewPlace.model_validate(data)


def test_each_edit_path_keeps_the_cells_exact() -> None:
    places = editor()
    draft = places.create(ADMIN, new_place("Brouillon", PlaceStatus.DRAFT))
    online = places.create(ADMIN, new_place("Épicerie solidaire"))
    assert assert_search_cells_match_places() == 1  # drafts have no record

    renamed = places.edit(
        ADMIN, online.id, expected_version=1, patch=PlacePatch(name="Épicerie du Cœur")
    )
    assert cell_records()[online.id][1].sort_name == "epicerie du coeur"
    assert_search_cells_match_places()

    cell_before = cell_records()[online.id][0]
    far = offset_point(PARIS_19, 3_000, 2_000)  # another cell, same department
    moved = places.edit(
        ADMIN,
        online.id,
        expected_version=renamed.version,
        patch=PlacePatch(location=far),
    )
    cell_after = cell_records()[online.id][0]
    assert cell_after[0] == cell_before[0] == "75"
    assert cell_after[1] != cell_before[1]
    assert_search_cells_match_places()

    other_department = moved.address.model_copy(
        update={"department_code": "93", "postal_code": "93100", "city_code": None}
    )
    moved = places.edit(
        ADMIN,
        online.id,
        expected_version=moved.version,
        patch=PlacePatch(address=other_department),
    )
    assert cell_records()[online.id][0][0] == "93"
    assert_search_cells_match_places()

    published = places.edit(
        ADMIN, draft.id, expected_version=1, patch=PlacePatch(status=PlaceStatus.ONLINE)
    )
    assert_search_cells_match_places()
    places.verify(ADMIN, published.id, expected_version=published.version)
    assert_search_cells_match_places()

    closed = places.edit(
        ADMIN,
        online.id,
        expected_version=moved.version,
        patch=PlacePatch(
            temporary_closure=TemporaryClosure(start_date=date(2026, 12, 1), end_date=None)
        ),
    )
    assert cell_records()[online.id][1].closed_from == date(2026, 12, 1).toordinal()
    places.apply_self_update(
        places.get(ADMIN, online.id),
        expected_version=closed.version,
        patch=PlacePatch(temporary_closure=None),
        actor=STRUCTURE,
    )
    assert cell_records()[online.id][1].closed_from == 0
    assert_search_cells_match_places()

    places.delete(ADMIN, online.id, expected_version=places.get(ADMIN, online.id).version)
    assert online.id not in cell_records()
    assert assert_search_cells_match_places() == 1


def test_a_stale_write_changes_no_cell() -> None:
    places = editor()
    online = places.create(ADMIN, new_place("Douches"))
    places.edit(ADMIN, online.id, expected_version=1, patch=PlacePatch(name="Bains-douches"))
    before = cell_records()

    with pytest.raises(VersionConflict):
        places.edit(ADMIN, online.id, expected_version=1, patch=PlacePatch(name="Autre"))

    assert cell_records() == before


def test_batch_updates_bulk_loads_and_saves_keep_the_cells_exact() -> None:
    repository = DynamoPlaceRepository()
    # 70 places in a few cells (several places per cell, several transactions).
    seeded = [
        make_place(f"p{n:03d}", lat=PARIS_19.lat + (n % 7) * 0.004, lon=PARIS_19.lon)
        for n in range(70)
    ]
    repository.load_fresh(seeded)
    assert assert_search_cells_match_places() == 70

    batch = BatchUpdateService(repository, DynamoBatchLedger(), FixedClock(NOW), default_taxonomy())
    closure = TemporaryClosure(start_date=date(2026, 12, 1), end_date=date(2026, 12, 24))
    report = batch.run(
        ADMIN,
        BatchRequest(
            idempotency_key="close-them-all",
            selection=Selection(ids=[place.id for place in seeded[:60]]),
            patch=BatchPatch(temporary_closure=closure),
        ),
    )
    assert report.counts[ResultStatus.APPLIED] == 60
    assert_search_cells_match_places()
    offline = batch.run(
        ADMIN,
        BatchRequest(
            idempotency_key="take-ten-offline",
            selection=Selection(ids=[place.id for place in seeded[60:]]),
            patch=BatchPatch(status=PlaceStatus.OFFLINE),
        ),
    )
    assert offline.counts[ResultStatus.APPLIED] == 10
    assert assert_search_cells_match_places() == 60

    repository.add(make_place("added"))
    repository.save(make_place("added", name="Renommé", version=2), expected_version=1)
    assert cell_records()["added"][1].sort_name == "renomme"
    assert assert_search_cells_match_places() == 61


class InterferingPlanner(CellPlanner):
    """Plans, then lets ``interfere`` write before the plan is committed (``times`` times)."""

    def __init__(self, interfere: Callable[[], None], times: int) -> None:
        self._interfere = interfere
        self._times = times

    def plan(self, changes: Sequence[tuple[Place | None, Place | None]]) -> list[CellWrite]:
        writes = super().plan(changes)
        if self._times > 0:
            self._times -= 1
            self._interfere()
        return writes


def test_a_neighbour_written_between_plan_and_commit_makes_the_write_plan_again() -> None:
    plain = DynamoPlaceRepository()
    plain.load_fresh([make_place("a"), make_place("b", lat=PARIS_19.lat + 0.0001)])
    neighbour = editor(plain)

    def write_b() -> None:
        current = plain.get("b")
        renamed = PlacePatch(name=f"B{current.version}")
        neighbour.edit(ADMIN, "b", expected_version=current.version, patch=renamed)

    places = editor(DynamoPlaceRepository(InterferingPlanner(write_b, times=2)))
    places.edit(ADMIN, "a", expected_version=1, patch=PlacePatch(name="A2"))

    records = cell_records()
    assert (records["a"][1].sort_name, records["b"][1].sort_name) == ("a2", "b2")
    assert plain.get("b").version == 3  # both interfering writes landed
    assert_search_cells_match_places()


def test_cells_that_keep_changing_give_a_503_and_write_nothing() -> None:
    plain = DynamoPlaceRepository()
    plain.load_fresh([make_place("a"), make_place("b", lat=PARIS_19.lat + 0.0001)])
    neighbour = editor(plain)

    def write_b() -> None:
        current = plain.get("b")
        neighbour.edit(
            ADMIN,
            "b",
            expected_version=current.version,
            patch=PlacePatch(name=f"B{current.version}"),
        )

    places = editor(DynamoPlaceRepository(InterferingPlanner(write_b, times=100)))
    with pytest.raises(Unavailable):
        places.edit(ADMIN, "a", expected_version=1, patch=PlacePatch(name="A2"))

    assert plain.get("a").version == 1
    assert plain.history("a", limit=5).entries == []
    assert_search_cells_match_places()
