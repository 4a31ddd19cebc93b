"""Counting public searches (implements ``SearchCounter``): one UpdateItem with ADD per search,
through the search path's own transport (wire.py), so counting a search imports no PynamoDB."""

from __future__ import annotations

from chalicelib.adapters.dynamodb import names
from chalicelib.adapters.dynamodb.search_reader import search_wire
from chalicelib.adapters.dynamodb.wire import DynamoWire
from chalicelib.domain.stats.search_counts import SearchEvent, counter_names


class DynamoSearchCounter:
    def __init__(self, wire: DynamoWire | None = None) -> None:
        self._given_wire = wire

    def record(self, event: SearchEvent) -> None:
        counters = counter_names(event)
        placeholders = {f"#c{index}": name for index, name in enumerate(counters)}
        wire = self._given_wire or search_wire("botocore")
        wire.call(
            "UpdateItem",
            {
                "TableName": names.bound().table(names.STATS),
                "Key": {
                    "pk": {"S": f"{names.SEARCH_COUNTS_PREFIX}{event.department}"},
                    "sk": {"S": event.day.isoformat()},
                },
                "UpdateExpression": "ADD " + ", ".join(f"{name} :one" for name in placeholders),
                "ExpressionAttributeNames": placeholders,
                "ExpressionAttributeValues": {":one": {"N": "1"}},
                "ReturnValues": "NONE",
            },
        )
