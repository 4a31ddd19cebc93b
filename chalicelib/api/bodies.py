"""Request bodies, version preconditions and private JSON responses, for write routes.

Reusable by every blueprint with JSON bodies or optimistic locking::

    data = json_object(request)                      # 400 on anything but a JSON object
    raw = body_bytes(request, limit=10_000)           # a non-JSON body (forms), size-checked
    version = required_version(request)               # If-Match: "3" -> 3; 428 when absent
    return private_json(payload, etag_version=4)      # no-store, ETag "4"

Every request body is read through ``body_bytes`` (size, 413 ``too_large``, before anything
looks at the content) and JSON ones through ``json_object`` (depth, numbers and encoding
checked by ``chalicelib.domain.bounded_json``, 400 ``invalid_body``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalice.app import Request, Response

from chalicelib.domain import bounded_json
from chalicelib.domain.errors import (
    InvalidInput,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
)

MAX_BODY_BYTES = 1_000_000
MAX_DEPTH = bounded_json.MAX_DEPTH
# Strong tags only, digits in ASCII ("３" is a digit to ``\d`` and to int()).
_VERSION_TAG = re.compile(r'^"([0-9]{1,9})"$')
_WEAK_TAG = re.compile(r'^W/"[^"]*"$')


def body_bytes(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused (413 ``too_large``) above ``limit`` bytes before anything reads
    its content."""
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", errors="replace")
    if len(body) > limit:
        raise PayloadTooLarge(f"the body is over {limit} bytes", field="body")
    return body


def json_object(
    request: Request, *, optional: bool = False, limit: int = MAX_BODY_BYTES
) -> dict[str, Any]:
    """The body as a JSON object. Chalice's own ``json_body`` raises an error our route
    wrapper would turn into a 500, and ``json.loads`` a RecursionError on deep nesting, so
    the body is parsed here, by ``bounded_json`` (at most ``MAX_DEPTH`` levels)."""
    raw = body_bytes(request, limit=limit)
    if not raw.strip():
        if optional:
            return {}
        raise InvalidInput("this route needs a JSON object body", field="body", code="invalid_body")
    try:
        data = bounded_json.loads(raw)
    except bounded_json.JsonRejected as rejected:
        raise InvalidInput(
            f"the body is not usable JSON: {rejected.reason}", field="body", code="invalid_body"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body", code="invalid_body")
    return data


def required_version(request: Request) -> int:
    """The version a write is based on, from ``If-Match`` (the ETag of the read).

    ``If-Match`` compares strongly (RFC 9110 §13.1.1): a weak tag ``W/"3"`` never matches,
    so the write is refused with 412 ``precondition_failed`` (our ETags are never weak; a
    weak one comes from a cache or proxy that rewrote it, and stands for no exact version).
    ``*`` ("any version") would write blind over a concurrent edit: it is refused with 400
    ``invalid_etag``, like a list of tags."""
    headers = request.headers
    value = headers.get("if-match") if headers else None
    if value is None or not str(value).strip():
        raise PreconditionRequired(
            'this write needs If-Match: "<version>" (the ETag of the place you read)',
            field="If-Match",
        )
    tag = str(value).strip()
    if _WEAK_TAG.fullmatch(tag):
        raise PreconditionFailed(
            'a weak ETag never matches If-Match: send the strong ETag you read, such as "3"',
            field="If-Match",
        )
    match = _VERSION_TAG.fullmatch(tag)
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
