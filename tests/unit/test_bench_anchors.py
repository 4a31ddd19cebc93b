"""The benchmark anchors (bench/anchors): a throwaway PostGIS cluster and dynalite.

The engines come from ``make bench-deps``; where they are missing the tests that need them are
skipped with the reason. Everything else (row building, the "not installed" answers) always runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.anchors import dynalite as dynalite_module
from bench.anchors import postgis as postgis_module
from bench.anchors.dynalite import DynaliteServer
from bench.anchors.dynalite_check import client_for, run_checks
from bench.anchors.postgis import (
    PlaceRow,
    PostgisAnchor,
    category_leaves,
    median_ms,
    rows_from_places,
)
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import synthetic_places

NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
PARIS = (48.8867, 2.3795)


# -- row building (no engine needed) ----------------------------------------------------------


def test_category_leaves_of_a_theme_are_its_leaves_only() -> None:
    taxonomy = default_taxonomy()
    leaves = category_leaves("food")
    assert leaves == sorted(taxonomy.get("food").children)
    assert "food" not in leaves
    assert category_leaves("shower") == ["shower"]


def test_rows_from_places_keeps_online_places_with_ancestor_facets() -> None:
    places = list(synthetic_places(60, seed=7, now=NOW))
    rows = rows_from_places(places, NOW)
    online = [place for place in places if place.status is PlaceStatus.ONLINE]
    assert [row["id"] for row in rows] == [place.id for place in online]
    taxonomy = default_taxonomy()
    for place, row in zip(online, rows, strict=True):
        assert row["categories"] == place.categories
        expected = {ancestor for leaf in place.categories for ancestor in taxonomy.ancestors(leaf)}
        assert set(row["facet_categories"]) == expected
        assert len(row["facet_categories"]) == len(expected)
        assert row["sort_name"] == row["sort_name"].lower()
        assert (row["lat"], row["lon"]) == (place.location.lat, place.location.lon)
        assert row["department"] == place.address.department_code
        if row["closed_today"]:
            assert not row["open_now"]
    assert len(rows_from_places(places, NOW, online_only=False)) == len(places)


def test_missing_engines_give_none_and_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgis_module, "POSTGRES_ROOT", "/nonexistent/postgresql")
    assert PostgisAnchor.start() is None
    assert "no PostgreSQL server" in (PostgisAnchor.unavailable_reason() or "")
    monkeypatch.setattr(dynalite_module, "CLI", dynalite_module.ROOT / "nonexistent" / "cli.js")
    assert DynaliteServer.start() is None
    assert "dynalite is not installed" in (DynaliteServer.unavailable_reason() or "")


# -- PostGIS ----------------------------------------------------------------------------------


def _row(
    place_id: str,
    lat: float,
    lon: float,
    leaves: list[str],
    *,
    department: str = "75",
    open_now: bool = True,
    closed_today: bool = False,
) -> PlaceRow:
    taxonomy = default_taxonomy()
    facets = dict.fromkeys(ancestor for leaf in leaves for ancestor in taxonomy.ancestors(leaf))
    return PlaceRow(
        id=place_id,
        name=place_id.upper(),
        sort_name=place_id,
        lat=lat,
        lon=lon,
        department=department,
        categories=leaves,
        facet_categories=list(facets),
        open_now=open_now,
        closed_today=closed_today,
    )


# Around PARIS, going north: 0.001° of latitude is about 111 m.
NEAR = [
    _row("e-meal", PARIS[0] + 0.004, PARIS[1], ["seated_meal"]),
    _row("a-shower", PARIS[0] + 0.001, PARIS[1], ["shower", "laundry"]),
    _row("d-closed", PARIS[0] + 0.002, PARIS[1], ["seated_meal"], closed_today=True),
    _row("b-fridge", PARIS[0] + 0.003, PARIS[1], ["solidarity_fridge"], open_now=False),
    _row("c-twin", PARIS[0] - 0.001, PARIS[1], ["breakfast", "wifi"]),  # as far as a-shower
    _row("f-far", PARIS[0] + 0.05, PARIS[1], ["seated_meal"], department="93"),  # ~5.6 km
]


def _filler(count: int) -> list[PlaceRow]:
    """Places around Marseille (a grid about 1 km apart): enough rows for the planner to
    prefer the indexes."""
    leaves = ["shower", "seated_meal", "wifi", "clothing"]
    return [
        _row(
            f"m-{index:05d}",
            43.0 + (index % 70) * 0.01,
            5.0 + (index // 70) * 0.01,
            [leaves[index % len(leaves)]],
            department="13",
            open_now=index % 3 == 0,
        )
        for index in range(count)
    ]


@pytest.fixture(scope="module")
def postgis() -> Iterator[PostgisAnchor]:
    anchor = PostgisAnchor.start()
    if anchor is None:
        pytest.skip(f"PostGIS anchor unavailable: {PostgisAnchor.unavailable_reason()}")
    with anchor:
        anchor.load([*NEAR, *_filler(5000)])
        yield anchor


def test_geo_page_is_in_distance_order_with_count_and_facets(postgis: PostgisAnchor) -> None:
    page = postgis.geo(*PARIS, 1000)
    # Ties in distance (a-shower, c-twin) go by id; closed today never shows.
    assert page.ids == ["a-shower", "c-twin", "b-fridge", "e-meal"]
    assert page.distances_m is not None
    assert page.distances_m == sorted(page.distances_m)
    assert 105 < page.distances_m[0] < 115
    assert page.total == 4
    assert page.facets == {
        "shower": 1,
        "laundry": 1,
        "hygiene": 1,
        "breakfast": 1,
        "wifi": 1,
        "technology": 1,
        "solidarity_fridge": 1,
        "seated_meal": 1,
        "food": 3,
    }
    assert len(page.statement_ms) == 3
    assert page.ms == pytest.approx(sum(page.statement_ms))

    wider = postgis.geo(*PARIS, 10_000, limit=2)
    assert wider.ids == ["a-shower", "c-twin"]
    assert wider.total == 5


def test_geo_category_and_open_filters_leave_facets_to_the_place(postgis: PostgisAnchor) -> None:
    food = postgis.geo(*PARIS, 1000, category_leaves("food"))
    assert food.ids == ["c-twin", "b-fridge", "e-meal"]
    assert food.total == 3
    assert food.facets["hygiene"] == 1  # facets ignore the category filter

    open_food = postgis.geo(*PARIS, 1000, category_leaves("food"), open_now_only=True)
    assert open_food.ids == ["c-twin", "e-meal"]
    assert open_food.total == 2
    assert "solidarity_fridge" not in open_food.facets  # but not the open filter


def test_department_page_by_sort_name(postgis: PostgisAnchor) -> None:
    page = postgis.department("75", limit=3)
    assert page.ids == ["a-shower", "b-fridge", "c-twin"]
    assert page.total == 4
    assert page.distances_m is None
    assert page.facets["food"] == 3
    assert postgis.department("13").total == 5000


def test_queries_use_the_indexes(postgis: PostgisAnchor) -> None:
    for plan in postgis.explain_geo(*PARIS, 1000, category_leaves("food"), open_now_only=True):
        assert "places_geog_idx" in plan, plan
    top, count, _ = postgis.explain_department("75")
    assert "places_department_idx" in top, top
    assert "places_department_idx" in count, count


def test_median_ms_times_warm_runs(postgis: PostgisAnchor) -> None:
    ms, page = median_ms(lambda: postgis.geo(*PARIS, 10_000), repeats=3)
    assert ms > 0
    assert page.total == 5


def test_stop_removes_the_cluster() -> None:
    anchor = PostgisAnchor.start()
    if anchor is None:
        pytest.skip(f"PostGIS anchor unavailable: {PostgisAnchor.unavailable_reason()}")
    pid = int((anchor.data_dir / "postmaster.pid").read_text().split()[0])
    with anchor:
        assert anchor.connection.execute("SELECT 1").fetchone() == (1,)
    assert not anchor.root.exists()
    assert not _running(pid)
    anchor.stop()  # twice is fine


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for init to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# -- dynalite ---------------------------------------------------------------------------------


def _client(server: DynaliteServer) -> Any:
    return client_for(server)


def _create_table(client: Any) -> None:
    client.create_table(
        TableName="places",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "cell", "AttributeType": "S"},
            {"AttributeName": "hash", "AttributeType": "B"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-cell",
                "KeySchema": [
                    {"AttributeName": "cell", "KeyType": "HASH"},
                    {"AttributeName": "hash", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]},
            }
        ],
    )


def _items(count: int) -> list[dict[str, Any]]:
    return [
        {
            "pk": {"S": f"place#{index:03d}"},
            "sk": {"S": "detail"},
            "cell": {"S": "u09t"},
            "hash": {"B": bytes([index, 255 - index])},
            "name": {"S": f"Place {index}"},
            "payload": {"B": bytes(range(256)) * 4},
        }
        for index in range(count)
    ]


@pytest.fixture
def dynalite(tmp_path: Path) -> Iterator[DynaliteServer]:
    server = DynaliteServer.start(tmp_path / "db")
    if server is None:
        pytest.skip(f"dynalite unavailable: {DynaliteServer.unavailable_reason()}")
    with server:
        yield server


def test_dynalite_gsi_between_and_batch_get(dynalite: DynaliteServer) -> None:
    client = _client(dynalite)
    _create_table(client)
    # dynalite answers CreateTable before its store write marks the table ACTIVE (even with
    # --createTableMs 0): on a loaded machine a DescribeTable can come first. Wait as any
    # client of DynamoDB must.
    client.get_waiter("table_exists").wait(
        TableName="places", WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
    )
    assert client.describe_table(TableName="places")["Table"]["TableStatus"] == "ACTIVE"
    items = _items(60)
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        response = client.batch_write_item(RequestItems={"places": batch})
        assert not response["UnprocessedItems"]

    found = client.query(
        TableName="places",
        IndexName="by-cell",
        KeyConditionExpression="cell = :cell AND #h BETWEEN :low AND :high",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={
            ":cell": {"S": "u09t"},
            ":low": {"B": bytes([10])},
            ":high": {"B": bytes([13, 0])},
        },
    )["Items"]
    assert [item["pk"]["S"] for item in found] == [f"place#{i:03d}" for i in (10, 11, 12)]
    assert set(found[0]) == {"pk", "sk", "cell", "hash", "name"}  # INCLUDE projection

    keys = [{"pk": {"S": f"place#{i:03d}"}, "sk": {"S": "detail"}} for i in (5, 7, 99)]
    response = client.batch_get_item(
        RequestItems={
            "places": {
                "Keys": keys,
                "ProjectionExpression": "pk, payload",
            }
        }
    )
    got = {item["pk"]["S"]: item["payload"]["B"] for item in response["Responses"]["places"]}
    assert got == {"place#005": bytes(range(256)) * 4, "place#007": bytes(range(256)) * 4}
    assert not response["UnprocessedKeys"]


def test_dynalite_keeps_its_store_across_restarts(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = DynaliteServer.start(store)
    if first is None:
        pytest.skip(f"dynalite unavailable: {DynaliteServer.unavailable_reason()}")
    with first:
        _create_table(_client(first))
        _client(first).put_item(TableName="places", Item=_items(1)[0])
    assert first.output() == "" or "Error" not in first.output()
    with DynaliteServer.start(store) as second:  # type: ignore[union-attr]
        item = _client(second).get_item(
            TableName="places", Key={"pk": {"S": "place#000"}, "sk": {"S": "detail"}}
        )["Item"]
        assert item["name"] == {"S": "Place 0"}
    assert store.exists()  # a store given by the caller is the caller's to remove


def test_dynalite_does_what_its_docstring_says(dynalite: DynaliteServer) -> None:
    results = run_checks(dynalite)
    assert [name for name, passed in results.items() if not passed] == []
