"""Public exports: the list of ready files and their download links. Thin handlers only.

Rendering never happens here: jobs are queued by ``ExportService.request_export`` (the admin
route calls it) and rendered by functions/exports.
"""

from __future__ import annotations

import re

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib import wiring
from chalicelib.api.http import cacheable_json, parse_query, reject_query, route
from chalicelib.api.params import Department, Params
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.exports.models import EXPORT_ID_PATTERN, ExportFormat

exports = Blueprint(__name__)

_EXPORT_ID = re.compile(EXPORT_ID_PATTERN)


class ExportListParams(Params):
    department: Department | None = None
    format: ExportFormat | None = None
    limit: int = Field(default=20, ge=1)
    cursor: str | None = Field(default=None, max_length=2000)


@route(exports, "/exports", methods=["GET"], cors=True)
def list_exports() -> Response:
    request = exports.current_request
    settings = get_settings()
    params = parse_query(request, ExportListParams)
    if params.limit > settings.exports_list_max_limit:
        raise InvalidInput(
            f"limit must be at most {settings.exports_list_max_limit}", field="limit"
        )
    summaries, next_cursor = wiring.export_service().list_exports(
        department=params.department,
        export_format=params.format,
        limit=params.limit,
        cursor=params.cursor,
    )
    payload = {
        "exports": [summary.model_dump(mode="json") for summary in summaries],
        "next_cursor": next_cursor,
    }
    return cacheable_json(request, payload, max_age=settings.exports_list_cache_seconds)


@route(exports, "/exports/{export_id}/download", methods=["GET"], cors=True)
def download_export(export_id: str) -> Response:
    reject_query(exports.current_request)
    if not _EXPORT_ID.match(export_id):
        raise InvalidInput("malformed export id", field="id")
    link = wiring.export_service().download(export_id)
    return Response(
        body="",
        status_code=302,
        # no-store: every download is counted, and the link expires within minutes.
        headers={"Location": link.url, "Cache-Control": "no-store"},
    )
