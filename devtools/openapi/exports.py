"""OpenAPI part: public exports (list and download)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.domain.exports.models import ExportFormat, ExportSummary
from devtools.openapi.common import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    REF,
    error,
    json_response,
    param,
    ref,
)


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the exports routes."""
    _, definitions = models_json_schema([(ExportSummary, "serialization")], ref_template=REF)
    schemas: dict[str, Any] = definitions["$defs"]
    schemas["ExportList"] = {
        "type": "object",
        "required": ["exports", "next_cursor"],
        "properties": {
            "exports": {"type": "array", "items": ref("ExportSummary")},
            "next_cursor": {"type": ["string", "null"]},
        },
    }
    paths: dict[str, Any] = {
        "/exports": {
            "get": {
                "summary": "Ready exports (leaflets, CSV/XLSX, HSDS, data·inclusion, GeoJSON), "
                "newest first",
                "operationId": "listExports",
                "parameters": [
                    param("department", {"type": "string"}, "Department code (75, 2A, 971...)."),
                    param(
                        "format",
                        {"type": "string", "enum": [f.value for f in ExportFormat]},
                        "Only this format.",
                    ),
                    param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "Page size (at most REPERE_EXPORTS_LIST_MAX_LIMIT).",
                    ),
                    param("cursor", {"type": "string"}, "next_cursor of the previous page."),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": json_response(ref("ExportList"), "A page of ready exports."),
                    "304": NOT_MODIFIED,
                    "400": error("Invalid or unknown parameter, or malformed cursor."),
                },
            }
        },
        "/exports/{export_id}/download": {
            "get": {
                "summary": "Download an export: redirect to a short-lived link to the file",
                "description": "Counts the download. The link expires after "
                "REPERE_EXPORTS_DOWNLOAD_TTL_SECONDS (300 s by default).",
                "operationId": "downloadExport",
                "parameters": [
                    param(
                        "export_id", {"type": "string"}, "Export id.", where="path", required=True
                    ),
                ],
                "responses": {
                    "302": {
                        "description": "Redirect to the file (presigned URL).",
                        "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                    },
                    "400": error("Malformed export id, or a query string."),
                    "404": error("No such export."),
                    "409": error("The export is not ready yet (code export_not_ready)."),
                },
            }
        },
    }
    return paths, schemas
