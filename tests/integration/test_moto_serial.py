"""devtools/moto_serial.py: moto's DynamoDB transactions no longer lose a committed write.

The interleaving that lost writes on the local stack (issue 14) is forced here: the losing
transaction copies the places table, then waits until the winning one has committed, then
copies the history table, fails its condition and puts its copies back. Without the
serialisation this rolls back the winner's place and keeps its history entry; with it, the
loser's transaction runs whole before or after the winner's.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import table as moto_table

from devtools import moto_serial

PLACES = "places"
HISTORY = "history"


def _tables(client: Any) -> None:
    client.create_table(
        TableName=PLACES,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(
        TableName=HISTORY,
        KeySchema=[
            {"AttributeName": "place_id", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "place_id", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=PLACES, Item={"id": {"S": "p"}, "version": {"N": "1"}})
    client.put_item(TableName=HISTORY, Item={"place_id": {"S": "p"}, "version": {"N": "1"}})


def _edit(client: Any, writer: str) -> str:
    """One edit of place p from version 1 to 2 with its history entry: 'ok' or 'cancelled'."""
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": PLACES,
                        "Item": {
                            "id": {"S": "p"},
                            "version": {"N": "2"},
                            "writer": {"S": writer},
                        },
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": {"N": "1"}},
                    }
                },
                {
                    "Put": {
                        "TableName": HISTORY,
                        "Item": {
                            "place_id": {"S": "p"},
                            "version": {"N": "2"},
                            "writer": {"S": writer},
                        },
                        "ConditionExpression": "attribute_not_exists(version)",
                    }
                },
            ]
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] == "TransactionCanceledException"
        return "cancelled"
    return "ok"


def _state(client: Any) -> tuple[int, list[int]]:
    place = client.get_item(TableName=PLACES, Key={"id": {"S": "p"}}, ConsistentRead=True)
    history = client.query(
        TableName=HISTORY,
        KeyConditionExpression="place_id = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ConsistentRead=True,
    )
    return int(place["Item"]["version"]["N"]), [int(i["version"]["N"]) for i in history["Items"]]


@pytest.fixture
def serialisation(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run the test with (True) or without (False) the serialisation, then put it back."""
    wanted: bool = request.param
    was = moto_serial.installed()
    moto_serial.uninstall()
    if wanted:
        moto_serial.install()
    try:
        yield wanted
    finally:
        moto_serial.uninstall()
        if was:
            moto_serial.install()


