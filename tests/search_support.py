"""Checks of the search cells against the places table (DynamoDB on moto)."""

from __future__ import annotations

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_place
from chalicelib.adapters.dynamodb.search_backfill import iter_cell_records
from chalicelib.adapters.dynamodb.search_cells import cell_key, online
from chalicelib.domain.search.records import RecordBatch, RecordTable, SearchRecord, search_record


def cell_records() -> dict[str, tuple[tuple[str, str], SearchRecord]]:
    """Every stored record by place id, with the (department, cell) it is stored under."""
    found: dict[str, tuple[tuple[str, str], SearchRecord]] = {}
    for department, sk, record in iter_cell_records():
        assert record.id not in found, f"{record.id} is in two cells"
        found[record.id] = ((department, sk.rsplit("#", 1)[0]), record)
    return found


def assert_search_cells_match_places() -> int:
    """The search cells hold exactly the record of every online place, in its cell, and each
    online place item carries the same record in ``sr``; returns the count of records."""
    expected: dict[str, tuple[tuple[str, str], SearchRecord]] = {}
    for item in PlaceRecord.scan(consistent_read=True):
        place = to_place(item)
        if online(place):
            expected[place.id] = (cell_key(place), search_record(place))
            assert item.sr is not None
            assert RecordTable([RecordBatch.joined(item.sr)]).records() == [search_record(place)]
        else:
            assert item.sr is None
    actual = cell_records()
    assert actual.keys() == expected.keys(), (
        f"missing {sorted(expected.keys() - actual.keys())}, "
        f"extra {sorted(actual.keys() - expected.keys())}"
    )
    for place_id, (key, record) in expected.items():
        assert actual[place_id] == (key, record), place_id
    return len(actual)
