"""Build the OpenAPI 3.1 document of the API from the response models and write it to
chalicelib/data/openapi.json (served at GET /openapi.json). `make openapi` runs it; a test
fails when the committed file differs from what this builds, or when a route is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.domain.places.views import PlaceDetail, PlaceSummary
from chalicelib.domain.search.models import AUDIENCE_VALUES, ModalityFilter, OpenFilter

OUTPUT = Path(__file__).resolve().parents[1] / "chalicelib" / "data" / "openapi.json"
REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _param(
    name: str, schema: dict[str, Any], description: str, *, where: str = "query", **extra: Any
) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        },
        "content": {"application/json": {"schema": schema}},
    }


_NOT_MODIFIED = {"description": "Not modified: the client's ETag (If-None-Match) is current."}
_IF_NONE_MATCH = _param(
    "If-None-Match", {"type": "string"}, "ETag of a copy the client holds.", where="header"
)
_REPEATABLE: dict[str, Any] = {"style": "form", "explode": True}


def build() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(PlaceSummary, "serialization"), (PlaceDetail, "serialization")], ref_template=REF
    )
    schemas: dict[str, Any] = definitions["$defs"]
    schemas["Error"] = {
        "type": "object",
        "required": ["code", "message", "field"],
        "properties": {
            "code": {"type": "string", "examples": ["invalid_parameter"]},
            "message": {"type": "string"},
            "field": {"type": ["string", "null"]},
        },
    }
    schemas["SearchResponse"] = {
        "type": "object",
        "required": ["total", "results", "next_cursor", "facets"],
        "properties": {
            "total": {"type": "integer"},
            "results": {"type": "array", "items": _ref("PlaceSummary")},
            "next_cursor": {"type": ["string", "null"]},
            "facets": {
                "type": "object",
                "properties": {
                    "categories": {
                        "type": "object",
                        "additionalProperties": {"type": "integer"},
                        "description": "Places per category id (ancestors included), counted "
                        "over the search without its category filter.",
                    }
                },
            },
        },
    }
    schemas["CategoryNode"] = {
        "type": "object",
        "required": ["id", "labels", "children"],
        "properties": {
            "id": {"type": "string"},
            "labels": {
                "type": "object",
                "properties": {"fr": {"type": "string"}, "en": {"type": "string"}},
            },
            "children": {"type": "array", "items": _ref("CategoryNode")},
        },
    }
    schemas["DepartmentListing"] = {
        "type": "object",
        "required": ["department", "total_places", "groups"],
        "properties": {
            "department": {"type": "string"},
            "total_places": {"type": "integer"},
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["category", "total", "places"],
                    "properties": {
                        "category": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "fr": {"type": "string"},
                                "en": {"type": "string"},
                            },
                        },
                        "total": {"type": "integer"},
                        "places": {"type": "array", "items": _ref("PlaceSummary")},
                    },
                },
            },
        },
    }
    category_param = _param(
        "category",
        {"type": "array", "items": {"type": "string"}},
        "Category id (repeatable, or comma-separated); matches its descendants.",
        **_REPEATABLE,
    )
    open_param = _param(
        "open",
        {"type": "string", "enum": [o.value for o in OpenFilter], "default": "not_closed"},
        "not_closed hides places temporarily or permanently closed today; now: open at this "
        "instant; today: opens at some point today; any: no filter.",
    )
    bad_request = _error("Invalid or unknown parameter.")
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "summary": "Liveness check",
                "operationId": "health",
                "responses": {
                    "200": {
                        "description": "The API answers.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"status": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "400": bad_request,
                },
            }
        },
        "/categories": {
            "get": {
                "summary": "The category taxonomy (French and English labels)",
                "operationId": "listCategories",
                "parameters": [_IF_NONE_MATCH],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "categories": {"type": "array", "items": _ref("CategoryNode")}
                            },
                        },
                        "The taxonomy as a tree.",
                    ),
                    "304": _NOT_MODIFIED,
                    "400": bad_request,
                },
            }
        },
        "/search": {
            "get": {
                "summary": "Search online places around a point or in a territory",
                "operationId": "search",
                "parameters": [
                    _param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude."),
                    _param(
                        "lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude."
                    ),
                    _param(
                        "radius_km",
                        {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "default": 5},
                        "Radius around lat/lon.",
                    ),
                    _param("department", {"type": "string"}, "Department code (75, 2A, 971...)."),
                    _param("postal_code", {"type": "string"}, "Five-digit postal code."),
                    _param("city_code", {"type": "string"}, "INSEE code of the commune."),
                    category_param,
                    _param(
                        "q",
                        {"type": "string", "maxLength": 200},
                        "Words, case- and accent-insensitive, over name, organisation, "
                        "description and category labels; results ranked by relevance.",
                    ),
                    open_param,
                    _param(
                        "audience",
                        {
                            "type": "array",
                            "items": {"type": "string", "enum": list(AUDIENCE_VALUES)},
                        },
                        "Who is looking: keeps places that welcome them.",
                        **_REPEATABLE,
                    ),
                    _param(
                        "modality",
                        {
                            "type": "array",
                            "items": {"type": "string", "enum": [m.value for m in ModalityFilter]},
                        },
                        "Access conditions required.",
                        **_REPEATABLE,
                    ),
                    _param(
                        "language",
                        {"type": "array", "items": {"type": "string"}},
                        "ISO 639-1 codes or 'lsf'.",
                        **_REPEATABLE,
                    ),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "Page size.",
                    ),
                    _param("cursor", {"type": "string"}, "next_cursor of the previous page."),
                    _IF_NONE_MATCH,
                ],
                "responses": {
                    "200": _json(_ref("SearchResponse"), "A page of results."),
                    "304": _NOT_MODIFIED,
                    "400": bad_request,
                },
            }
        },
        "/places/{place_id}": {
            "get": {
                "summary": "The public record of an online place, with its computed status",
                "operationId": "getPlace",
                "parameters": [
                    _param(
                        "place_id", {"type": "string"}, "Place id.", where="path", required=True
                    ),
                    _IF_NONE_MATCH,
                ],
                "responses": {
                    "200": _json(_ref("PlaceDetail"), "The place."),
                    "304": _NOT_MODIFIED,
                    "400": bad_request,
                    "404": _error("No online place has this id."),
                    "410": _error("The place closed permanently."),
                },
            }
        },
        "/territories/{department}/places": {
            "get": {
                "summary": "A department's places grouped by category (department pages)",
                "operationId": "listDepartmentPlaces",
                "parameters": [
                    _param(
                        "department",
                        {"type": "string"},
                        "Department code.",
                        where="path",
                        required=True,
                    ),
                    category_param,
                    open_param,
                    _param(
                        "limit_per_category",
                        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                        "Places listed per category (totals count them all).",
                    ),
                    _IF_NONE_MATCH,
                ],
                "responses": {
                    "200": _json(_ref("DepartmentListing"), "The listing."),
                    "304": _NOT_MODIFIED,
                    "400": bad_request,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {
                    "200": _json({"type": "object"}, "OpenAPI 3.1 document."),
                    "304": _NOT_MODIFIED,
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Repère API",
            "version": "0.1.0",
            "description": "Where a person in precarity can eat, shower, sleep, get legal aid "
            "or care today. Errors are JSON {code, message, field}.",
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
