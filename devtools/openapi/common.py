"""Helpers shared by the OpenAPI parts (one module per feature in this package)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

REF = "#/components/schemas/{model}"


def prefixed_schemas(
    models: Sequence[tuple[type[BaseModel], JsonSchemaMode]], prefix: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON Schemas of a feature's models under ``prefix`` (so two features' models of
    the same name do not collide in ``components``), and each model's schema name without
    the prefix (pydantic names a model's validation and serialization schemas apart)."""
    keys, definitions = models_json_schema(
        models, ref_template="#/components/schemas/" + prefix + "{model}"
    )
    schemas = {prefix + name: schema for name, schema in definitions["$defs"].items()}
    names = {
        model.__name__: str(keys[(model, mode)]["$ref"]).rsplit("/", 1)[-1].removeprefix(prefix)
        for model, mode in models
    }
    return schemas, names


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def param(
    name: str, schema: dict[str, Any], description: str, *, where: str = "query", **extra: Any
) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def json_response(description: str) -> dict[str, Any]:
    """A cacheable success (ETag, Cache-Control). Its body is not written here: the route's
    model (``route(..., responses={200: Model})``) or media type gives it."""
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        },
    }


def private_response(description: str, *, etag: bool = False, **headers: Any) -> dict[str, Any]:
    """A success no cache may keep (``Cache-Control: no-store``; ``ETag: "<version>"`` with
    ``etag``). Its body comes from the route's declared model or media type."""
    found: dict[str, Any] = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
    if etag:
        found["ETag"] = {"schema": {"type": "string"}, "description": '"<version>"'}
    return {"description": description, "headers": {**found, **headers}}


NOT_MODIFIED = {"description": "Not modified: the client's ETag (If-None-Match) is current."}
IF_NONE_MATCH = param(
    "If-None-Match", {"type": "string"}, "ETag of a copy the client holds.", where="header"
)
REPEATABLE: dict[str, Any] = {"style": "form", "explode": True}
