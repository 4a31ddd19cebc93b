"""moto's DynamoDB made serial, as DynamoDB behaves: the local stack and in-process tests.

Why: moto 5.2's ``transact_write_items`` deep-copies every table it touches (once per item),
applies the items one by one and, when a condition fails, puts the copies back, all without a
lock. Two concurrent transactions on one place therefore lose a write: the loser copies the
places table before the winner commits and the history table after, then "rolls back" the
place to the copy and keeps the winner's history entry (issue 14: 6 runs out of 6 with 50
writers on `make run`; every later edit of the place answered 409). The copies also cost a
table's size per item: the local moto grew to 7.9 GB under that test. DynamoDB serialises
transactions against every write of their items and never shows a half-applied one.

``install()`` replaces, on moto's DynamoDB backend class:

- ``transact_write_items`` by a version that checks every condition first and only then
  writes, keeping the previous value of each item it touches (not whole tables) to undo a
  write that fails half way (a validation error moto raises while applying);
- the single-item writes (``put_item``, ``update_item``, ``delete_item``, which
  ``BatchWriteItem`` also goes through) and the reads (``get_item``, ``query``, ``scan``), so
  that none runs while a transaction is half applied, and a scan never walks a dict another
  thread is changing.

It also gives moto's ``Table.query`` on a table's own key (not an index) the items of that
one partition, where moto sorts the whole table for every such query and then keeps one
partition: a 100-place batch update reads 100 search cells, and those sorts were 93% of its
time on the local stack (bench/results/local_stack.json, issue 15). The query then filters and
sorts that partition exactly as before.

All hold one re-entrant lock (a transaction calls ``put_item`` inside it). Reads and writes
of moto are pure Python under the GIL anyway: the lock costs no parallelism worth having.
``uninstall()`` puts moto's methods back (tests show the lost write without the lock).
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

LOCK = threading.RLock()
"""Held by every write and read of moto's DynamoDB once ``install()`` ran (all backends:
accounts and regions share it; nothing here needs more parallelism)."""

SERIALISED = ("put_item", "update_item", "delete_item", "get_item", "query", "scan")

_F = TypeVar("_F", bound=Callable[..., Any])
_originals: dict[str, Any] = {}
_table_originals: dict[str, Any] = {}
_partition = threading.local()
"""The hash key a main-table query is reading (``_table_query``), seen by ``_all_items``."""


def install() -> None:
    """Serialise moto's DynamoDB (idempotent)."""
    with LOCK:
        if _originals:
            return
        for name in SERIALISED:
            original = getattr(DynamoDBBackend, name)
            _originals[name] = original
            setattr(DynamoDBBackend, name, _locked(original))
        _originals["transact_write_items"] = DynamoDBBackend.transact_write_items
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
        _table_originals.update(query=Table.query, all_items=Table.all_items)
        Table.query = _table_query  # type: ignore[method-assign]
        Table.all_items = _all_items  # type: ignore[method-assign]


def uninstall() -> None:
    """moto's own methods again (tests of what the serialisation prevents)."""
    with LOCK:
        for name, original in _originals.items():
            setattr(DynamoDBBackend, name, original)
        _originals.clear()
        for name, original in _table_originals.items():
            setattr(Table, name, original)
        _table_originals.clear()


def installed() -> bool:
    return bool(_originals)


def _locked(method: _F) -> _F:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(*args, **kwargs)

    return locked  # type: ignore[return-value]


def _table_query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    """moto's query; on the table's own key, over that key's partition only."""
    # index_name: Table.query's 8th parameter (moto's backend passes it positionally).
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    _partition.key = hash_key if index_name is None else None
    try:
        return _table_originals["query"](self, hash_key, *args, **kwargs)
    finally:
        _partition.key = None


def _all_items(self: Table) -> list[Item]:
    key = getattr(_partition, "key", None)
    if key is None:
        result: list[Item] = _table_originals["all_items"](self)
        return result
    # Unsorted: the query keeps the items of this hash key and sorts them by range key itself.
    found = self.items.get(key)
    if found is None:
        return []
    if self.range_key_attr:
        return list(found.values())
    return [found]  # type: ignore[list-item]


