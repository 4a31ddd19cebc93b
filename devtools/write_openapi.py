"""Write the OpenAPI 3.1 document (built by devtools/openapi/) to chalicelib/data/openapi.json,
served at GET /openapi.json. `make openapi` runs it; a test fails when the committed file
differs from what this builds, or when a route is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devtools.openapi import build as build_document

OUTPUT = Path(__file__).resolve().parents[1] / "chalicelib" / "data" / "openapi.json"


def build() -> dict[str, Any]:
    return build_document()


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
