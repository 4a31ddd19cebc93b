"""API Gateway's own answers in the API's error envelope.

API Gateway answers some requests without calling the function: a route that does not exist
(``MISSING_AUTHENTICATION_TOKEN``, a 403 by default), throttling, a missing or refused token,
too large a request, a function that timed out or failed. By default those bodies are
``{"message": "..."}``; clients and the OpenAPI document expect ``{"code", "message",
"field"}`` from every answer, so each one is rewritten here (``field`` is null: the gateway
does not know which field). Throttling and quotas say when to come back (``Retry-After``).

They go into the REST API's definition (``x-amazon-apigateway-gateway-responses``) rather than
as separate ``AWS::ApiGateway::GatewayResponse`` resources: the SAM deployment is keyed on the
definition, so a change to them redeploys the stage instead of waiting for the next deploy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

EXTENSION = "x-amazon-apigateway-gateway-responses"
MESSAGE = "$context.error.messageString"
"""API Gateway's message, already a quoted JSON string."""


@dataclass(frozen=True)
class GatewayAnswer:
    code: str
    status: int | None  # None: keep API Gateway's status (the DEFAULT_* families)
    message: str | None = None  # None: API Gateway's own message
    headers: tuple[tuple[str, str], ...] = ()


ANSWERS: dict[str, GatewayAnswer] = {
    "DEFAULT_4XX": GatewayAnswer("bad_request", None),
    "DEFAULT_5XX": GatewayAnswer("gateway_error", None),
    # An unknown path or method: API Gateway calls it a missing token (403); it is a 404.
    "MISSING_AUTHENTICATION_TOKEN": GatewayAnswer("not_found", 404, "no such route"),
    "UNAUTHORIZED": GatewayAnswer(
        "unauthorized",
        401,
        "missing, malformed or expired token",
        (("WWW-Authenticate", 'Bearer realm="repere"'),),
    ),
    "ACCESS_DENIED": GatewayAnswer("forbidden", 403),
    # A route that requires a partner key (``/changes``), without a key the usage plan holds:
    # the API's own answer to the same case (docs/partners.md).
    "INVALID_API_KEY": GatewayAnswer(
        "invalid_api_key", 401, "the x-api-key header does not hold a valid key"
    ),
    "WAF_FILTERED": GatewayAnswer("forbidden", 403, "request refused by the firewall"),
    "THROTTLED": GatewayAnswer(
        "throttled", 429, "too many requests: slow down", (("Retry-After", "1"),)
    ),
    "QUOTA_EXCEEDED": GatewayAnswer(
        "quota_exceeded", 429, "daily quota of this API key used up", (("Retry-After", "3600"),)
    ),
    "REQUEST_TOO_LARGE": GatewayAnswer("request_too_large", 413, "the request is too large"),
    "INTEGRATION_TIMEOUT": GatewayAnswer(
        "timeout", 504, "the API took too long to answer; try again", (("Retry-After", "5"),)
    ),
}


def body_template(answer: GatewayAnswer) -> str:
    """The application/json mapping template: a JSON object once API Gateway substitutes
    ``$context`` variables."""
    message = MESSAGE if answer.message is None else json.dumps(answer.message)
    return f'{{"code":{json.dumps(answer.code)},"message":{message},"field":null}}'


def gateway_responses() -> dict[str, Any]:
    """The ``x-amazon-apigateway-gateway-responses`` object of the API definition."""
    responses: dict[str, Any] = {}
    for kind, answer in ANSWERS.items():
        response: dict[str, Any] = {
            "responseParameters": {
                # Static values are quoted in API Gateway's parameter mapping syntax.
                f"gatewayresponse.header.{name}": f"'{value}'"
                for name, value in (("Cache-Control", "no-store"), *answer.headers)
            },
            "responseTemplates": {"application/json": body_template(answer)},
        }
        if answer.status is not None:
            response["statusCode"] = str(answer.status)
        responses[kind] = response
    return responses
