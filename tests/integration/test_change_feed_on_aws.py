"""The change feed on DynamoDB (moto): every public write through the editor reaches a
resumed reader exactly once, in each place's version order, while writers, the sequencer and
the reader run at the same time; drafts never appear; moves and closures are tombstones."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.dynamodb.changes import DynamoChangeLog
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.changes.models import Change, ChangeType
from chalicelib.domain.changes.service import ChangeFeed
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import NewPlace, PlaceEditor, PlacePatch
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place

pytestmark = pytest.mark.usefixtures("dynamodb_tables")

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
KEY = b"k" * 32
WRITERS = 4
EDITS = 6


def editor() -> PlaceEditor:
    return PlaceEditor(
        DynamoPlaceRepository(), FixedClock(NOW), SequentialIds(), default_taxonomy()
    )


def feed() -> ChangeFeed:
    return ChangeFeed(DynamoChangeLog(), DynamoSearchRecords(), cursor_key=KEY)


def new_place(name: str, status: PlaceStatus = PlaceStatus.ONLINE) -> NewPlace:
    template = make_place("x", name=name, status=status)
    return NewPlace.model_validate(
        template.model_dump(include={"name", "address", "location", "services", "status"})
    )


def read_all(reader: ChangeFeed, cursor: str | None, department: str) -> tuple[list[Change], str]:
    seen: list[Change] = []
    while True:
        page = reader.read(department=department, since=cursor, limit=3)
        seen.extend(page.changes)
        cursor = page.next_cursor
        if page.phase == "changes" and not page.has_more:
            return seen, cursor


def test_concurrent_writers_and_a_resumed_reader_see_every_change_once() -> None:
    places = editor()
    ids = [places.create(ADMIN, new_place(f"Lieu {index}")).id for index in range(WRITERS)]
    places.create(ADMIN, new_place("Brouillon", PlaceStatus.DRAFT))
    log = DynamoChangeLog()
    log.sequence_pending(100)
    # The reader's first sync, before the writers start: a snapshot of the four places.
    snapshot, cursor = read_all(feed(), None, "75")
    assert sorted(c.place_id for c in snapshot) == sorted(ids)

    written: dict[str, list[int]] = defaultdict(list)
    done = threading.Event()
    errors: list[BaseException] = []

    def writer(place_id: str) -> None:
        try:
            own = editor()
            for edit in range(EDITS):
                while True:  # a concurrent sequencer never makes a writer fail
                    current = own.get(ADMIN, place_id)
                    try:
                        saved = own.edit(
                            ADMIN,
                            place_id,
                            expected_version=current.version,
                            patch=PlacePatch(name=f"{place_id} édition {edit}"),
                        )
                    except VersionConflict:
                        continue
                    written[place_id].append(saved.version)
                    break
        except BaseException as error:
            errors.append(error)

    def sequencer() -> None:
        while not done.is_set():
            DynamoChangeLog().sequence_pending(50)

    received: list[Change] = []

    def reader() -> None:
        nonlocal cursor
        own = feed()
        while not done.is_set():
            page = own.read(department="75", since=cursor, limit=4)
            received.extend(page.changes)
            cursor = page.next_cursor  # resumed from the last cursor, page after page

    threads = [threading.Thread(target=writer, args=(place_id,)) for place_id in ids]
    background = [threading.Thread(target=sequencer), threading.Thread(target=reader)]
    for thread in [*threads, *background]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in background:
        thread.join()
    assert errors == []
    log.sequence_pending(1000)
    rest, _ = read_all(feed(), cursor, "75")
    received.extend(rest)

    assert [c.seq for c in received] == list(range(WRITERS + 1, WRITERS + 1 + WRITERS * EDITS))
    by_place: dict[str, list[int]] = defaultdict(list)
    for change in received:
        by_place[change.place_id].append(change.version)
    assert by_place == {place_id: sorted(versions) for place_id, versions in written.items()}
    france, _ = read_all(feed(), None, "FR")  # France's feed: the same writes, once each
    assert len(france) == WRITERS


def test_drafts_never_appear_and_closures_and_moves_are_tombstones() -> None:
    places = editor()
    draft = places.create(ADMIN, new_place("Brouillon", PlaceStatus.DRAFT))
    places.edit(ADMIN, draft.id, expected_version=1, patch=PlacePatch(name="Brouillon 2"))
    online = places.create(ADMIN, new_place("Épicerie"))
    moved_address = make_place(
        "y", department="93", postal_code="93000", city_code="93008", city="Bobigny"
    ).address
    places.edit(ADMIN, online.id, expected_version=1, patch=PlacePatch(address=moved_address))
    places.edit(ADMIN, online.id, expected_version=2, patch=PlacePatch(status=PlaceStatus.OFFLINE))
    DynamoChangeLog().sequence_pending(100)
    log = DynamoChangeLog()
    paris = log.read("75", 0, 10)
    assert [(c.type, c.reason) for c in paris] == [
        (ChangeType.UPSERT, None),
        (ChangeType.DELETE, "moved"),
    ]
    bobigny = log.read("93", 0, 10)
    assert [(c.type, c.reason, c.version) for c in bobigny] == [
        (ChangeType.UPSERT, None, 2),
        (ChangeType.DELETE, "offline", 3),
    ]
    assert all(c.place_id == online.id for c in paris + bobigny)
    assert bobigny[0].place is not None
    assert "internal_note" not in bobigny[0].place


def test_the_sequencer_worker_files_what_is_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings
    from functions import change_feed
    from tests import composition_support as roots
    from tests.conftest import TEST_TABLE_PREFIX

    places = editor()
    created = [places.create(ADMIN, new_place(f"Lieu {index}")).id for index in range(3)]
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    roots.use(clock=FixedClock(NOW))
    try:
        answer = change_feed.handler({"limit": 2}, None)
        assert answer == {"ok": True, "filed": 3, "batches": 3}
        assert change_feed.handler({}, None) == {"ok": True, "filed": 0, "batches": 1}
        assert change_feed.handler({"limit": 0}, None)["ok"] is False
    finally:
        roots.reset()
    assert [c.place_id for c in DynamoChangeLog().read("75", 0, 10)] == created
