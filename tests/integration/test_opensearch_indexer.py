"""The stream indexer (functions/indexer.py) fed with REAL DynamoDB stream records from moto:
inserts, updates, going offline, deletion; duplicate and out-of-order delivery; partial batch
failures reported per record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_cells import table_name
from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.search.models import OpenFilter, SearchQuery
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions import indexer
from tests import composition_support as roots
from tests.builders import PARIS_19, make_place
from tests.conftest import TEST_REGION
from tests.opensearch_eval import Cluster
from tests.opensearch_support import SearchIndex, evaluator_index

NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
STREAMS_ENDPOINT = f"https://streams.dynamodb.{TEST_REGION}.amazonaws.com"


@dataclass
class Setup:
    cluster: Cluster
    index: SearchIndex
    repository: DynamoPlaceRepository


@pytest.fixture
def setup(dynamodb_tables: None) -> Iterator[Setup]:
    clock = FixedClock(NOW)
    cluster = Cluster()
    index = evaluator_index(clock, cluster=cluster, alias=get_settings().opensearch_alias)
    roots.use(clock=clock, opensearch_client=cluster.client())
    try:
        yield Setup(cluster, index, DynamoPlaceRepository())
    finally:
        roots.reset()
        index.close()


def stream_records() -> list[dict[str, Any]]:
    """Every record of the places table's stream, as Lambda would deliver them."""
    table = table_name(PlaceRecord)
    arn = boto3.client("dynamodb", region_name=TEST_REGION).describe_table(TableName=table)[
        "Table"
    ]["LatestStreamArn"]
    streams = boto3.client(
        "dynamodbstreams", region_name=TEST_REGION, endpoint_url=STREAMS_ENDPOINT
    )
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return [{**record, "eventSourceARN": arn} for record in records]


def deliver(records: list[dict[str, Any]]) -> dict[str, Any]:
    return indexer.handler({"Records": records}, None)


def stored(setup: Setup, place_id: str) -> dict[str, Any] | None:
    (name,) = setup.index.index.indices_behind(setup.index.index.alias)[setup.index.index.alias]
    document = setup.cluster.indices[name].docs.get(place_id)
    return None if document is None else {"version": document.version, **document.source}


def write_history(repository: DynamoPlaceRepository) -> None:
    repository.add(make_place("p1", name="Premier"))
    repository.save(make_place("p1", name="Premier renommé", version=2), expected_version=1)
    repository.save(
        make_place("p1", name="Premier", version=3, status=PlaceStatus.OFFLINE), expected_version=2
    )
    repository.add(make_place("p2", name="Deuxième"))
    repository.add(make_place("p3", name="Troisième"))
    PlaceRecord.get("p3").delete()


def assert_final_state(setup: Setup) -> None:
    p1, p2, p3 = (stored(setup, place_id) for place_id in ("p1", "p2", "p3"))
    assert p1 == {"version": 3, "id": "p1", "status": "offline"}
    assert p2 is not None and p2["status"] == "online" and p2["version"] == 1
    assert p3 == {"version": 2, "id": "p3", "status": "removed"}
    search = OpenSearchPlaceSearch(
        setup.index.index, default_taxonomy(), roots.current().clock, "https://x"
    )
    page = search.search(SearchQuery(center=PARIS_19, open=OpenFilter.ANY))
    assert [result.id for result in page.results] == ["p2"]


def test_inserts_updates_offline_and_removal_reach_the_index(setup: Setup) -> None:
    write_history(setup.repository)
    records = stream_records()
    assert [record["eventName"] for record in records] == [
        "INSERT", "MODIFY", "MODIFY", "INSERT", "INSERT", "REMOVE",
    ]  # fmt: skip
    assert deliver(records) == {"batchItemFailures": []}
    assert_final_state(setup)
    bulk_requests = setup.cluster.count("POST", "/_bulk")
    assert bulk_requests == 1  # the whole batch in one bulk request


def test_records_delivered_twice_or_out_of_order_never_undo_a_newer_version(
    setup: Setup,
) -> None:
    write_history(setup.repository)
    records = stream_records()
    assert deliver(list(reversed(records))) == {"batchItemFailures": []}
    assert_final_state(setup)
    assert deliver(records) == {"batchItemFailures": []}  # the batch again, in order
    assert deliver(records[:2]) == {"batchItemFailures": []}  # a late retry of old records
    assert_final_state(setup)


def test_a_failed_record_is_reported_alone_and_succeeds_when_retried(setup: Setup) -> None:
    write_history(setup.repository)
    records = stream_records()
    setup.cluster.reject_ids = {"p2"}
    response = deliver(records)
    p2_sequences = [
        record["dynamodb"]["SequenceNumber"]
        for record in records
        if record["dynamodb"]["Keys"]["id"]["S"] == "p2"
    ]
    assert response == {
        "batchItemFailures": [{"itemIdentifier": sequence} for sequence in p2_sequences]
    }
    assert stored(setup, "p2") is None
    assert stored(setup, "p1") == {"version": 3, "id": "p1", "status": "offline"}
    setup.cluster.reject_ids = set()
    # Lambda retries from the first failed record: that one and every later one again.
    first_failed = next(
        i for i, r in enumerate(records) if r["dynamodb"]["Keys"]["id"]["S"] == "p2"
    )
    assert deliver(records[first_failed:]) == {"batchItemFailures": []}
    assert_final_state(setup)


def test_an_unreadable_record_fails_alone(setup: Setup) -> None:
    setup.repository.add(make_place("p2", name="Deuxième"))
    (good,) = stream_records()
    broken = {**good, "dynamodb": {**good["dynamodb"], "SequenceNumber": "999"}}
    broken["dynamodb"]["NewImage"] = {**good["dynamodb"]["NewImage"], "body": {"S": "{oops"}}
    response = deliver([good, broken])
    assert response == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    assert stored(setup, "p2") is not None


def test_without_an_index_every_record_fails_and_lambda_retries_the_batch(setup: Setup) -> None:
    setup.repository.add(make_place("p2"))
    records = stream_records()
    setup.cluster.aliases.clear()
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    with pytest.raises(BatchProcessingError):
        deliver(records)
