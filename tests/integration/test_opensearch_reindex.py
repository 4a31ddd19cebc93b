"""Zero-downtime reindex: new index, stream writes to both while it loads, one atomic alias swap,
old index deleted or kept; refusal while another runs; clean abandon on failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.opensearch.client import PlacesIndex
from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
from chalicelib.adapters.opensearch.reindex import ReindexError, reindex
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.search.indexing import PlaceChange
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.reindex import handler
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_TABLE_PREFIX
from tests.opensearch_eval import Cluster

NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
ALIAS = "places"
TAXONOMY = default_taxonomy()


def run(
    index: PlacesIndex, places: list[Place] | Iterator[Place], clock: FixedClock, **options: bool
) -> str:
    report = reindex(index, places, TAXONOMY, clock, days=8, bulk_size=2, **options)
    return report.index


def behind(index: PlacesIndex) -> dict[str, list[str]]:
    return index.indices_behind(index.alias, index.reindexing_alias)


def test_a_reindex_swaps_the_alias_in_one_request_and_deletes_the_old_index() -> None:
    cluster = Cluster()
    index = PlacesIndex(cluster.client(), ALIAS)
    clock = FixedClock(NOW)
    first = run(index, [make_place("p1"), make_place("p2"), make_place("p3")], clock)
    assert behind(index) == {ALIAS: [first], f"{ALIAS}-reindexing": []}
    assert set(cluster.indices[first].docs) == {"p1", "p2", "p3"}
    clock.set(NOW + timedelta(days=1))
    aliases_calls = cluster.count("POST", "/_aliases")
    second = run(index, [make_place("p1", version=2)], clock)
    assert cluster.count("POST", "/_aliases") == aliases_calls + 2  # -reindexing, then the swap
    assert behind(index) == {ALIAS: [second], f"{ALIAS}-reindexing": []}
    assert first not in cluster.indices
    assert cluster.indices[second].docs["p1"].version == 2
    assert cluster.indices[second].setting("refresh_interval", None) == "1s"
    assert cluster.problems == []


def test_keep_old_keeps_the_previous_index_without_alias() -> None:
    cluster = Cluster()
    index = PlacesIndex(cluster.client(), ALIAS)
    clock = FixedClock(NOW)
    first = run(index, [make_place("p1")], clock)
    clock.set(NOW + timedelta(hours=1))
    second = run(index, [make_place("p1")], clock, keep_old=True)
    assert set(cluster.indices) == {first, second}
    assert behind(index)[ALIAS] == [second]


def test_changes_streamed_during_a_reindex_reach_the_new_index() -> None:
    cluster = Cluster()
    index = PlacesIndex(cluster.client(), ALIAS)
    clock = FixedClock(NOW)
    first = run(index, [make_place("p1"), make_place("p2")], clock)
    writer = OpenSearchIndexWriter(index, TAXONOMY, clock, days=8, bulk_size=10)

    def scan() -> Iterator[Place]:
        yield make_place("p1")  # read before the edit below
        # Meanwhile an editor saves p1 (v2) and takes p2 offline (v2); the stream indexer
        # writes both to the live index and to the one being built.
        assert writer.apply(
            [PlaceChange.written(make_place("p1", name="Nouveau", version=2)),
             PlaceChange.written(make_place("p2", version=2, status=PlaceStatus.OFFLINE))]
        ) == [None, None]  # fmt: skip
        yield make_place("p2")  # a stale read: version 1, older than what the stream wrote

    clock.set(NOW + timedelta(hours=1))
    second = run(index, scan(), clock)
    new_docs = cluster.indices[second].docs
    assert new_docs["p1"].version == 2
    assert new_docs["p1"].source["name"] == "Nouveau"
    assert new_docs["p2"].source == {"id": "p2", "version": 2, "status": "offline"}
    assert first not in cluster.indices


def test_a_second_reindex_is_refused_while_one_runs_unless_forced() -> None:
    cluster = Cluster()
    index = PlacesIndex(cluster.client(), ALIAS)
    clock = FixedClock(NOW)
    first = run(index, [make_place("p1")], clock)
    clock.set(NOW + timedelta(minutes=1))

    def crashing() -> Iterator[Place]:
        yield make_place("p1")
        raise KeyboardInterrupt  # the process dies: no cleanup runs

    with pytest.raises(KeyboardInterrupt):
        run(index, crashing(), clock)
    stuck = behind(index)[f"{ALIAS}-reindexing"]
    assert len(stuck) == 1
    clock.set(NOW + timedelta(minutes=2))
    with pytest.raises(ReindexError, match="another reindex"):
        run(index, [make_place("p1")], clock)
    third = run(index, [make_place("p1")], clock, force=True)
    assert behind(index) == {ALIAS: [third], f"{ALIAS}-reindexing": []}
    assert first not in cluster.indices


def test_a_failed_reindex_leaves_the_live_index_untouched_and_removes_the_new_one() -> None:
    cluster = Cluster()
    index = PlacesIndex(cluster.client(), ALIAS)
    clock = FixedClock(NOW)
    first = run(index, [make_place("p1")], clock)
    clock.set(NOW + timedelta(minutes=1))
    cluster.reject_ids = {"p2"}
    with pytest.raises(ReindexError, match="rejected"):
        run(index, [make_place("p1"), make_place("p2")], clock)
    assert set(cluster.indices) == {first}
    assert behind(index) == {ALIAS: [first], f"{ALIAS}-reindexing": []}


def test_the_reindex_function_rebuilds_from_the_places_table(
    dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    get_settings.cache_clear()
    cluster = Cluster()
    roots.reset()
    roots.use(clock=FixedClock(NOW), opensearch_client=cluster.client())
    try:
        roots.current().adapters.place_scan  # noqa: B018 - binds the tables like the Lambda
        DynamoPlaceRepository().load_fresh(
            [make_place("p1"), make_place("p2", status=PlaceStatus.DRAFT)]
        )
        report = handler({"keep_old": False}, None)
        assert report["ok"] is True
        assert report["documents"] == 2
        index = cluster.indices[report["index"]]
        assert index.docs["p2"].source == {"id": "p2", "version": 1, "status": "draft"}
        assert cluster.aliases[get_settings().opensearch_alias] == {report["index"]}
        assert handler({"keep_olds": True}, None)["ok"] is False
    finally:
        roots.reset()
        get_settings.cache_clear()
