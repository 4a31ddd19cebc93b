"""The error map's view of dependency failures: 503 for a store that cannot answer now, 500
for our own faults, Retry-After on every 429 and 503."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pynamodb.exceptions import GetError, PutError, QueryError, TransactWriteError

from chalicelib.api.errors import domain_error_response, seconds_to_next_hour, store_unavailable
from chalicelib.config import Settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import TooManyRequests, Unavailable
from tests import composition_support as roots


def _client_error(code: str, status: int = 400) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": "..."},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "GetItem")


UNAVAILABLE = {
    "read timeout": GetError("Failed to get item", cause=ReadTimeoutError(endpoint_url="x")),
    "connect timeout": QueryError("Failed", cause=ConnectTimeoutError(endpoint_url="x")),
    "no endpoint": PutError("Failed", cause=EndpointConnectionError(endpoint_url="x")),
    "throughput": PutError("Failed", cause=_client_error("ProvisionedThroughputExceededException")),
    "throttling": QueryError("Failed", cause=_client_error("ThrottlingException")),
    "server error": GetError("Failed", cause=_client_error("InternalServerError", 500)),
    "service unavailable": GetError("Failed", cause=_client_error("ServiceUnavailable", 503)),
    "bare botocore timeout": ReadTimeoutError(endpoint_url="x"),
    "bare client error 5xx": _client_error("SomethingNew", 502),
}


@pytest.mark.parametrize("error", UNAVAILABLE.values(), ids=UNAVAILABLE.keys())
def test_store_failures_that_may_pass_are_unavailable(error: Exception) -> None:
    assert isinstance(store_unavailable(error), Unavailable)


def test_a_chained_botocore_error_is_found_behind_our_own_exception() -> None:
    try:
        try:
            raise ReadTimeoutError(endpoint_url="x")
        except ReadTimeoutError as inner:
            raise RuntimeError("while reading a place") from inner
    except RuntimeError as outer:
        assert store_unavailable(outer) is not None


NOT_UNAVAILABLE = {
    "our bug": KeyError("body"),
    "validation": GetError("Failed", cause=_client_error("ValidationException")),
    "condition": PutError("Failed", cause=_client_error("ConditionalCheckFailedException")),
    "missing table": QueryError("Failed", cause=_client_error("ResourceNotFoundException")),
    "transaction conflict": TransactWriteError(
        "Failed", cause=_client_error("TransactionCanceledException")
    ),
}


@pytest.mark.parametrize("error", NOT_UNAVAILABLE.values(), ids=NOT_UNAVAILABLE.keys())
def test_faults_of_ours_or_of_the_request_are_not_unavailable(error: Exception) -> None:
    assert store_unavailable(error) is None


def test_a_503_says_retry_in_a_few_seconds() -> None:
    response = domain_error_response(Unavailable("the data store did not answer in time"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3"
    assert json.loads(response.body) == {
        "code": "unavailable",
        "message": "the data store did not answer in time",
        "field": None,
    }


def test_a_429_says_when_the_hourly_allowance_comes_back() -> None:
    roots.use(clock=FixedClock(datetime(2026, 12, 1, 19, 45, 30, tzinfo=UTC)))
    try:
        response = domain_error_response(TooManyRequests("slow down", code="rate_limited"))
    finally:
        roots.reset()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(14 * 60 + 30)


def test_retry_after_of_a_429_is_never_zero() -> None:
    assert seconds_to_next_hour(datetime(2026, 12, 1, 20, 0, 0, tzinfo=UTC)) == 3600
    assert seconds_to_next_hour(datetime(2026, 12, 1, 20, 59, 59, 999999, tzinfo=UTC)) == 1


def test_the_default_store_budget_fits_well_under_api_gateways_29_seconds() -> None:
    settings = Settings()
    # 2 attempts × (1 s connect + 1 s read) + at most 1 s of backoff.
    assert settings.store_call_budget_seconds() == 5.0


def test_a_store_budget_past_api_gateways_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="per store call"):
        Settings(store_read_timeout_seconds=8, store_max_attempts=3)
