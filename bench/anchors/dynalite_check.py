"""What dynalite does that a read benchmark relies on, checked against a running server.

    python -m bench.anchors.dynalite_check      # prints {"check": true | false, ...} as JSON

Each check returns True when dynalite behaves as DynamoDB does (for the features it lacks:
when it refuses or ignores them, as bench/anchors/dynalite.py documents). The unit tests run
``run_checks`` and expect every value True, so the module docstring of ``dynalite`` stays true
when dynalite is upgraded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from bench.anchors.dynalite import DynaliteServer

TABLE = "checks"
ITEM_BYTES = 10_000
ITEMS = 300
PARTIQL = 'SELECT * FROM "checks"'


def client_for(server: DynaliteServer, service: str = "dynamodb") -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=server.endpoint_url,
        region_name="eu-west-3",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 (dummy credentials for a local server)
    )


def _error_code(call: Callable[[], object]) -> str | None:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def _setup(client: Any) -> None:
    strings = ("pk", "sk", "g1", "g2")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            *({"AttributeName": name, "AttributeType": "S"} for name in strings),
            {"AttributeName": "bin", "AttributeType": "B"},
            {"AttributeName": "num", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            _index(
                "include", "g1", "bin", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]}
            ),
            _index("all", "g2", "sk", {"ProjectionType": "ALL"}),
            _index("keys", "g2", "num", {"ProjectionType": "KEYS_ONLY"}),
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    blob = bytes(range(256)) * (ITEM_BYTES // 256)
    items = [
        {
            "pk": {"S": "p"},
            "sk": {"S": f"{index:05d}"},
            "g1": {"S": "a"},
            "g2": {"S": "b"},
            "bin": {"B": bytes([index % 256, index // 256])},
            "num": {"N": str(index - 150)},
            "n": {"S": f"n{index}"},
            "blob": {"B": blob},
        }
        for index in range(ITEMS)
    ]
    for start in range(0, ITEMS, 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        left = client.batch_write_item(RequestItems={TABLE: requests})["UnprocessedItems"]
        if left:
            raise RuntimeError(f"BatchWriteItem left {left}")


def _index(name: str, hash_key: str, range_key: str, projection: dict[str, Any]) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


def _pages(client: Any, **query: Any) -> list[tuple[int, list[str]]]:
    pages: list[tuple[int, list[str]]] = []
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        response = client.query(TableName=TABLE, **query, **extra)
        start = response.get("LastEvaluatedKey")
        pages.append((int(response["Count"]), sorted(start or {})))
        if not start:
            return pages


def run_checks(server: DynaliteServer) -> dict[str, bool]:
    """Creates a table ``checks`` in ``server`` and returns each check's outcome."""
    client = client_for(server)
    _setup(client)
    blob = bytes(range(256)) * (ITEM_BYTES // 256)

    def query(**kwargs: Any) -> list[dict[str, Any]]:
        return list(client.query(TableName=TABLE, **kwargs)["Items"])

    between = query(
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"S": "00010"}, ":b": {"S": "00012"}},
        ProjectionExpression="sk, n",
    )
    include = query(
        IndexName="include",
        KeyConditionExpression="g1 = :g AND bin BETWEEN :a AND :b",
        ExpressionAttributeValues={
            ":g": {"S": "a"},
            ":a": {"B": bytes([10])},
            ":b": {"B": bytes([12, 255])},
        },
    )
    numbers = query(
        IndexName="keys",
        KeyConditionExpression="g2 = :g AND num BETWEEN :a AND :b",
        ExpressionAttributeValues={":g": {"S": "b"}, ":a": {"N": "-2"}, ":b": {"N": "1"}},
    )
    keys = [{"pk": {"S": "p"}, "sk": {"S": sk}} for sk in ("00003", "00001", "99999")]
    batch = client.batch_get_item(
        RequestItems={
            TABLE: {
                "Keys": keys,
                "ProjectionExpression": "sk, #b",
                "ExpressionAttributeNames": {"#b": "blob"},
            }
        }
    )
    got = {item["sk"]["S"]: item["blob"]["B"] for item in batch["Responses"][TABLE]}
    all_projected = query(
        IndexName="all",
        KeyConditionExpression="g2 = :g AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":g": {"S": "b"}, ":a": {"S": "00001"}, ":b": {"S": "00002"}},
    )
    table_pages = _pages(
        client, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
    )
    index_pages = _pages(
        client,
        IndexName="all",
        KeyConditionExpression="g2 = :g",
        ExpressionAttributeValues={":g": {"S": "b"}},
    )
    select_all_on_include = _error_code(
        lambda: query(
            IndexName="include",
            KeyConditionExpression="g1 = :g",
            ExpressionAttributeValues={":g": {"S": "a"}},
            Select="ALL_ATTRIBUTES",
        )
    )
    too_many_keys = [{"pk": {"S": "p"}, "sk": {"S": f"{i:05d}"}} for i in range(101)]
    over_100_keys = _error_code(
        lambda: client.batch_get_item(RequestItems={TABLE: {"Keys": too_many_keys}})
    )
    unaliased = _error_code(
        lambda: client.batch_get_item(
            RequestItems={TABLE: {"Keys": keys[:1], "ProjectionExpression": "blob"}}
        )
    )
    capacity = client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ReturnConsumedCapacity="TOTAL",
    )["ConsumedCapacity"]["CapacityUnits"]
    put_26 = [{"PutRequest": {"Item": {"pk": {"S": "w"}, "sk": {"S": str(i)}}}} for i in range(26)]
    over_25_writes = _error_code(lambda: client.batch_write_item(RequestItems={TABLE: put_26}))
    stream_update = _error_code(
        lambda: client.update_table(
            TableName=TABLE,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
    )
    described = client.describe_table(TableName=TABLE)["Table"]
    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    put = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "x"}, "sk": {"S": "y"}}}}
    get = {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "p"}, "sk": {"S": "00001"}}}}
    ttl_spec = {"Enabled": True, "AttributeName": "expires"}
    streams = client_for(server, "dynamodbstreams")
    unknown = "UnknownOperationException"
    full_page = ["pk", "sk"]
    full_index_page = ["g2", "pk", "sk"]
    return {
        "table_active_at_once": described["TableStatus"] == "ACTIVE",
        "query_between_string_range_key": [item["sk"]["S"] for item in between]
        == ["00010", "00011", "00012"],
        "projection_expression": all(set(item) == {"sk", "n"} for item in between),
        # Binary range keys compare as unsigned bytes: [10, 0] < [10, 1] < [11, 0] ...
        "gsi_include_projection_binary_between": [item["bin"]["B"] for item in include]
        == [bytes([first, second]) for first in (10, 11, 12) for second in (0, 1)]
        and all(set(item) == {"pk", "sk", "g1", "bin", "n"} for item in include),
        "gsi_include_refuses_select_all": select_all_on_include == "ValidationException",
        "gsi_all_projection": [len(item) for item in all_projected] == [8, 8],
        "gsi_keys_only_number_between": [item["num"]["N"] for item in numbers]
        == ["-2", "-1", "0", "1"],
        # 300 items of 10 KB: pages of 1 MB (104 items), each with LastEvaluatedKey.
        "query_1mb_pages_with_last_evaluated_key": table_pages
        == [(104, full_page), (104, full_page), (92, [])],
        # 1 MB read eventually consistent: 1,048,576 / 4,096 / 2 = 128 units (104 items here).
        "consumed_capacity_per_full_page": capacity == 127.5,
        "gsi_pages_carry_index_keys": index_pages
        == [(104, full_index_page), (104, full_index_page), (92, [])],
        "batch_get_item_binary": got == {"00003": blob, "00001": blob},
        "batch_get_item_over_100_keys_refused": over_100_keys == "ValidationException",
        "batch_write_item_over_25_refused": over_25_writes == "ValidationException",
        "reserved_word_unaliased_refused": unaliased == "ValidationException",
        "no_transact_write_items": _error_code(
            lambda: client.transact_write_items(TransactItems=[put])
        )
        == unknown,
        "no_transact_get_items": _error_code(lambda: client.transact_get_items(TransactItems=[get]))
        == unknown,
        "no_update_time_to_live": _error_code(
            lambda: client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification=ttl_spec)
        )
        == unknown,
        "describe_time_to_live_disabled": ttl["TimeToLiveStatus"] == "DISABLED",
        "stream_specification_ignored": "LatestStreamArn" not in described,
        "stream_update_refused": stream_update == "ValidationException",
        "no_streams_api": _error_code(streams.list_streams) == unknown,
        "no_partiql": _error_code(lambda: client.execute_statement(Statement=PARTIQL)) == unknown,
    }


def main() -> int:
    server = DynaliteServer.start()
    if server is None:
        print(f"dynalite unavailable: {DynaliteServer.unavailable_reason()}", file=sys.stderr)
        return 1
    with server:
        results = run_checks(server)
    print(json.dumps(results, indent=2))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
