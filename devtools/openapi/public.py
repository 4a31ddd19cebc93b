"""OpenAPI part: the public read API."""

from __future__ import annotations

from typing import Any

from devtools.openapi.common import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    error,
    json_response,
    param,
)

ACCEPT_LANGUAGE = param(
    "Accept-Language",
    {"type": "string"},
    "Used when lang= is absent (q-values honoured; unsupported languages skipped; French "
    "when none fits). Answers carry Content-Language and Vary: Accept-Language.",
    where="header",
)


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the public read API."""
    # Every body is a route's model (chalicelib/api/responses.py); Error is contract.py's.
    schemas: dict[str, Any] = {}
    bad_request = error("Invalid or unknown parameter.")
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "summary": "Liveness check",
                "operationId": "health",
                "responses": {
                    "200": {"description": "The API answers."},
                    "400": bad_request,
                },
            }
        },
        "/health/ready": {
            "get": {
                "summary": "Readiness check: the data store answers",
                "description": (
                    "One read of the store under the API's short timeouts. `/health` only "
                    "says the function runs; this says requests can be served."
                ),
                "operationId": "healthReady",
                "responses": {
                    "200": {"description": "The store answered."},
                    "400": bad_request,
                    "503": {
                        **error(
                            "`unavailable`: the store did not answer in time or is throttled; "
                            "try again after `Retry-After` seconds."
                        ),
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    },
                },
            }
        },
        "/categories": {
            "get": {
                "summary": "The category taxonomy (French and English labels, and lang='s)",
                "operationId": "listCategories",
                "parameters": [ACCEPT_LANGUAGE, IF_NONE_MATCH],
                "responses": {
                    "200": json_response("The taxonomy as a tree."),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                },
            }
        },
        "/search": {
            "get": {
                "summary": "Search online places around a point or in a territory",
                "operationId": "search",
                # Query parameters: SearchParams (chalicelib/api/params.py).
                "parameters": [
                    ACCEPT_LANGUAGE,
                    IF_NONE_MATCH,
                ],
                "security": [{}, {"partnerKey": []}],
                "responses": {
                    "200": json_response("A page of results."),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                    "401": error("A partner key (x-api-key) was sent and is not valid."),
                    "403": error("The partner key does not open search (out_of_scope)."),
                },
            }
        },
        "/places/{place_id}": {
            "get": {
                "summary": "The public record of an online place, with its computed status",
                "operationId": "getPlace",
                "parameters": [
                    param("place_id", {"type": "string"}, "Place id.", where="path", required=True),
                    ACCEPT_LANGUAGE,
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": json_response("The place."),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                    "404": error("No online place has this id."),
                    "410": error("The place closed permanently."),
                },
            }
        },
        "/territories/{department}/places": {
            "get": {
                "summary": "A department's places grouped by category (department pages)",
                "operationId": "listDepartmentPlaces",
                "parameters": [
                    param(
                        "department",
                        {"type": "string"},
                        "Department code.",
                        where="path",
                        required=True,
                    ),
                    ACCEPT_LANGUAGE,
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": json_response("The listing."),
                    "304": NOT_MODIFIED,
                    "400": bad_request,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {
                    "200": json_response("OpenAPI 3.1 document."),
                    "304": NOT_MODIFIED,
                },
            }
        },
    }
    return paths, schemas
