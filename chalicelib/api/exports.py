"""Exports over HTTP. Thin handlers only.

* Public: the list of ready files and their download links.
* Back office: ``POST /admin/exports`` records a job and queues it (202 with its id; the
  worker in functions/exports renders it), ``GET /admin/exports/{id}`` reads its status.

Rendering never happens here: the API only records and queues jobs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json
from chalicelib.api.http import cacheable_json, parse_query, reject_query, route
from chalicelib.api.params import Cursor, Department, Params
from chalicelib.api.partners import presented_key
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import ExportAccepted, ExportList, to_json
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.exports.models import (
    ExportFormat,
    ExportJob,
    ExportRequest,
    export_job,
)
from chalicelib.domain.partners.models import Scope

exports = Blueprint(__name__)

# As batch updates: chosen by the client, printable, long enough not to collide by chance.
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
IDEMPOTENCY_HEADER = "Idempotency-Key"
AUTHORIZER = admin_authorizer()


class ExportListParams(Params):
    department: Department | None = Field(
        default=None, description="Department code (75, 2A, 971...)."
    )
    format: ExportFormat | None = Field(default=None, description="Only this format.")
    # Its maximum is the settings' (REPERE_EXPORTS_LIST_MAX_LIMIT): devtools/openapi/exports.py.
    limit: int = Field(default=20, ge=1)
    cursor: Cursor | None = None


@route(
    exports,
    "/exports",
    methods=["GET"],
    cors=True,
    query=ExportListParams,
    responses={200: ExportList},
)
def list_exports() -> Response:
    request = exports.current_request
    settings = get_settings()
    params = parse_query(request, ExportListParams)
    if params.limit > settings.exports_list_max_limit:
        raise InvalidInput(
            f"limit must be at most {settings.exports_list_max_limit}", field="limit"
        )
    summaries, next_cursor = services().export_service.list_exports(
        department=params.department,
        export_format=params.format,
        limit=params.limit,
        cursor=params.cursor,
    )
    payload = ExportList.model_construct(exports=list(summaries), next_cursor=next_cursor)
    return cacheable_json(request, to_json(payload), max_age=settings.exports_list_cache_seconds)


@route(exports, "/exports/{export_id}/download", methods=["GET"], cors=True)
def download_export(export_id: str) -> Response:
    request = exports.current_request
    reject_query(request)

    def partner_only() -> None:  # a France-wide file (docs/partners.md)
        services().partner_keys.authenticate(
            presented_key(request), Scope.NATIONAL_FILES, required=True
        )

    link = services().export_service.download(
        checked_id(export_id, IdKind.EXPORT), national_access=partner_only
    )
    return Response(
        body="",
        status_code=302,
        # no-store: every download is counted, and the link expires within minutes.
        headers={"Location": link.url, "Cache-Control": "no-store"},
    )


@route(
    exports,
    "/admin/exports",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={202: ExportAccepted},
)
def request_export() -> Response:
    """Asynchronous: 202 with the job's id; the worker renders it."""
    request = exports.current_request
    reject_query(request)
    principal = authenticate(request)
    body = ExportRequest.model_validate(json_object(request))
    record = services().export_service.request_export_as(
        principal, body, idempotency_key=_idempotency_key(request.headers)
    )
    status_url = f"/admin/exports/{record.id}"
    accepted = ExportAccepted(id=record.id, status=record.status, status_url=status_url)
    response = private_json(to_json(accepted), status=202)
    response.headers["Location"] = status_url
    return response


@route(
    exports,
    "/admin/exports/{export_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: ExportJob},
)
def get_export_job(export_id: str) -> Response:
    request = exports.current_request
    reject_query(request)
    principal = authenticate(request)
    record = services().export_service.job(principal, checked_id(export_id, IdKind.EXPORT))
    return private_json(to_json(export_job(record)))


def _idempotency_key(headers: Mapping[str, str] | None) -> str | None:
    value = headers.get(IDEMPOTENCY_HEADER.lower()) if headers else None
    if value is None:
        return None
    key = str(value).strip()
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(
            "Idempotency-Key must be 8 to 128 characters among letters, digits and _.:-",
            field=IDEMPOTENCY_HEADER,
            code="invalid_idempotency_key",
        )
    return key
