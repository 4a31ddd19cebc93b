"""The search-backfill function builds the search cells of existing places, removes what does
not belong in them, resumes where it stopped, and rewrites nothing the second time."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator

import pytest

from chalicelib.adapters.dynamodb.cell_format import encode_cell
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_record
from chalicelib.adapters.dynamodb.search_cells import (
    SearchCellRecord,
    cell_key,
    shard_key,
)
from chalicelib.config import get_settings
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.search.records import SearchRecord, search_record
from functions.search_backfill import handler
from tests import composition_support as roots
from tests.builders import PARIS_19, make_place
from tests.conftest import TEST_TABLE_PREFIX
from tests.search_support import assert_search_cells_match_places, cell_records


@pytest.fixture(autouse=True)
def aws(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The function builds its adapters from the settings, as in Lambda.
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    roots.reset()
    try:
        yield
    finally:
        roots.reset()
        get_settings.cache_clear()


class ShortLivedContext:
    """A Lambda context whose time runs out after ``calls`` questions."""

    def __init__(self, calls: int) -> None:
        self._left = calls

    def get_remaining_time_in_millis(self) -> int:
        self._left -= 1
        return 600_000 if self._left > 0 else 1_000


def _old_data() -> None:
    """Places written before search cells existed, and cells holding what they must not."""
    places = [
        make_place(f"p{n:03d}", lat=PARIS_19.lat + (n % 9) * 0.003, lon=PARIS_19.lon)
        for n in range(250)
    ]
    places.append(make_place("draft", status=PlaceStatus.DRAFT))
    with PlaceRecord.batch_write() as writer:
        for place in places:
            writer.save(to_record(place))
    moved_away = make_place("p001", lat=PARIS_19.lat + 0.05)  # a record left at an old spot
    stale = make_place("p002", name="Ancien nom", lat=PARIS_19.lat + 2 * 0.003)
    gone = make_place("gone")
    offline = make_place("draft")
    ghosts: dict[tuple[str, str], list[SearchRecord]] = {}
    for ghost in (moved_away, stale, gone, offline):
        ghosts.setdefault(cell_key(ghost), []).append(search_record(ghost))
    for (department, cell), records in ghosts.items():
        SearchCellRecord(
            pk=department,
            sk=shard_key(cell, 5),
            v=1,
            n=len(records),
            c=encode_cell(cell, records),
            g3=cell[:3],
        ).save()
    department, cell = cell_key(moved_away)
    SearchCellRecord(  # rows of a layout this code does not know
        pk=department,
        sk=shard_key(cell, 6),
        v=1,
        n=1,
        c=f"{cell}0^old layout!" + base64.b64encode(zlib.compress(b"x")).decode(),
        g3=cell[:3],
    ).save()


def test_the_backfill_builds_exact_cells_resumably_and_idempotently() -> None:
    _old_data()

    event: dict[str, object] = {}
    invocations = removed = 0
    while True:
        answer = handler(event, ShortLivedContext(calls=1))
        invocations += 1
        assert answer["ok"] is True
        removed += sum(report["records_removed"] for report in answer["reports"])
        if answer["done"]:
            break
        event = answer["next"]
    assert invocations >= 2  # it stopped and resumed
    assert removed == 3  # gone, offline, moved away; the stale one is replaced

    assert assert_search_cells_match_places() == 250
    assert cell_records()["p002"][1].sort_name == "lieu p002"

    again = handler({}, None)
    assert again["done"] is True
    assert sum(report["cells_written"] for report in again["reports"]) == 0


@pytest.mark.parametrize("event", [{"phase": "everything"}, {"unknown": 1}, {"start_key": "nope"}])
def test_a_malformed_event_is_refused(event: dict[str, object]) -> None:
    answer = handler(event, None)
    assert answer["ok"] is False
    assert answer["error"]
