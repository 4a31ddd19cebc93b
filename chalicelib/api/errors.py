"""The one error map: domain errors and edge validation errors → JSON {code, message, field}
(4xx; 503 for ``Unavailable``, a worker the request needed failed).

Chalice turns any exception escaping a view into a 500 before middleware sees it, so every
route is registered through ``chalicelib.api.http.route`` which applies ``to_response`` here.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    RepereError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
    VersionConflict,
)

_STATUS: tuple[tuple[type[RepereError], int], ...] = (
    (InvalidInput, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (VersionConflict, 409),
    (Conflict, 409),
    (Gone, 410),
    (PreconditionFailed, 412),
    (PayloadTooLarge, 413),
    (Unprocessable, 422),
    (PreconditionRequired, 428),
    (TooManyRequests, 429),
    (Unavailable, 503),
)


def error_body(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def json_error(status: int, code: str, message: str, field: str | None = None) -> Response:
    return Response(
        body=json.dumps(error_body(code, message, field)),
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


def domain_error_response(error: RepereError) -> Response:
    status = next((code for kind, code in _STATUS if isinstance(error, kind)), 400)
    response = json_error(status, error.code, error.message, error.field)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="repere"'
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = "30"
    if isinstance(error, VersionConflict) and error.current_version is not None:
        body = json.loads(response.body)
        body["current_version"] = error.current_version
        response.body = json.dumps(body)
        response.headers["ETag"] = f'"{error.current_version}"'
    return response


def validation_error_response(error: ValidationError) -> Response:
    """The first problem of a pydantic validation, said plainly, naming the field."""
    first = error.errors(include_url=False)[0]
    # List positions are dropped: "modality", not "modality.0", names what the caller sent.
    field = ".".join(str(part) for part in first["loc"] if not isinstance(part, int)) or None
    if first["type"] == "extra_forbidden":
        return json_error(400, "unknown_parameter", f"unknown parameter {field!r}", field)
    message = first["msg"].removeprefix("Value error, ")
    return json_error(400, "invalid_parameter", f"{field}: {message}" if field else message, field)
