"""Responses modelled once (issue 16.3): every JSON success body of the API is a route's
declared model, and the OpenAPI document's payload schemas are generated from those models
(or from the route's declared media type), never written by hand in devtools/openapi/."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api import http
from devtools.openapi import common
from devtools.write_openapi import build
from tests import openapi_check
from tests.openapi_check import ResponseMismatch

JSON_WRITERS = {"private_json", "cacheable_json"}
"""The helpers a handler answers JSON with (chalicelib/api/bodies.py, http.py)."""


def _declared() -> dict[tuple[str, str], dict[int, type[Any]]]:
    import app  # noqa: F401  (registers every blueprint's routes)

    return {
        key: {status: http.response_model(model) for status, model in statuses.items()}
        for key, statuses in http.RESPONSE_MODELS.items()
    }


def test_every_json_success_body_in_the_document_is_a_declared_model() -> None:
    document = build()
    declared = _declared()
    schemas = document["components"]["schemas"]
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                content = response.get("content", {})
                where = f"{method.upper()} {path} {status}"
                if "application/json" in content:
                    model = declared.get((method, path), {}).get(int(status))
                    assert model is not None, f"{where}: a JSON body no route declares"
                    schema = content["application/json"]["schema"]
                    assert set(schema) == {"$ref"}, where
                    assert schema["$ref"].rsplit("/", 1)[-1] in schemas, where
                    checked += 1
                for media, described in content.items():
                    if media != "application/json":
                        assert http.RESPONSE_MEDIA[(method, path)][int(status)] == media, where
                        assert described == {"schema": {"type": "string"}}, where
    assert checked >= 50


def test_the_declared_model_is_the_one_in_the_document() -> None:
    document = build()
    place = document["paths"]["/admin/places/{place_id}"]["get"]["responses"]["200"]
    assert place["content"]["application/json"]["schema"] == {
        "$ref": common.REF.format(model="Place")
    }
    stats = document["paths"]["/admin/stats"]["get"]["responses"]["200"]["content"]
    assert set(stats) == {"application/json", "text/csv"}
    report = document["components"]["schemas"]["StatsReport"]
    assert {"from", "to", "departments"} <= set(report["properties"])
    assert "place_ids" not in document["components"]["schemas"]["StatsSnapshot"]["properties"]


def _json_handlers(source: str) -> tuple[set[str], set[str]]:
    """(route handlers that answer JSON, those among them whose route declares
    ``responses=``): a handler answers JSON when it, or a helper of its module it calls,
    calls ``private_json`` or ``cacheable_json``."""
    tree = ast.parse(source)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}

    def calls(node: ast.AST) -> set[str]:
        return {
            call.func.id
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        }

    writes_json: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, function in functions.items():
            called = calls(function)
            if name not in writes_json and called & (JSON_WRITERS | writes_json):
                writes_json.add(name)
                changed = True
    handlers: set[str] = set()
    declared: set[str] = set()
    for name, function in functions.items():
        for decorator in function.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "route"
                and name in writes_json
            ):
                handlers.add(name)
                if any(keyword.arg == "responses" for keyword in decorator.keywords):
                    declared.add(name)
    return handlers, declared


def test_every_route_that_answers_json_declares_its_model() -> None:
    api = Path(http.__file__).parent
    undeclared: list[str] = []
    handlers = 0
    for source in sorted(api.glob("*.py")):
        found, declared = _json_handlers(source.read_text(encoding="utf-8"))
        handlers += len(found)
        undeclared += [f"{source.name}:{name}" for name in sorted(found - declared)]
    assert undeclared == []
    assert handlers >= 40


def test_the_route_check_sees_a_handler_without_a_model() -> None:
    source = (
        "@route(bp, '/x', methods=['GET'])\n"
        "def view():\n    return _answer()\n"
        "def _answer():\n    return private_json({'a': 1})\n"
        "@route(bp, '/y', methods=['GET'], responses={200: M})\n"
        "def other():\n    return private_json({})\n"
    )
    assert _json_handlers(source) == ({"view", "other"}, {"other"})


def test_a_part_that_writes_a_payload_by_hand_fails_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from devtools.openapi import stats

    original = stats.part

    def by_hand() -> tuple[dict[str, Any], dict[str, Any]]:
        paths, schemas = original()
        response = paths["/admin/stats"]["get"]["responses"]["200"]
        response["content"] = {"application/json": {"schema": {"type": "object"}}}
        return paths, schemas

    monkeypatch.setattr(stats, "part", by_hand)
    with pytest.raises(ValueError, match="by hand"):
        build()


def test_a_json_success_body_the_document_does_not_describe_fails_the_suite() -> None:
    # DELETE /admin/announcements/{id} answers 204 without a body: a JSON one is undescribed.
    with pytest.raises(ResponseMismatch, match="does not describe"):
        openapi_check.check(
            "DELETE",
            "/admin/announcements/a1",
            204,
            {"Content-Type": "application/json"},
            json.dumps({"deleted": True}).encode(),
        )