def _race(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The loser copies the places table, the winner commits, the loser goes on."""
    loser_copied = threading.Event()
    winner_done = threading.Event()
    real_deepcopy = copy.deepcopy

    def deepcopy(value: Any, memo: Any = None) -> Any:
        result = real_deepcopy(value, memo)
        if (
            threading.current_thread().name == "loser"
            and isinstance(value, moto_table.Table)
            and value.name == PLACES
        ):
            loser_copied.set()
            winner_done.wait(timeout=5)
        return result

    monkeypatch.setattr("moto.dynamodb.models.copy.deepcopy", deepcopy)
    outcomes: dict[str, str] = {}
    client = boto3.client("dynamodb", region_name="eu-west-3")

    def loser() -> None:
        outcomes["loser"] = _edit(client, "loser")

    def winner() -> None:
        # Without serialisation the loser reaches its copy first; with it there is no copy
        # and the winner goes after the wait's short timeout.
        loser_copied.wait(timeout=1)
        outcomes["winner"] = _edit(client, "winner")
        winner_done.set()

    threads = [threading.Thread(target=loser, name="loser"), threading.Thread(target=winner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("serialisation", [False], indirect=True)
def test_without_serialisation_moto_loses_a_committed_place_write(
    serialisation: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        outcomes = _race(monkeypatch)
        assert outcomes == {"loser": "cancelled", "winner": "ok"}
        # The winner was told "written"; its history entry is there, its place is not.
        assert _state(client) == (1, [1, 2])


@pytest.mark.parametrize("serialisation", [True], indirect=True)
def test_serialised_transactions_keep_the_winners_place_and_history(
    serialisation: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        outcomes = _race(monkeypatch)
        assert sorted(outcomes.values()) == ["cancelled", "ok"]
        assert _state(client) == (2, [1, 2])


@pytest.mark.parametrize("serialisation", [True], indirect=True)
def test_fifty_concurrent_transactions_give_one_winner_and_a_consistent_state(
    serialisation: bool,
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        for index in range(300):  # a table worth copying, as on the local stack
            client.put_item(
                TableName=PLACES, Item={"id": {"S": f"x{index}"}, "body": {"S": "x" * 2000}}
            )
        outcomes: list[str] = []
        barrier = threading.Barrier(50)

        def writer(number: int) -> None:
            barrier.wait()
            outcomes.append(_edit(client, f"w{number}"))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes).count("ok") == 1
        assert outcomes.count("cancelled") == 49
        assert _state(client) == (2, [1, 2])


@pytest.mark.parametrize("serialisation", [True], indirect=True)
def test_a_cancelled_transaction_reports_each_items_reason_and_writes_nothing(
    serialisation: bool,
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        # Place condition holds (version 1), history condition fails (entry 1 exists).
        with pytest.raises(ClientError) as raised:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": PLACES,
                            "Item": {"id": {"S": "p"}, "version": {"N": "2"}},
                            "ConditionExpression": "version = :v",
                            "ExpressionAttributeValues": {":v": {"N": "1"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": HISTORY,
                            "Item": {"place_id": {"S": "p"}, "version": {"N": "1"}},
                            "ConditionExpression": "attribute_not_exists(version)",
                        }
                    },
                ]
            )
        reasons = raised.value.response["CancellationReasons"]
        assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
        assert _state(client) == (1, [1])


@pytest.mark.parametrize("serialisation", [True], indirect=True)
def test_a_write_moto_refuses_half_way_undoes_the_items_written_before_it(
    serialisation: bool,
) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        with pytest.raises(ClientError) as raised:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": PLACES,
                            "Item": {"id": {"S": "p"}, "version": {"N": "2"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": HISTORY,
                            # A number where the key is a string: refused when written.
                            "Item": {"place_id": {"N": "7"}, "version": {"N": "2"}},
                        }
                    },
                ]
            )
        assert raised.value.response["Error"]["Code"] == "ValidationException"
        assert _state(client) == (1, [1])


def test_queries_on_a_tables_own_key_read_only_that_partition_with_moto_s_results() -> None:
    """The fast path (one partition instead of the whole table sorted) answers as moto does:
    range conditions, both orders, pages."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        _tables(client)
        for place in ("a", "p", "z"):
            for version in range(2, 12):
                client.put_item(
                    TableName=HISTORY,
                    Item={"place_id": {"S": place}, "version": {"N": str(version)}},
                )

        def pages(**extra: Any) -> list[list[str]]:
            request: dict[str, Any] = {
                "TableName": HISTORY,
                "KeyConditionExpression": "place_id = :p AND version BETWEEN :a AND :b",
                "ExpressionAttributeValues": {
                    ":p": {"S": "p"},
                    ":a": {"N": "3"},
                    ":b": {"N": "9"},
                },
                "Limit": 3,
                **extra,
            }
            found: list[list[str]] = []
            while True:
                page = client.query(**request)
                found.append([item["version"]["N"] for item in page["Items"]])
                if "LastEvaluatedKey" not in page:
                    return found
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        fast = (pages(), pages(ScanIndexForward=False))
        moto_serial.uninstall()
        try:
            slow = (pages(), pages(ScanIndexForward=False))
        finally:
            moto_serial.install()
        assert fast == slow
        assert fast[0] == [["3", "4", "5"], ["6", "7", "8"], ["9"]]
