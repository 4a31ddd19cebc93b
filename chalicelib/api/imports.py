"""Imports over HTTP (docs/imports.md). Thin handlers only; admins only.

``POST /admin/imports`` records a job and answers a presigned PUT URL for the file;
``POST /admin/imports/{id}/dry-run`` reads it and stores the report (nothing written to
places); ``GET /admin/imports/{id}`` answers the job and its report with ``ETag`` = the
report's version; ``POST /admin/imports/{id}/apply`` with ``If-Match`` on that ETag writes
it (409 when the report is stale). Files larger than the HTTP limits go through the imports
worker (functions/imports.py) instead.
"""

from __future__ import annotations

import re

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import parse_query, reject_query, route
from chalicelib.api.params import Params
from chalicelib.composition import services
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.imports.models import ImportCreated, ImportRequest, ImportView

imports = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
IMPORT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_IMPORT_ID = re.compile(IMPORT_ID_PATTERN)


class ReportParams(Params):
    offset: int = Field(default=0, ge=0, description="First report entry to answer.")
    limit: int = Field(default=500, ge=1, le=5000, description="Report entries to answer.")


def _import_id(value: str) -> str:
    if not _IMPORT_ID.fullmatch(value):
        raise InvalidInput("malformed import id", field="id")
    return value


ANSWERED_ENTRIES = 500
"""Entries a dry run's or an apply's answer carries (the rest: GET with offset)."""


def _view(view: ImportView) -> Response:
    report = view.report
    if report is not None and len(report.entries) > ANSWERED_ENTRIES:
        report = report.model_copy(update={"entries": report.entries[:ANSWERED_ENTRIES]})
        view = view.model_copy(update={"report": report})
    return private_json(view.model_dump(mode="json"), etag_version=view.job.version)


@route(
    imports,
    "/admin/imports",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={201: ImportCreated},
)
def create_import() -> Response:
    request = imports.current_request
    reject_query(request)
    principal = authenticate(request)
    body = ImportRequest.model_validate(json_object(request))
    created = services().import_service.create(principal, body)
    response = private_json(
        created.model_dump(mode="json"),
        status=201,
        etag_version=created.job.version,
    )
    response.headers["Location"] = f"/admin/imports/{created.job.id}"
    return response


@route(
    imports,
    "/admin/imports/{import_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=ReportParams,
    responses={200: ImportView},
)
def get_import(import_id: str) -> Response:
    request = imports.current_request
    params = parse_query(request, ReportParams)
    principal = authenticate(request)
    view = services().import_service.view(
        principal, _import_id(import_id), offset=params.offset, limit=params.limit
    )
    return _view(view)


@route(
    imports,
    "/admin/imports/{import_id}/dry-run",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: ImportView},
)
def dry_run(import_id: str) -> Response:
    request = imports.current_request
    reject_query(request)
    principal = authenticate(request)
    view = services().import_service.dry_run(principal, _import_id(import_id), over_http=True)
    return _view(view)


@route(
    imports,
    "/admin/imports/{import_id}/apply",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: ImportView},
)
def apply_import(import_id: str) -> Response:
    request = imports.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = _import_id(import_id)
    view = services().import_service.apply(
        principal, checked, expected_version=required_version(request), over_http=True
    )
    return _view(view)
