"""The API's log lines carry Lambda's context and a correlation id (chalicelib/observability.py,
bound by app.py's middleware): API Gateway's request id, the one its access log prints."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.local import LambdaContext

from chalicelib.observability import logger
from tests.integration.conftest import Api


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(logger.registered_formatter.format(record)))

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["message"] == "request"]


@pytest.fixture
def logs() -> Iterator[LogLines]:
    collected = LogLines()
    std_logger = logging.getLogger(logger.service)
    std_logger.addHandler(collected)
    try:
        yield collected
    finally:
        std_logger.removeHandler(collected)


def test_each_request_is_logged_with_lambdas_context_and_its_own_correlation_id(
    api: Api, logs: LogLines
) -> None:
    assert api.client.http.get("/categories").status_code == 200
    assert api.client.http.get("/categories").status_code == 200
    first, second = logs.requests()
    # chalice local has no API Gateway request id: Lambda's own stands in.
    assert first["correlation_id"] == first["function_request_id"]
    assert second["correlation_id"] != first["correlation_id"]
    assert first["service"] == "repere-api"
    assert first["function_name"]
    assert second["cold_start"] is False


def test_the_correlation_id_is_api_gateways_request_id(api: Api, logs: LogLines) -> None:
    from app import app

    event = {
        "resource": "/categories",
        "path": "/categories",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": "/categories",
            "httpMethod": "GET",
            "path": "/prod/categories",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.9"},
        },
    }
    answer = app(event, LambdaContext("repere-prod-api", 1024))
    assert answer["statusCode"] == 200
    (line,) = logs.requests()
    assert line["correlation_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert line["function_name"] == "repere-prod-api"
    assert line["function_memory_size"] == 1024
    assert "203.0.113.9" not in json.dumps(line)  # never the caller's address
