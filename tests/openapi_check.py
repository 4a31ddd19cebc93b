"""Every response the test suite receives is checked against the served OpenAPI document.

The document (chalicelib/data/openapi.json, served at ``/openapi.json``) is what clients
build on; the fuzz test (tests/contract/test_openapi_fuzz.py) checks it on generated
requests, this checks it on the thousands of hand-written ones: an answer whose status the
document does not list for that operation, or whose JSON body does not match the schema the
document gives, fails the test that received it.

Hooked into ``chalice.test.TestHTTPClient.request`` by an autouse fixture (tests/conftest.py),
so every ``Client(app)`` of the suite is covered without any test asking for it. Paths that
match no documented operation (a test probing an unknown route) are left to the gateway's
own tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

DOCUMENT = Path(__file__).resolve().parents[1] / "chalicelib" / "data" / "openapi.json"
_ROOT_URI = "urn:repere:openapi"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]


class ResponseMismatch(AssertionError):
    """A response the document does not describe."""


@cache
def _document() -> dict[str, Any]:
    """The document, its local ``$ref``s made absolute so that a response's schema, taken
    out of it, still resolves them against the whole document."""
    document: dict[str, Any] = _absolute_refs(json.loads(DOCUMENT.read_text(encoding="utf-8")))
    return document


def _absolute_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                f"{_ROOT_URI}{value}"
                if key == "$ref" and isinstance(value, str) and value.startswith("#")
                else _absolute_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    return node


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(_document(), default_specification=_dialect())
    registry: Registry[Any] = Registry().with_resource(_ROOT_URI, resource)
    return registry


def _dialect() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


@cache
def _operations() -> tuple[Operation, ...]:
    found: list[Operation] = []
    for template, item in _document()["paths"].items():
        # Literal segments before templated ones, so /admin/stats/charts/x.svg is not taken
        # for a {parameter} of a shorter template.
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete", "options", "head"}:
                found.append(
                    Operation(method.upper(), template, re.compile(regex), operation["responses"])
                )
    return tuple(sorted(found, key=lambda op: (op.template.count("{"), op.template)))


def operation_for(method: str, path: str) -> Operation | None:
    route = urlsplit(path).path
    for operation in _operations():
        if operation.method == method.upper() and operation.pattern.match(route):
            return operation
    return None


def _response_for(operation: Operation, status: int) -> dict[str, Any] | None:
    responses = operation.responses
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            response: dict[str, Any] = responses[key]
            return response
    return None


def _schema_for(response: dict[str, Any], content_type: str) -> dict[str, Any] | None:
    content = response.get("content") or {}
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media in content:
        schema: dict[str, Any] | None = content[media].get("schema")
        return schema
    return None


def check(method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """Raise ResponseMismatch when the document does not describe this answer."""
    if method.upper() == "OPTIONS":
        return  # CORS preflight: answered by the gateway's CORS support, not an operation
    operation = operation_for(method, path)
    if operation is None:
        return
    response = _response_for(operation, status)
    where = f"{method.upper()} {path} -> {status} ({operation.template})"
    if response is None:
        listed = ", ".join(sorted(operation.responses))
        raise ResponseMismatch(f"{where}: status not documented (documented: {listed})")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not body or "json" not in content_type:
        return
    schema = _schema_for(response, content_type)
    if schema is None:
        if 200 <= status < 300:
            # Every JSON success body is a route's declared model (devtools/openapi/
            # contract.py generates its schema): one without is a body nobody modelled.
            raise ResponseMismatch(f"{where}: a JSON body the document does not describe")
        return
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise ResponseMismatch(f"{where}: body is not JSON ({error})") from None
    validator = Draft202012Validator(schema, registry=_registry())
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        at = "/".join(str(part) for part in first.absolute_path) or "(body)"
        raise ResponseMismatch(
            f"{where}: body does not match the document at {at}: {first.message}"
        )
