"""The one error map: domain errors and edge validation errors → JSON {code, message, field}
(4xx; 503 for ``Unavailable``: a worker the request needed failed, or the store did not
answer in time, see ``store_unavailable``).

Chalice turns any exception escaping a view into a 500 before middleware sees it, so every
route is registered through ``chalicelib.api.http.route`` which applies ``to_response`` here.

Every 429 and 503 carries Retry-After: clients (the website, kiosks, scripts) back off by it
instead of retrying at once into a store that is already struggling.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.composition import services
from chalicelib.config import get_settings
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
    first_problem,
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
        response.headers["Retry-After"] = str(get_settings().unavailable_retry_after_seconds)
    if isinstance(error, TooManyRequests):
        seconds = error.retry_after_seconds or seconds_to_next_hour(services().clock.now())
        response.headers["Retry-After"] = str(seconds)
    if isinstance(error, VersionConflict) and error.current_version is not None:
        body = json.loads(response.body)
        body["current_version"] = error.current_version
        response.body = json.dumps(body)
        response.headers["ETag"] = f'"{error.current_version}"'
    return response


def validation_error_response(error: ValidationError) -> Response:
    """The first problem of a pydantic validation, said plainly, naming the field."""
    first = first_problem(error)
    # List positions are dropped: "modality", not "modality.0", names what the caller sent.
    field = first.field
    if first.kind == "extra_forbidden":
        return json_error(400, "unknown_parameter", f"unknown parameter {field!r}", field)
    message = first.message
    return json_error(400, "invalid_parameter", f"{field}: {message}" if field else message, field)


def seconds_to_next_hour(now: datetime) -> int:
    """Retry-After of a 429. Every rate limit of the API counts by clock hour (submissions,
    subscriptions, self-update writes: a window named ``%Y-%m-%dT%H``), so the allowance
    comes back at the top of the next hour, whatever the limit."""
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max(1, int((next_hour - now).total_seconds() + 0.999))


# Error codes of AWS answers that say "not now" rather than "not so": throttling, and the
# store's own faults. A retry a few seconds later may succeed, so they answer 503.
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "ThrottlingError",  # a TransactWriteItems cancellation reason
        "ProvisionedThroughputExceeded",  # idem
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SlowDown",  # S3
    }
)


def store_unavailable(error: BaseException) -> Unavailable | None:
    """``Unavailable`` when ``error`` (or what caused it) is a store that did not answer, was
    unreachable, throttled us or failed on its side; None for anything else (a fault of ours,
    answered 500).

    PynamoDB wraps botocore's errors (``PynamoDBException.cause``) and chains them; every link
    of the chain is looked at. botocore is imported here, on the error path only, so that a
    cold start that never fails does not pay for it."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Unavailable):
            return current
        if isinstance(current, (BotocoreConnectionError, HTTPClientError)):
            return Unavailable("the data store did not answer in time; please try again")
        if isinstance(current, ClientError) and _is_unavailable_answer(current):
            return Unavailable("the data store is busy; please try again")
        cause = getattr(current, "cause", None)  # PynamoDBException keeps botocore's error
        if isinstance(cause, BaseException):
            pending.append(cause)
        pending.extend((current.__cause__, current.__context__))
    return None


def _is_unavailable_answer(error: Any) -> bool:
    response: dict[str, Any] = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _UNAVAILABLE_CODES or (isinstance(status, int) and status >= 500):
        return True
    reasons = getattr(error, "cancellation_reasons", None) or ()
    return any(reason is not None and reason.code in _UNAVAILABLE_CODES for reason in reasons)


_CHALICE_CODES = {
    "UnsupportedMediaType": ("unsupported_media_type", "Content-Type"),
    "MethodNotAllowedError": ("method_not_allowed", None),
    "BadRequestError": ("invalid_request", None),
}


def in_our_envelope(response: Response) -> Response:
    """Chalice answers a few requests itself before any view runs (415 for a body type a route
    does not take, 405 for a method it lacks), as ``{"Code", "Message"}``: the same answer in
    the API's ``{code, message, field}``, so clients read one shape of error."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    code, field = _CHALICE_CODES.get(str(body["Code"]), ("invalid_request", None))
    answer = json_error(response.status_code, code, str(body.get("Message", "")), field)
    for name, value in response.headers.items():
        answer.headers.setdefault(name, value)
    return answer
