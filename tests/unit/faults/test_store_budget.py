"""Which store budget a process gets: the API's short one unless a worker module asks."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.config import get_settings


@pytest.fixture(autouse=True)
def _api_budget_after() -> Iterator[None]:
    yield
    wiring.use_api_budget()
    wiring.reset()


def test_the_api_binds_every_model_with_its_short_timeouts_and_one_retry() -> None:
    wiring.use_api_budget()
    wiring.reset()
    wiring._bind_store()
    meta: Any = PlaceRecord.Meta  # PynamoDB types Meta as a bare class
    assert (meta.connect_timeout_seconds, meta.read_timeout_seconds) == (1.0, 1.0)
    assert meta.max_retry_attempts == 1  # PynamoDB counts retries: 2 attempts in all
    client = wiring._aws_client("sqs")
    assert client.meta.config.read_timeout == 1.0
    assert client.meta.config.retries == {"total_max_attempts": 2, "mode": "standard"}


def test_a_worker_module_gives_its_process_the_longer_worker_budget() -> None:
    importlib.reload(importlib.import_module("functions.mailer"))
    settings = get_settings()
    assert wiring.store_timeouts() == (
        settings.worker_store_connect_timeout_seconds,
        settings.worker_store_read_timeout_seconds,
        settings.worker_store_max_attempts,
    )
    wiring._bind_store()
    meta: Any = PlaceRecord.Meta
    assert meta.read_timeout_seconds == settings.worker_store_read_timeout_seconds
