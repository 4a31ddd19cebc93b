"""OpenAPI part: imports (docs/imports.md). Response schemas come from the routes' models
(``route(..., responses=...)``), the request body's from ``ImportRequest``."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.api.imports import IMPORT_ID_PATTERN
from chalicelib.domain.imports.models import ImportRequest
from devtools.openapi.common import REF, error, param, private_response, ref

_ID = param(
    "import_id",
    {"type": "string", "pattern": IMPORT_ID_PATTERN},
    "Import id.",
    where="path",
    required=True,
)
_COMMON = {"400": error("Malformed id."), "404": error("No such import.")}


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    _, definitions = models_json_schema([(ImportRequest, "validation")], ref_template=REF)
    schemas: dict[str, Any] = definitions["$defs"]
    paths: dict[str, Any] = {
        "/admin/imports": {
            "post": {
                "summary": "Start an import: a job and a presigned URL to PUT the file to",
                "description": "docs/imports.md. Then POST /admin/imports/{id}/dry-run, read "
                "the report, and POST /admin/imports/{id}/apply with If-Match on its ETag.",
                "operationId": "createImport",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ImportRequest")}},
                },
                "responses": {
                    "201": private_response(
                        "The job (awaiting its upload) and the URL.",
                        etag=True,
                        Location={"schema": {"type": "string"}},
                    ),
                    "400": error("Invalid body (an unknown format, a malformed source name)."),
                },
            }
        },
        "/admin/imports/{import_id}": {
            "get": {
                "summary": "An import job and its report (ETag: the report's version)",
                "operationId": "getImport",
                "parameters": [
                    _ID,
                    param("offset", {"type": "integer"}, "First report entry."),
                    param("limit", {"type": "integer"}, "Report entries (at most 5000)."),
                ],
                "responses": {
                    "200": private_response("The job and its report.", etag=True),
                    **_COMMON,
                },
            }
        },
        "/admin/imports/{import_id}/dry-run": {
            "post": {
                "summary": "Read the uploaded file and report what an apply would do",
                "description": "Writes no place. Per record: new, update (with the field "
                "changes), unchanged, or rejected (record number, field, reason). May be run "
                "again after a new upload (a new report, a new ETag).",
                "operationId": "dryRunImport",
                "parameters": [_ID],
                "responses": {
                    "200": private_response("The job and its report.", etag=True),
                    **_COMMON,
                    "409": error("No file uploaded yet (not_uploaded), or already applied."),
                    "413": error(
                        "A file larger than HTTP takes: run the imports worker (use_worker)."
                    ),
                },
            }
        },
        "/admin/imports/{import_id}/apply": {
            "post": {
                "summary": "Apply the report whose ETag is in If-Match",
                "description": "One transaction per place; a place changed since the dry run "
                "is reported as conflict and left as it is. Idempotent: a re-import of the "
                "same source updates the places it created.",
                "operationId": "applyImport",
                "parameters": [
                    _ID,
                    param("If-Match", {"type": "string"}, "The report's ETag.", where="header"),
                ],
                "responses": {
                    "200": private_response("The job and the report's outcomes.", etag=True),
                    **_COMMON,
                    "409": error(
                        "The report is stale (version_conflict), not a dry-run report "
                        "(import_applied, import_failed...)."
                    ),
                    "412": error("A weak ETag in If-Match."),
                    "413": error(
                        "More places than HTTP writes: run the imports worker (use_worker)."
                    ),
                    "428": error("No If-Match."),
                },
            }
        },
    }
    return paths, schemas
