"""Requests generated from the OpenAPI document (schemathesis 4), sent to the API in process,
their answers checked against the document: the pieces the contract test and the bench share.

Four checks, each counted on its own: ``not_a_server_error`` (no 5xx),
``status_code_conformance`` (the status is documented for the operation),
``content_type_conformance`` (the Content-Type is the documented one) and
``response_schema_conformance`` (the body matches the documented schema).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.openapi import from_dict
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.domain.auth import Role
from devtools.write_openapi import build
from tests.contract.harness import ChaliceWsgi, bearer

Operation = APIOperation[Any, Any, Any, Any]

CHECKS = {
    "server_error": not_a_server_error,
    "undocumented_status": status_code_conformance,
    "undocumented_content_type": content_type_conformance,
    "schema_violation": response_schema_conformance,
}


def load_schema() -> BaseSchema:
    return from_dict(build())


def operations(schema: BaseSchema) -> list[Operation]:
    """Every operation; the deletions last (taken offline, a place is not found publicly)."""
    found: list[Operation] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise AssertionError(f"schemathesis cannot read an operation: {result}")
        found.append(result.ok())
    order = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
    return sorted(
        found,
        key=lambda operation: (
            operation.method.lower() == "delete",
            operation.path,
            order.get(operation.method.lower(), 5),
        ),
    )


@dataclass
class Figures:
    requests: int = 0
    accepted: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    unsatisfiable: bool = False
    reasons: Counter[str] = field(default_factory=Counter)
    """Why valid requests were refused: status and error code."""


def auth_headers(operation: Operation) -> dict[str, str]:
    """An admin's bearer token on back-office routes (local auth mode)."""
    if operation.path.startswith("/admin/"):
        return {"Authorization": bearer(Role.ADMIN)}
    return {}


def fuzz_operation(api: ChaliceWsgi, operation: Operation, *, mode: str, examples: int) -> Figures:
    """``examples`` requests generated for ``operation`` (hypothesis derandomized: the same
    requests at every run), each answer run through the four checks."""
    figures = Figures()
    headers = auth_headers(operation)
    strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call_headers = dict(headers)
        if mode == "positive":
            call_headers.update(_name_known_things(api, operation, case))
        elif _auth_negated(case):
            # The invalid part is the token (malformed or missing): send that, not ours.
            call_headers.pop("Authorization", None)
        response = case.call(app=api, headers=call_headers)
        figures.requests += 1
        figures.statuses[response.status_code] += 1
        if 200 <= response.status_code < 400:
            figures.accepted += 1
        if response.status_code >= 500:
            figures.server_errors += 1
        elif response.status_code >= 400 and mode == "positive":
            figures.reasons[_reason(response.status_code, response.text)] += 1
        if response.status_code >= 400 and mode == "positive" and len(figures.rejected) < 20:
            figures.rejected.append(
                f"{response.status_code} {case.method} {case.formatted_path} query={case.query} "
                f"body={_short(case.body)} -> {response.text[:200]}"
            )
        for name, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check], headers=call_headers)
            except* Failure as group:
                figures.failures[name] += 1
                if len(figures.samples) < 20:
                    first = group.exceptions[0]
                    body = response.text[:300].replace("\n", " ")
                    figures.samples.append(
                        f"{name}: {response.status_code} {case.method} {case.formatted_path} "
                        f"query={case.query} body={_short(case.body)} -> {body} "
                        f"[{str(first).splitlines()[0][:200]}]"
                    )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): no negative requests.
        figures.unsatisfiable = True
    return figures


def _name_known_things(api: ChaliceWsgi, operation: Operation, case: Any) -> dict[str, str]:
    """A valid request names things that exist: generated ids are replaced by ids of the
    seeded data (picked from the generated value, so runs stay deterministic), and a write
    carries the version read just before (as a client does); self-update routes carry a link's
    token. Returns the headers to add."""
    if case.query:
        # Cursors are opaque: a client passes back the API's next_cursor, never its own.
        case.query.pop("cursor", None)
    for name, value in list((case.path_parameters or {}).items()):
        choices = api.known.ids.get(name)
        if choices:
            case.path_parameters[name] = choices[zlib.crc32(str(value).encode()) % len(choices)]
    headers: dict[str, str] = {}
    if operation.path.startswith("/self-update"):
        headers["Authorization"] = f"Bearer {api.known.link_token}"
    if case.headers and "If-Match" in case.headers:
        version = _current_version(api, operation.path, case.path_parameters or {}, headers)
        if version is not None:
            headers["If-Match"] = version
    return headers


_READERS = {
    "/admin/places/{place_id}": "/admin/places/{place_id}",
    "/admin/announcements/{announcement_id}": "/admin/announcements/{announcement_id}",
    "/admin/submissions/{submission_id}": "/admin/submissions/{submission_id}",
    "/self-update": "/self-update",
}


def _current_version(
    api: ChaliceWsgi, path: str, path_parameters: dict[str, str], headers: dict[str, str]
) -> str | None:
    reader = next((r for prefix, r in _READERS.items() if path.startswith(prefix)), None)
    if reader is None:
        return None
    auth = headers if "Authorization" in headers else {"Authorization": bearer(Role.ADMIN)}
    status, _, response_headers = api.request("GET", reader.format(**path_parameters), None, auth)
    etag = response_headers.get("ETag") or response_headers.get("etag")
    return str(etag) if status == 200 and etag else None


def _auth_negated(case: Any) -> bool:
    """Whether an invalid case's invalid part is its Authorization header. schemathesis
    generates one from the security scheme in every case ("Bearer <anything>" when valid),
    and marks the header location negative when it made a header invalid."""
    components = case.meta.components if case.meta is not None else {}
    headers = components.get(ParameterLocation.HEADER)
    if headers is None or not headers.mode.is_negative:
        return False
    value = (case.headers or {}).get("Authorization")
    return value is None or not str(value).startswith("Bearer ")


def _reason(status: int, text: str) -> str:
    try:
        code = json.loads(text).get("code")
    except (ValueError, AttributeError):
        code = None
    return f"{status} {code or '?'}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."
