"""OpenAPI part: newsletter subscriptions and the digest preview (docs/newsletters.md).

Schemas are prefixed ``Newsletter`` so that they never overwrite another part's.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.api.newsletters import TokenBody
from chalicelib.domain.newsletters.models import SubscriptionRequest
from devtools.openapi.common import error, prefixed_schemas, private_response

PREFIX = "Newsletter"
_REF = "#/components/schemas/" + PREFIX + "{model}"
LINK_AUTH = (
    'The link\'s token, in `Authorization: Bearer <token>` or the body `{"token": ...}` '
    "(one of them), never in the path. The website's page reads it from the link's fragment."
)
LINK_ERRORS: dict[str, Any] = {
    "400": error("Invalid body, or the token given twice."),
    "401": error("No token, or a token that is not valid for this (the same answer for all)."),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _schemas() -> tuple[dict[str, Any], dict[str, str]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (SubscriptionRequest, "validation"),
        (TokenBody, "validation"),
    ]
    schemas, names = prefixed_schemas(models, PREFIX)
    return schemas, names


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    schemas, n = _schemas()
    token_body = {
        "required": False,
        "description": "The token, when not in the Authorization header.",
        "content": {"application/json": {"schema": _ref(n["TokenBody"])}},
    }
    paths: dict[str, Any] = {
        "/subscriptions": {
            "post": {
                "summary": "Subscribe to weekly newsletters (double opt-in)",
                "operationId": "subscribe",
                "description": "Queues a confirmation mail (at most one an hour per address, "
                "and a bounded number of requests per client an hour); "
                "nothing else is ever sent before the address confirms. The answer is the same "
                "whether the address is unknown, pending or subscribed. CORS: the website.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(n["SubscriptionRequest"])}},
                },
                "responses": {
                    "202": private_response("Accepted."),
                    "400": error("Invalid address, department, language or unknown field."),
                    "429": error(
                        "Too many subscription requests from this client this hour "
                        "(REPERE_NEWSLETTER_SUBSCRIBE_PER_CLIENT_PER_HOUR, default 10)."
                    ),
                },
            }
        },
        "/subscriptions/confirm": {
            "post": {
                "summary": "Confirm a subscription (the link of the confirmation mail)",
                "operationId": "confirmSubscription",
                "description": "Activates the departments and language of the last request. "
                + LINK_AUTH,
                "requestBody": token_body,
                "responses": {
                    "200": private_response("Subscribed."),
                    **LINK_ERRORS,
                    "410": error("The link expired (7 days) or a newer one replaced it."),
                },
            }
        },
        "/subscriptions/unsubscribe": {
            "post": {
                "summary": "Unsubscribe: the address is deleted",
                "operationId": "unsubscribe",
                "description": "Two ways. (1) The website's page: " + LINK_AUTH + " (2) RFC "
                "8058 one-click, from the mail's `List-Unsubscribe` header: the token in the "
                "query string and the form body `List-Unsubscribe=One-Click`. Idempotent.",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {"schema": _ref(n["TokenBody"])},
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"List-Unsubscribe": {"const": "One-Click"}},
                                "required": ["List-Unsubscribe"],
                            }
                        },
                    },
                },
                "responses": {
                    "200": private_response("Unsubscribed (or already gone)."),
                    **LINK_ERRORS,
                    "410": error("The link expired."),
                },
            }
        },
        "/admin/newsletters/preview": {
            "get": {
                "summary": "Preview a department's weekly digest",
                "operationId": "previewNewsletter",
                "description": "Admins, and territory moderators for their departments. "
                "Builds the digest from the history as the weekly worker would, and the mail "
                "it would send, rendered by the newsletter-preview worker the API invokes "
                "(subject/text/html null in a stage that has none). Nothing is stored or sent.",
                "responses": {
                    "200": private_response("The preview (JSON), or its HTML part alone."),
                    "400": error("Invalid parameter."),
                    "401": error("Missing or invalid back-office token."),
                    "403": error("Not an admin, or a department outside the caller's."),
                    "422": error("format=html where nothing renders the mail."),
                    "503": {
                        **error(
                            "`preview_unavailable`: the preview worker failed, timed out or "
                            "was throttled; try again after `Retry-After` seconds."
                        ),
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    },
                },
            }
        },
    }
    return paths, schemas
