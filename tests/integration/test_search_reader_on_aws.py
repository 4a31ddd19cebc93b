"""The search path's own reads (search_reader.py) on DynamoDB's wire format (moto).

The reader keeps DynamoDB's JSON as sent for successful reads (a ``before-parse`` hook) and
leaves errors to botocore: these tests hold both sides, and the pagination that passes
DynamoDB's raw ``LastEvaluatedKey`` back.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb import names
from chalicelib.adapters.dynamodb.place_repository import to_record
from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord, build_cell_items
from chalicelib.adapters.dynamodb.search_reader import (
    DynamoSearchRecords,
    _query_cells,
    search_client,
    search_wire,
)
from chalicelib.adapters.dynamodb.wire import WireError
from chalicelib.domain.places.models import GeoPoint, PlaceStatus
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.search.records import Field
from tests.builders import PARIS_19, make_place, offset_point

pytestmark = pytest.mark.usefixtures("dynamodb_tables")


def _seed(count: int) -> list[str]:
    places = []
    for index in range(count):
        # ~1.5 km apart: one search cell each.
        point = offset_point(PARIS_19, north_m=1500.0 * (index % 5), east_m=1500.0 * (index // 5))
        places.append(make_place(f"place-{index:02d}", lat=point.lat, lon=point.lon))
    for item in build_cell_items(places):
        item.save()
    return sorted(place.id for place in places)


def test_a_query_paged_by_dynamodb_reads_every_cell() -> None:
    ids = _seed(10)
    request = {
        "TableName": names.bound().table(names.SEARCH_CELLS),
        "KeyConditionExpression": "pk = :h",
        "ExpressionAttributeValues": {":h": {"S": "75"}},
        "Limit": 2,  # pages of two cells: LastEvaluatedKey goes back as DynamoDB sent it
    }

    read = _query_cells(search_wire("botocore"), request)

    assert read.queries >= 5
    assert sorted(read.scan().table.column(Field.ID)) == ids


def test_searches_read_the_cells_around_a_point_and_in_a_department() -> None:
    ids = _seed(10)
    records = DynamoSearchRecords()

    near = records.near(GeoPoint(lat=PARIS_19.lat, lon=PARIS_19.lon), 20_000)
    department = records.in_territory(TerritoryKind.DEPARTMENT, "75")

    assert sorted(near.table.column(Field.ID)) == ids
    assert sorted(department.table.column(Field.ID)) == ids
    assert near.read_units > 0 and department.items_read == len(ids)


def test_a_failed_read_is_botocores_error_not_a_parsed_body() -> None:
    SearchCellRecord.delete_table()

    with pytest.raises(WireError) as raised:
        DynamoSearchRecords().in_territory(TerritoryKind.DEPARTMENT, "75")

    assert raised.value.code == "ResourceNotFoundException"
    assert isinstance(raised.value.__cause__, ClientError)  # botocore parsed the error


def test_the_page_is_read_with_one_batch_get() -> None:
    assert search_client() is search_client()  # one client per container
    online = make_place("online-1")
    offline = make_place("offline-1", status=PlaceStatus.OFFLINE)
    for place in (online, offline):
        to_record(place).save()

    page = DynamoSearchRecords().places(["online-1", "offline-1", "missing-1", "online-1"])

    assert page.places == {"online-1": online}
    assert page.items_read == 2 and page.read_units > 0
