"""The OpenAPI document is complete, current, and valid OpenAPI 3.1."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from devtools.write_openapi import OUTPUT, build, render
from tests.integration.conftest import Api


def _chalice_routes() -> dict[str, set[str]]:
    from app import app

    return {
        path: {method for method in methods if method != "OPTIONS"}
        for path, methods in app.routes.items()
    }


def test_every_route_is_in_the_openapi_document() -> None:
    document = build()
    for path, methods in _chalice_routes().items():
        assert path in document["paths"], f"{path} is missing from the OpenAPI document"
        documented = {method.upper() for method in document["paths"][path]}
        assert methods <= documented, f"{path}: {methods - documented} undocumented"


def test_the_committed_document_is_the_generated_one() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `make openapi` and commit"


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(build())


def test_the_document_is_served(api: Api) -> None:
    response = api.client.http.get("/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body)["openapi"] == "3.1.0"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in build()["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_documents_the_errors_any_route_can_answer() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        assert {"400", "429", "503", "504"} <= set(responses), where
        if path.startswith("/admin/"):
            assert {"401", "403"} <= set(responses), where
            assert operation["security"], where
        if "{" in path:
            assert "404" in responses, where
        if "requestBody" in operation:
            assert "413" in responses, where
        for status, response in responses.items():
            if status >= "400":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{where} {status}"


def test_versioned_writes_require_if_match_in_the_format_the_api_parses() -> None:
    writes = [
        (f"{method.upper()} {path}", operation, parameter)
        for method, path, operation in _operations()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "If-Match"
    ]
    assert len(writes) >= 8
    for where, operation, parameter in writes:
        assert parameter["required"] is True, where
        assert re.match(parameter["schema"]["pattern"], '"3"'), where
        assert {"409", "428"} <= set(operation["responses"]), where


def test_ids_and_department_codes_in_paths_have_the_routes_patterns() -> None:
    for method, path, operation in _operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                pattern = parameter["schema"].get("pattern")
                assert pattern, f"{method.upper()} {path}: {parameter['name']} has no pattern"
    department = build()["paths"]["/territories/{department}/places"]["get"]["parameters"][0]
    assert re.match(department["schema"]["pattern"], "2A")
    assert not re.match(department["schema"]["pattern"], "00")


def test_query_parameters_are_the_models_and_a_drift_fails_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.api import http
    from chalicelib.api.params import Params

    class Drifted(Params):
        department: str | None = None
        new_filter: str | None = None

    # A parameter the part lists (limit, whose bounds are settings) that the model lacks
    # fails the build.
    monkeypatch.setitem(http.QUERY_MODELS, ("get", "/exports"), Drifted)
    with pytest.raises(ValueError, match="new_filter"):
        build()


def test_a_query_parameter_the_part_does_not_list_is_generated_from_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import Field

    from chalicelib.api import http
    from chalicelib.api.announcements import ActiveParams

    class Grown(ActiveParams):
        new_filter: list[str] = Field(default_factory=list, description="A new filter.")

    monkeypatch.setitem(http.QUERY_MODELS, ("get", "/announcements"), Grown)
    parameters = build()["paths"]["/announcements"]["get"]["parameters"]
    generated = next(p for p in parameters if p["name"] == "new_filter")
    assert generated["description"] == "A new filter."
    assert generated["schema"]["type"] == "array"
    assert (generated["style"], generated["explode"]) == ("form", True)
    # /changes lists no department nor since: both come from ChangesParams.
    changes = build()["paths"]["/changes"]["get"]["parameters"]
    since = next(p for p in changes if p["name"] == "since")
    assert since["description"].startswith("next_cursor of the previous page")


def test_search_says_where_as_exactly_one_location() -> None:
    where = build()["paths"]["/search"]["get"]["parameters"][0]
    assert (where["name"], where["style"], where["explode"], where["required"]) == (
        "where",
        "form",
        True,
        True,
    )
    alternatives = [set(option["required"]) for option in where["schema"]["oneOf"]]
    assert alternatives == [{"lat", "lon"}, {"department"}, {"postal_code"}, {"city_code"}]


def test_admin_announcements_document_national() -> None:
    schema = build()["components"]["schemas"]["AdminAnnouncement"]
    assert "national" in schema["required"]
    national = schema["properties"]["national"]
    assert (national["type"], national["description"]) == (
        "boolean",
        "True when departments is empty: shown everywhere.",
    )


def test_every_view_that_reads_a_query_declares_its_model() -> None:
    """A view validating its query string with ``parse_query(request, Model)`` declares the
    same model on its route (``route(..., query=Model)``), which the document is built from."""
    import ast
    from pathlib import Path

    import app  # noqa: F401
    from chalicelib.api import http

    declared = {model.__name__ for model in http.QUERY_MODELS.values()}
    api = Path(http.__file__).parent
    parsed = {
        call.args[1].id
        for source in api.glob("*.py")
        for call in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "parse_query"
        and len(call.args) == 2
        and isinstance(call.args[1], ast.Name)
    }
    assert parsed == declared
