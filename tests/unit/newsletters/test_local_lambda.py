"""`make run`'s Invoke endpoint (devtools/local_lambda.py) answers a real boto3 Lambda client
as Lambda does: the handler's result as payload, an exception as ``FunctionError``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.aws_lambda.preview import LambdaPreviewer
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.newsletters.models import IssueWeek
from devtools.local_lambda import LocalLambda


def _echo(event: Any, context: Any) -> Any:
    return {"received": event}


def _crash(event: Any, context: Any) -> Any:
    raise RuntimeError("boom")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    server = LocalLambda({"echo": _echo, "crash": _crash})
    server.start()
    try:
        yield boto3.client("lambda", region_name="eu-west-3", endpoint_url=server.endpoint)
    finally:
        server.stop()


def test_the_handlers_result_is_the_payload(client: Any) -> None:
    response = client.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}).encode())
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"received": {"a": 1}}


def test_an_exception_is_a_function_error_the_adapter_reports_as_unavailable(client: Any) -> None:
    response = client.invoke(FunctionName="crash", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "RuntimeError"
    with pytest.raises(Unavailable):
        LambdaPreviewer(client, "crash").preview("75", IssueWeek.parse("2026-W47"), "fr")


def test_an_unknown_function_is_resource_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="nowhere", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
