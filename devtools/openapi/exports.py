"""OpenAPI part: exports (public list and download; back-office requests and job status)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.domain.exports.models import ExportRequest
from devtools.openapi.common import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    REF,
    error,
    json_response,
    param,
    private_response,
    ref,
)


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the exports routes."""
    _, definitions = models_json_schema([(ExportRequest, "validation")], ref_template=REF)
    schemas: dict[str, Any] = definitions["$defs"]
    paths: dict[str, Any] = {
        "/exports": {
            "get": {
                "summary": "Ready exports (leaflets, CSV/XLSX, HSDS, data·inclusion, GeoJSON), "
                "newest first",
                "operationId": "listExports",
                "parameters": [
                    param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "Page size (at most REPERE_EXPORTS_LIST_MAX_LIMIT).",
                    ),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": json_response("A page of ready exports."),
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
                    "401": error(
                        "A France-wide file without a valid partner key (x-api-key): "
                        "api_key_required or invalid_api_key."
                    ),
                    "403": error("The key does not open national files (out_of_scope)."),
                    "429": error("Over the partner key's quota (quota_exceeded)."),
                },
            }
        },
        **_admin_paths(),
    }
    return paths, schemas


AUTH = (
    "Needs `Authorization: Bearer <token>` of an admin (any territory) or a territory "
    "moderator (its departments); docs/backoffice.md."
)
ADMIN_ERRORS: dict[str, Any] = {
    "401": error("Missing, malformed, wrongly signed or expired token."),
    "403": error(
        "Not an admin or a territory moderator (role_required), or a territory outside the "
        "moderator's departments (out_of_scope)."
    ),
}


def _admin_paths() -> dict[str, Any]:
    return {
        "/admin/exports": {
            "post": {
                "summary": "Request an export (asynchronous: a worker renders it)",
                "operationId": "requestExport",
                "description": "Records the job and queues it; answers 202 with its id at "
                "once. The file is listed in GET /exports once the job is ready. With an "
                "`Idempotency-Key`, the same key and body give the same export (queued again "
                "while not ready); the same key with another body is a 409. Keys are the "
                f"caller's own.\n\n{AUTH}",
                "parameters": [
                    param(
                        "Idempotency-Key",
                        {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"},
                        "Chosen by the client: a retried request makes no second export.",
                        where="header",
                    )
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ExportRequest")}},
                },
                "responses": {
                    "202": private_response(
                        "Recorded and queued.",
                        Location={"schema": {"type": "string"}, "description": "status_url"},
                    ),
                    "400": error(
                        "Invalid body (unknown field, format, department, category, date "
                        "out of range, sections) or Idempotency-Key; `field` names it."
                    ),
                    **ADMIN_ERRORS,
                    "409": error("The Idempotency-Key was used for another body."),
                },
            }
        },
        "/admin/exports/{export_id}": {
            "get": {
                "summary": "An export job's status (pending, running, ready, failed)",
                "operationId": "getExportJob",
                "description": AUTH,
                "parameters": [
                    param(
                        "export_id", {"type": "string"}, "Export id.", where="path", required=True
                    )
                ],
                "responses": {
                    "200": private_response("The job."),
                    "400": error("Malformed export id, or a query string."),
                    **ADMIN_ERRORS,
                    "404": error("No such export."),
                },
            }
        },
    }
