"""The OpenAPI document, assembled from one part per feature (``part() -> (paths, schemas)``).

A feature adds a module here; ``build`` finds it by name. Schemas from pydantic models are
generated with ``models_json_schema(..., ref_template=common.REF)``.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

_NOT_PARTS = {"common", "contract"}


def build() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _NOT_PARTS:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        part_paths, part_schemas = module.part()
        for path, operations in part_paths.items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(part_schemas)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Repère API",
            "version": "0.1.0",
            "description": "Where a person in precarity can eat, shower, sleep, get legal aid "
            "or care today. Errors are JSON {code, message, field}.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
    # Imported here: the parts must not see the shared pass (it imports the blueprints).
    from devtools.openapi.contract import apply

    return apply(document)
