"""Validate the request bodies our OpenSearch adapter sends against the official API spec.

The YAML files under ``spec/`` are copied unchanged from opensearch-api-specification (see
SOURCE.txt and LICENSE.txt beside this module). They are loaded once per process, and two
adjustments are applied in memory (the GUIDE's, see docs/opensearch.md):

1. ``oneOf`` becomes ``anyOf`` everywhere: several published unions overlap (a ``term`` value
   that is both a string and a FieldValue, a ``range`` that is both a number and a date range),
   so a valid body matches two branches and ``oneOf`` would reject it;
2. ``additionalProperties: false`` on ``QueryContainer`` and on ``SearchRequestBody``: as
   published they accept any unknown key, so ``{"query": {"terms_typo": ...}}`` would pass.

(``unevaluatedProperties: true``, which accepts anything, is also dropped: a no-op that costs
jsonschema seconds per nested aggregation.)

``$ref`` between the YAML files is resolved with ``referencing`` (JSON Schema 2020-12, the
dialect of OpenAPI 3.1).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parent / "spec"
_BASE = "https://opensearch-api-spec.invalid/"

# Request bodies we send: (file, JSON pointer of the schema inside that file).
BODIES: dict[str, tuple[str, str]] = {
    "search": (
        "namespaces/_core.yaml",
        "/components/requestBodies/search/content/application~1json/schema",
    ),
    "aggregation": (
        "schemas/_common.aggregations.yaml",
        "/components/schemas/AggregationContainer",
    ),
    "bulk_action": ("schemas/_core.bulk.yaml", "/components/schemas/OperationContainer"),
    "indices.create": (
        "namespaces/indices.yaml",
        "/components/requestBodies/indices.create/content/application~1json/schema",
    ),
    "indices.update_aliases": (
        "namespaces/indices.yaml",
        "/components/requestBodies/indices.update_aliases/content/application~1json/schema",
    ),
    "indices.put_settings": (
        "namespaces/indices.yaml",
        "/components/requestBodies/indices.put_settings/content/application~1json/schema",
    ),
}


class SpecViolation(AssertionError):
    """A body the adapter emits that the OpenSearch API spec does not accept."""


def _adjust(node: Any) -> Any:
    if isinstance(node, dict):
        adjusted = {
            ("anyOf" if key == "oneOf" else key): _adjust(value)
            for key, value in node.items()
            # "unevaluatedProperties: true" accepts everything, but jsonschema still works out
            # which properties were evaluated (re-validating siblings): dropping it changes
            # nothing but the time (seconds per nested aggregation).
            if not (key == "unevaluatedProperties" and value is True)
        }
        if "oneOf" in node and "anyOf" in node:
            raise ValueError("a schema with both oneOf and anyOf: adjust by hand")
        if adjusted.get("title") == "SearchRequestBody":
            adjusted["additionalProperties"] = False
        return adjusted
    if isinstance(node, list):
        return [_adjust(item) for item in node]
    return node


@cache
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(SPEC_DIR.rglob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            document = _adjust(yaml.load(handle, Loader=yaml.CSafeLoader))
        relative = path.relative_to(SPEC_DIR).as_posix()
        if relative == "schemas/_common.query_dsl.yaml":
            document["components"]["schemas"]["QueryContainer"]["additionalProperties"] = False
        resources.append((_BASE + relative, DRAFT202012.create_resource(document)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry.crawl()


@cache
def _validator(kind: str) -> Draft202012Validator:
    file, pointer = BODIES[kind]
    schema = {"$ref": f"{_BASE}{file}#{pointer}"}
    return Draft202012Validator(schema, registry=_registry())


def validate(kind: str, body: Any) -> None:
    """Raise ``SpecViolation`` when ``body`` is not a valid ``kind`` request body.

    Nested aggregations are checked one level at a time against ``AggregationContainer`` (the
    schema they refer to): several branches of that union recurse into ``aggs``, so checking a
    three-level tree in one go costs seconds; level by level, milliseconds, same verdict.
    """
    if kind in ("search", "aggregation") and isinstance(body, dict):
        key = "aggs" if "aggs" in body else "aggregations"
        nested = body.get(key)
        if isinstance(nested, dict) and nested:
            for child in nested.values():
                validate("aggregation", child)
            body = {**body, key: {name: _leaf(child) for name, child in nested.items()}}
    error: ValidationError | None = best_match(_validator(kind).iter_errors(body))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise SpecViolation(
            f"{kind} body rejected by the OpenSearch API spec at {where}: {error.message}\n"
            f"body: {json.dumps(body)[:2000]}"
        )


def is_valid(kind: str, body: Any) -> bool:
    try:
        validate(kind, body)
    except SpecViolation:
        return False
    return True


def _leaf(container: Any) -> Any:
    """An aggregation container without its sub-aggregations (checked on their own)."""
    if isinstance(container, dict):
        return {
            key: value for key, value in container.items() if key not in ("aggs", "aggregations")
        }
    return container
