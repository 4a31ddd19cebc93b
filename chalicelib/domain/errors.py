"""Domain errors. The API translates them to HTTP in one place (chalicelib/api/errors.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class RepereError(Exception):
    """Base of every error the domain raises on purpose.

    ``code`` is a stable machine-readable identifier, ``field`` names the offending input
    when there is one. Messages are written for the person reading the API response.
    """

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(RepereError):
    code = "invalid_input"


class InvalidCursor(InvalidInput):
    """A pagination cursor that is not one this service handed out (or not for this
    listing): 400, whatever was done to it."""

    code = "invalid_cursor"

    def __init__(
        self, message: str = "malformed cursor: use next_cursor exactly as returned"
    ) -> None:
        super().__init__(message, field="cursor")


class NotFound(RepereError):
    code = "not_found"


class Conflict(RepereError):
    code = "conflict"


class VersionConflict(Conflict):
    """A write was based on a version that is no longer the current one."""

    code = "version_conflict"

    def __init__(self, message: str, *, current_version: int | None) -> None:
        super().__init__(message)
        self.current_version = current_version


class PreconditionRequired(RepereError):
    """A write that must say which version it is based on (If-Match) did not."""

    code = "version_required"


class PreconditionFailed(RepereError):
    """A write's ``If-Match`` cannot match (RFC 9110 §13.1.1: If-Match compares strongly, so
    a weak tag ``W/"3"`` never matches): 412, nothing written."""

    code = "precondition_failed"


class PayloadTooLarge(RepereError):
    """A request body over the route's size limit (413), refused before it is parsed."""

    code = "too_large"


class Unauthorized(RepereError):
    code = "unauthorized"


class Forbidden(RepereError):
    code = "forbidden"


class Gone(RepereError):
    code = "gone"


class TooManyRequests(RepereError):
    """Over a rate limit. ``retry_after_seconds``: when the allowance comes back, if the
    limit knows (a partner key's minute or day); else the API answers the hourly limits'
    "next clock hour"."""

    code = "too_many_requests"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.retry_after_seconds = retry_after_seconds


class Unprocessable(RepereError):
    """Well-formed input the service cannot act on (an address that cannot be located)."""

    code = "unprocessable"


class Unavailable(RepereError):
    """A dependency of the request (a worker the API invokes) failed or is missing: the
    request itself was fine, trying again later may work."""

    code = "unavailable"


@dataclass(frozen=True)
class FirstProblem:
    """The first problem of a pydantic validation, as every edge reports it (the API's 400,
    the workers' refusals)."""

    kind: str
    """pydantic's error type (``extra_forbidden``, ``missing``...)."""
    path: str
    """The location, list positions included (``services.0.category``); '' for the root."""
    field: str | None
    """The location without list positions (``services.category``): what the caller sent."""
    raw_message: str
    """pydantic's message."""
    message: str
    """pydantic's message without its ``Value error, `` prefix (our validators' words)."""


def first_problem(error: ValidationError) -> FirstProblem:
    first = error.errors(include_url=False)[0]
    loc = first["loc"]
    return FirstProblem(
        kind=first["type"],
        path=".".join(str(part) for part in loc),
        field=".".join(str(part) for part in loc if not isinstance(part, int)) or None,
        raw_message=first["msg"],
        message=first["msg"].removeprefix("Value error, "),
    )
