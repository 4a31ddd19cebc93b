"""One TransactWriteItems built from PynamoDB models, its cancellation reasons read by label.

PynamoDB's ``TransactWrite`` sends condition checks, then deletes, then puts, then updates,
whatever the order they were added in, and reports a cancellation as a list of reasons in that
order. Callers here mix items of several tables (a place, its history entry, its search cells,
a submission's decision) and must know *which* condition failed to answer well: a stale place
is a 409, a search cell changed by a concurrent writer is a retry. ``Transaction`` keeps a label
per item and gives back the labels whose condition failed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

MAX_ITEMS = 100
"""Items DynamoDB accepts in one TransactWriteItems."""

MAX_BYTES = 4_000_000
"""Bytes DynamoDB accepts in one TransactWriteItems request."""

_CONDITION_FAILED = "ConditionalCheckFailed"
_CONFLICT = "TransactionConflict"


@dataclass(frozen=True)
class Cancelled:
    """Why DynamoDB cancelled a transaction: the labels of the items whose condition failed,
    and whether another transaction was writing one of the items at the same instant."""

    failed: frozenset[Hashable]
    conflict: bool


@dataclass
class Transaction:
    """Labelled items of one TransactWriteItems; ``commit`` sends them.

    Labels are any hashable values the caller chooses (``("place", place_id)``...); they need
    not be unique when the caller does not care which of two items failed.
    """

    connection: Connection
    _checks: list[tuple[Hashable, dict[str, Any]]] = field(default_factory=list)
    _deletes: list[tuple[Hashable, dict[str, Any]]] = field(default_factory=list)
    _puts: list[tuple[Hashable, dict[str, Any]]] = field(default_factory=list)
    _bytes: int = 0

    def put(self, label: Hashable, model: Model, condition: Condition | None = None) -> None:
        self._puts.append((label, model.get_save_kwargs_from_instance(condition=condition)))
        self._bytes += _size(model)

    def delete(self, label: Hashable, model: Model, condition: Condition | None = None) -> None:
        kwargs = model.get_delete_kwargs_from_instance(
            condition=condition, add_version_condition=False
        )
        self._deletes.append((label, kwargs))
        self._bytes += 1024

    def check(
        self,
        label: Hashable,
        model_class: type[Model],
        hash_key: Any,
        condition: Condition,
        range_key: Any = None,
    ) -> None:
        kwargs = model_class.get_operation_kwargs_from_class(
            hash_key, range_key=range_key, condition=condition
        )
        self._checks.append((label, kwargs))
        self._bytes += 1024

    @property
    def item_count(self) -> int:
        return len(self._checks) + len(self._deletes) + len(self._puts)

    @property
    def approximate_bytes(self) -> int:
        """Request size, from the items' attribute values (an upper estimate)."""
        return self._bytes

    def commit(self) -> Cancelled | None:
        """Send the items; None when written, else why DynamoDB cancelled the transaction.
        Any other failure (throttling, validation, network) is raised as ``TransactWriteError``.
        """
        if not self.item_count:
            return None
        try:
            self.connection.transact_write_items(
                condition_check_items=[kwargs for _, kwargs in self._checks],
                delete_items=[kwargs for _, kwargs in self._deletes],
                put_items=[kwargs for _, kwargs in self._puts],
                update_items=[],
            )
        except TransactWriteError as error:
            reasons = error.cancellation_reasons
            if not reasons:
                raise  # not a cancellation: a real failure
            # The order PynamoDB sends them in (Connection.transact_write_items).
            labels = [label for label, _ in (*self._checks, *self._deletes, *self._puts)]
            failed = frozenset(
                label
                for label, reason in zip(labels, reasons, strict=False)
                if reason is not None and reason.code == _CONDITION_FAILED
            )
            conflict = any(reason is not None and reason.code == _CONFLICT for reason in reasons)
            return Cancelled(failed=failed, conflict=conflict)
        return None


def _size(model: Model) -> int:
    total = 0
    for value in model.serialize().values():
        for scalar in value.values():
            total += len(scalar) if isinstance(scalar, str | bytes) else 64
    return total + 256
