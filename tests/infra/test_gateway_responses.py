"""API Gateway's own answers (unknown route, throttling, refused token, too large a request,
timeouts) carry the API's {code, message, field} envelope, in every stage's template."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.gateway_responses import ANSWERS, EXTENSION, MESSAGE, body_template
from tests.infra.conftest import Synthesized

REQUIRED = {
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "THROTTLED": "429",
    "MISSING_AUTHENTICATION_TOKEN": "404",
    "UNAUTHORIZED": "401",
    "ACCESS_DENIED": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "INTEGRATION_TIMEOUT": "504",
}


def _rendered(template: str, message: str = "Gateway said no") -> Any:
    """What API Gateway sends: $context.error.messageString is the quoted message."""
    return json.loads(template.replace(MESSAGE, json.dumps(message)))


@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_each_gateway_answer_renders_to_the_error_envelope(kind: str) -> None:
    body = _rendered(body_template(ANSWERS[kind]))
    assert set(body) == {"code", "message", "field"}
    assert body["field"] is None
    assert body["code"] and body["message"]


def test_a_message_with_quotes_stays_valid_json() -> None:
    body = _rendered(body_template(ANSWERS["DEFAULT_4XX"]), 'Invalid "body"\n')
    assert body["message"] == 'Invalid "body"\n'


def _gateway_responses(stack: Synthesized) -> dict[str, Any]:
    (api,) = stack.of_type("AWS::Serverless::Api").values()
    responses: dict[str, Any] = api["Properties"]["DefinitionBody"][EXTENSION]
    return responses


def test_gateway_errors_use_the_api_envelope_in_every_stage(stack: Synthesized) -> None:
    responses = _gateway_responses(stack)
    assert set(REQUIRED) <= set(responses)
    for kind, status in REQUIRED.items():
        response = responses[kind]
        assert response.get("statusCode") == status, kind
        body = _rendered(response["responseTemplates"]["application/json"])
        assert set(body) == {"code", "message", "field"}, kind
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'"


def test_throttled_clients_are_told_when_to_come_back(stack: Synthesized) -> None:
    responses = _gateway_responses(stack)
    for kind in ("THROTTLED", "QUOTA_EXCEEDED", "INTEGRATION_TIMEOUT"):
        retry_after = responses[kind]["responseParameters"]["gatewayresponse.header.Retry-After"]
        assert retry_after.strip("'").isdigit(), kind
    unauthorized = responses["UNAUTHORIZED"]["responseParameters"]
    assert unauthorized["gatewayresponse.header.WWW-Authenticate"].startswith("'Bearer")
