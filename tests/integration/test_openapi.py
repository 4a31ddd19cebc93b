"""The OpenAPI document is complete, current, and valid OpenAPI 3.1."""

from __future__ import annotations

import json

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