_Undo = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems (same checks, same errors, same cancellation reasons), all
    conditions evaluated before any write, under ``LOCK``."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with LOCK:
        operations = _check_all(self, transact_items)
        undo: list[_Undo] = []
        try:
            for op_type, table_name, key, op in operations:
                table = self.get_table(table_name)
                hash_key, range_key = self.get_keys_value(table, key)
                previous = table.get_item(hash_key, range_key)
                # An update changes the stored Item in place: keep a copy of that one item.
                kept = copy.deepcopy(previous) if op_type == "Update" else previous
                undo.append((table, hash_key, range_key, kept))
                _apply(self, op_type, table_name, key, op)
        except Exception:
            for table, hash_key, range_key, kept in reversed(undo):
                _restore(table, hash_key, range_key, kept)
            raise


class _ConditionFailed(Exception):
    """An item's condition failed, with the item when the request asked for it (ALL_OLD)."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("The conditional request failed")
        self.item = item


_Operation = tuple[str, str, dict[str, Any], dict[str, Any]]


def _check_all(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Operation]:
    """Every item's condition against the current state; raises the cancellation moto (and
    DynamoDB) gives when any fails, with one reason per item in request order."""
    seen: set[tuple[str, str]] = set()
    operations: list[_Operation] = []
    errors: list[tuple[str, str, dict[str, Any] | None] | tuple[None, None, None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        try:
            operation = _check_one(backend, item, seen)
        except MockValidationException:
            raise
        except _ConditionFailed as error:
            errors.append(("ConditionalCheckFailed", "The conditional request failed", error.item))
            continue
        except Exception as error:  # moto reports any other failure as that item's reason
            errors.append((type(error).__name__, str(error), None))
            continue
        if operation[0] != "ConditionCheck":
            operations.append(operation)
        errors.append((None, None, None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    return operations


def _check_one(
    backend: DynamoDBBackend, item: dict[str, Any], seen: set[tuple[str, str]]
) -> _Operation:
    op_type, op = next(iter(item.items()))
    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")
    table_name = op["TableName"]
    if op_type == "Put":
        attrs = op["Item"]
        table = backend.get_table(table_name)
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
    else:
        key = op["Key"]
    identity = (str(table_name), str(dict(sorted(key.items()))))
    if identity in seen:
        raise MultipleTransactionsException()
    seen.add(identity)
    current = backend.get_item(table_name, key)
    condition_expression = op.get("ConditionExpression")
    if condition_expression is not None:
        condition = get_filter_expression(
            condition_expression,
            op.get("ExpressionAttributeNames"),
            op.get("ExpressionAttributeValues"),
        )
        if not condition.expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            raise _ConditionFailed(old)
    return op_type, table_name, key, op


def _apply(
    backend: DynamoDBBackend, op_type: str, table_name: str, key: dict[str, Any], op: Any
) -> None:
    names = op.get("ExpressionAttributeNames")
    values = op.get("ExpressionAttributeValues")
    condition = op.get("ConditionExpression")
    if op_type == "Put":
        backend.put_item(
            table_name,
            op["Item"],
            condition_expression=condition,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    elif op_type == "Delete":
        backend.delete_item(
            table_name,
            key,
            condition_expression=condition,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    else:
        backend.update_item(
            table_name,
            key,
            update_expression=op["UpdateExpression"],
            condition_expression=condition,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def _restore(
    table: Table, hash_key: DynamoType, range_key: DynamoType | None, kept: Item | None
) -> None:
    """The item as it was before the failed transaction (no stream record: for DynamoDB the
    transaction never happened)."""
    if range_key is None:
        if kept is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = kept  # type: ignore[assignment]  # moto types it so too
        return
    if kept is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items.setdefault(hash_key, {})[range_key] = kept


def main() -> int:
    """``python -m devtools.moto_serial --port 5055``: moto's server, serialised, alone in its
    process (HTTP tests measure its memory apart from the API's). Stops on SIGTERM/SIGINT."""
    import argparse
    import logging
    import signal

    from moto.server import ThreadedMotoServer

    parser = argparse.ArgumentParser(description="moto server with serialised DynamoDB")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    install()
    server = ThreadedMotoServer(ip_address=options.host, port=options.port, verbose=False)
    server.start()
    print(f"moto (serialised) on http://{options.host}:{options.port}", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
