"""Which store budget a root gets: the API's short one unless a worker builds it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import composition
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.composition.adapters import AwsAdapters
from chalicelib.config import get_settings
from functions import runtime


@pytest.fixture(autouse=True)
def _fresh_roots() -> Iterator[None]:
    composition.uninstall()
    yield
    composition.uninstall()


def test_the_api_binds_every_model_with_its_short_timeouts_and_one_retry() -> None:
    adapters = composition.services().adapters
    assert isinstance(adapters, AwsAdapters)
    adapters.places  # noqa: B018 - binds the tables
    meta: Any = PlaceRecord.Meta  # PynamoDB types Meta as a bare class
    assert (meta.connect_timeout_seconds, meta.read_timeout_seconds) == (1.0, 1.0)
    assert meta.max_retry_attempts == 1  # PynamoDB counts retries: 2 attempts in all
    client: Any = adapters.sqs
    assert client.meta.config.read_timeout == 1.0
    assert client.meta.config.retries == {"total_max_attempts": 2, "mode": "standard"}


def test_a_worker_gets_the_longer_worker_budget() -> None:
    adapters = runtime.services().adapters
    assert isinstance(adapters, AwsAdapters)
    settings = get_settings()
    assert adapters.budget.as_tuple() == (
        settings.worker_store_connect_timeout_seconds,
        settings.worker_store_read_timeout_seconds,
        settings.worker_store_max_attempts,
    )
    adapters.places  # noqa: B018 - binds the tables
    meta: Any = PlaceRecord.Meta
    assert meta.read_timeout_seconds == settings.worker_store_read_timeout_seconds


def test_the_api_and_a_worker_in_one_process_keep_their_own_budgets() -> None:
    api = composition.services()
    worker = runtime.services()
    assert api is not worker
    assert composition.services() is api
    assert runtime.services() is worker
