"""Request bodies, version preconditions and private JSON responses, for write routes.

Reusable by every blueprint with JSON bodies or optimistic locking::

    data = json_object(request)                      # 400 on anything but a JSON object
    version = required_version(request)               # If-Match: "3" -> 3; 428 when absent
    return private_json(payload, etag_version=4)      # no-store, ETag "4"
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalice.app import Request, Response

from chalicelib.domain.errors import InvalidInput, PreconditionRequired

MAX_BODY_BYTES = 1_000_000
_NEEDS_OBJECT = "this route needs a JSON object body"
_VERSION_TAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object. Chalice's own ``json_body`` raises an error our route
    wrapper would turn into a 500, so the body is parsed here."""
    raw = request.raw_body or b""
    if not raw.strip():
        if optional:
            return {}
        raise InvalidInput("this route needs a JSON object body", field="body", code="invalid_body")
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput("the body is too large", field="body", code="invalid_body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "the body is not valid JSON", field="body", code="invalid_body"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body", code="invalid_body")
    return data


def required_version(request: Request) -> int:
    """The version a write is based on, from ``If-Match`` (the ETag of the read)."""
    headers = request.headers
    value = headers.get("if-match") if headers else None
    if value is None or not str(value).strip():
        raise PreconditionRequired(
            'this write needs If-Match: "<version>" (the ETag of the place you read)',
            field="If-Match",
        )
    match = _VERSION_TAG.match(str(value).strip())
    if match is None:
        raise InvalidInput(
            'If-Match must be the ETag you read, such as "3"', field="If-Match", code="invalid_etag"
        )
    return int(match.group(1))


def private_json(payload: Any, *, status: int = 200, etag_version: int | None = None) -> Response:
    """JSON that no cache may keep (back-office data)."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-store",
    }
    if etag_version is not None:
        headers["ETag"] = f'"{etag_version}"'
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(body=body, status_code=status, headers=headers)
