"""DynamoDB table definitions derived from the PynamoDB models of ``tables.TABLES``.

The schema comes from ``Model._get_schema()``, the very description PynamoDB's own
``create_table`` sends (and so the tables tests create in moto): key schema, attribute types,
global and local secondary indexes with their projections. From the model's ``Meta`` and
attributes:

- ``Meta.stream_view_type`` (``NEW_AND_OLD_IMAGES``...) turns the table's stream on;
- a ``TTLAttribute`` on the model makes that attribute the table's time-to-live attribute
  (PynamoDB's own convention: ``create_table`` enables it the same way; it allows one).
- ``Meta.billing_mode`` must be on-demand (``PAY_PER_REQUEST``): the stack provisions nothing.

No CDK here: the specs are plain data, checked by unit tests, turned into resources by
infra/stack.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from pynamodb.attributes import TTLAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.names import table_name

STREAM_VIEW_TYPES = frozenset({"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"})


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str
    """DynamoDB scalar type: S, N or B."""


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: str
    """ALL, KEYS_ONLY or INCLUDE."""
    non_key_attributes: tuple[str, ...]
    local: bool = False


@dataclass(frozen=True)
class TableSpec:
    logical: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    indexes: tuple[IndexSpec, ...]
    stream_view_type: str | None
    ttl_attribute: str | None

    def name(self, prefix: str) -> str:
        return table_name(prefix, self.logical)

    @property
    def global_indexes(self) -> tuple[IndexSpec, ...]:
        return tuple(index for index in self.indexes if not index.local)


def table_specs(tables: Mapping[str, type[Model]]) -> tuple[TableSpec, ...]:
    """One spec per registered model, in registry order."""
    return tuple(table_spec(logical, model) for logical, model in tables.items())


def table_spec(logical: str, model: type[Model]) -> TableSpec:
    meta: Any = model.Meta
    billing = getattr(meta, "billing_mode", None)
    if billing != PAY_PER_REQUEST_BILLING_MODE:
        raise ValueError(
            f"table {logical!r}: Meta.billing_mode must be {PAY_PER_REQUEST_BILLING_MODE!r} "
            "(the stack creates on-demand tables only)"
        )
    stream = getattr(meta, "stream_view_type", None)
    if stream is not None and stream not in STREAM_VIEW_TYPES:
        raise ValueError(f"table {logical!r}: unknown stream_view_type {stream!r}")

    schema = cast("dict[str, Any]", model._get_schema())
    types = {
        definition["AttributeName"]: definition["AttributeType"]
        for definition in schema["attribute_definitions"]
    }
    partition, sort = _keys(logical, schema["key_schema"], types)
    indexes = [
        _index(logical, raw, types, local=False) for raw in schema["global_secondary_indexes"]
    ]
    indexes += [
        _index(logical, raw, types, local=True) for raw in schema["local_secondary_indexes"]
    ]
    return TableSpec(
        logical=logical,
        partition_key=partition,
        sort_key=sort,
        indexes=tuple(indexes),
        stream_view_type=stream,
        ttl_attribute=_ttl_attribute(model),
    )


def _keys(
    where: str, key_schema: list[dict[str, str]], types: Mapping[str, str]
) -> tuple[KeyAttribute, KeyAttribute | None]:
    by_type = {key["KeyType"]: key["AttributeName"] for key in key_schema}
    if "HASH" not in by_type:
        raise ValueError(f"{where}: no hash key")
    partition = KeyAttribute(by_type["HASH"], types[by_type["HASH"]])
    sort = KeyAttribute(by_type["RANGE"], types[by_type["RANGE"]]) if "RANGE" in by_type else None
    return partition, sort


def _index(
    table: str, raw: Mapping[str, Any], types: Mapping[str, str], *, local: bool
) -> IndexSpec:
    name = str(raw["index_name"])
    partition, sort = _keys(f"{table}/{name}", raw["key_schema"], types)
    projection = raw["projection"]
    return IndexSpec(
        name=name,
        partition_key=partition,
        sort_key=sort,
        projection=str(projection["ProjectionType"]),
        non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
        local=local,
    )


def _ttl_attribute(model: type[Model]) -> str | None:
    # PynamoDB itself refuses a model with two TTL attributes.
    names = [
        attribute.attr_name
        for attribute in model.get_attributes().values()
        if isinstance(attribute, TTLAttribute)
    ]
    return names[0] if names else None
