"""Helpers shared by the OpenAPI parts (one module per feature in this package)."""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def param(
    name: str, schema: dict[str, Any], description: str, *, where: str = "query", **extra: Any
) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        },
        "content": {"application/json": {"schema": schema}},
    }


NOT_MODIFIED = {"description": "Not modified: the client's ETag (If-None-Match) is current."}
IF_NONE_MATCH = param(
    "If-None-Match", {"type": "string"}, "ETag of a copy the client holds.", where="header"
)
REPEATABLE: dict[str, Any] = {"style": "form", "explode": True}
