"""OpenAPI part: the public read API."""

from __future__ import annotations

from typing import Any

from chalicelib.api.params import _LANGUAGE
from chalicelib.domain.search.models import AUDIENCE_VALUES, ModalityFilter, OpenFilter
from chalicelib.domain.translations.languages import SUPPORTED_TEXT
from devtools.openapi.common import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    REPEATABLE,
    error,
    json_response,
    param,
)

LANGUAGE = _LANGUAGE.pattern  # SearchParams._language
LANG = param(
    "lang",
    {"type": "string"},  # the schema is the query model's (devtools/openapi/contract.py)
    f"Language of the answer's texts: one of {SUPPORTED_TEXT} (French, the source, by "
    "default); wins over Accept-Language. Place texts without a current translation stay in "
    "French, flagged in content_language. Unsupported: 400 unsupported_language.",
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
    category_param = param(
        "category",
        {"type": "array", "items": {"type": "string"}},
        "Category id (repeatable, or comma-separated); matches its descendants.",
        **REPEATABLE,
    )
    open_param = param(
        "open",
        {"type": "string", "enum": [o.value for o in OpenFilter], "default": "not_closed"},
        "not_closed hides places temporarily or permanently closed today; now: open at this "
        "instant; today: opens at some point today; any: no filter.",
    )
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
                "parameters": [LANG, ACCEPT_LANGUAGE, IF_NONE_MATCH],
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
                "parameters": [
                    param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude."),
                    param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude."),
                    param(
                        "radius_km",
                        {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "default": 5},
                        "Radius around lat/lon.",
                    ),
                    param("department", {"type": "string"}, "Department code (75, 2A, 971...)."),
                    param("postal_code", {"type": "string"}, "Five-digit postal code."),
                    param("city_code", {"type": "string"}, "INSEE code of the commune."),
                    category_param,
                    param(
                        "q",
                        {"type": "string", "maxLength": 200},
                        "Words, case- and accent-insensitive, over name, organisation, "
                        "description and category labels; results ranked by relevance.",
                    ),
                    open_param,
                    param(
                        "audience",
                        {
                            "type": "array",
                            "items": {"type": "string", "enum": list(AUDIENCE_VALUES)},
                        },
                        "Who is looking: keeps places that welcome them.",
                        **REPEATABLE,
                    ),
                    param(
                        "modality",
                        {
                            "type": "array",
                            "items": {"type": "string", "enum": [m.value for m in ModalityFilter]},
                        },
                        "Access conditions required.",
                        **REPEATABLE,
                    ),
                    param(
                        "language",
                        {"type": "array", "items": {"type": "string", "pattern": LANGUAGE}},
                        "ISO 639-1 codes or 'lsf'.",
                        **REPEATABLE,
                    ),
                    param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "Page size.",
                    ),
                    param("cursor", {"type": "string"}, "next_cursor of the previous page."),
                    LANG,
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
                    LANG,
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
                    category_param,
                    open_param,
                    param(
                        "limit_per_category",
                        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                        "Places listed per category (totals count them all).",
                    ),
                    LANG,
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
