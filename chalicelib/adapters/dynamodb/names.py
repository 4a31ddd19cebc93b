"""Table and index names, and the binding of the tables to a prefix and a region.

Kept apart from the PynamoDB models (tables.py) so the search path, which reads with botocore
alone (search_reader.py), can know its tables without importing PynamoDB and every model: a
cold Lambda pays for what its first request uses.
"""

from __future__ import annotations

from dataclasses import dataclass

PLACES = "places"
SEARCH_CELLS = "search-cells"
STATS = "stats"

SEARCH_COUNTS_PREFIX = "search#"
"""Partition key prefix of the daily search counters in the stats table."""

BY_POSTAL_CODE_INDEX = "by_postal_code"
BY_CITY_CODE_INDEX = "by_city_code"
CELLS_INDEX = "cells_by_region"


def table_name(prefix: str, logical: str) -> str:
    return f"{prefix}-{logical}"


@dataclass(frozen=True)
class Binding:
    prefix: str
    region: str

    def table(self, logical: str) -> str:
        return table_name(self.prefix, logical)


_binding: list[Binding] = []


def bind(prefix: str, region: str) -> None:
    """Point the tables at ``<prefix>-<logical name>`` in ``region`` (``tables.bind_tables``
    calls it with the PynamoDB models; the search path may call it alone)."""
    if not prefix:
        raise ValueError("the table prefix must not be empty")
    _binding[:] = [Binding(prefix, region)]


def bound() -> Binding:
    if not _binding:
        raise RuntimeError("the tables are not bound: call tables.bind_tables or names.bind")
    return _binding[0]
