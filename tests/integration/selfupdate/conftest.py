"""Only the tables these tests use (creating every registered table costs seconds per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.tables import TABLES, bind_tables
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX

USED = (
    "places",
    "search-cells",
    "changes",
    "place-history",
    "sent-mail",
    "mail-suppressions",
    "self-update-links",
)


@pytest.fixture
def dynamodb_tables() -> Iterator[None]:
    with mock_aws():
        bind_tables(TEST_TABLE_PREFIX, region=TEST_REGION)
        for name in USED:
            TABLES[name].create_table(wait=False)
        yield
