"""OpenAPI part: admin statistics (report as JSON or CSV, SVG charts). docs/statistics.md."""

from __future__ import annotations

from typing import Any

from devtools.openapi.backoffice import AUTH, ERRORS
from devtools.openapi.common import param, private_response

_DEPARTMENT = {
    "type": "string",
    "pattern": r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6]|all|unknown)$",
}
_RANGE = [
    param("from", {"type": "string", "format": "date"}, "First local day (default: 'to' - 29)."),
    param("to", {"type": "string", "format": "date"}, "Last local day (default: today, Paris)."),
    param(
        "department",
        _DEPARTMENT,
        "A department, `all` (France; admins only) or `unknown` (searches around a point "
        "that found nothing). Default: France for admins, each of a moderator's departments.",
    ),
]


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the statistics routes: the bodies are the routes' (the report's
    model, CSV and SVG media types)."""
    range_errors = {
        **ERRORS,
        "400": ERRORS["400"] | {"description": "Bad date, from after to, range too long."},
    }
    paths: dict[str, Any] = {
        "/admin/stats": {
            "get": {
                "summary": "Statistics: daily snapshots and search counters over a range",
                "description": f"{AUTH} Admins and territory moderators (their departments). "
                "CSV with `format=csv` or `Accept: text/csv` (one row per department and day; "
                "cells that a spreadsheet would read as formulas are neutralised).",
                "operationId": "getStats",
                "parameters": [
                    *_RANGE,
                    param(
                        "format",
                        {"type": "string", "enum": ["json", "csv"]},
                        "Response format (default JSON, or CSV when Accept asks for it).",
                    ),
                ],
                "responses": {"200": private_response("The report."), **range_errors},
            }
        },
        "/admin/stats/charts/open-closed.svg": {
            "get": {
                "summary": "Chart: open / temporarily / permanently closed places, weekly",
                "description": f"{AUTH} One point per ISO week (its last snapshot).",
                "operationId": "getOpenClosedChart",
                "parameters": list(_RANGE),
                "responses": {"200": private_response("An SVG line chart."), **range_errors},
            }
        },
        "/admin/stats/charts/top-categories.svg": {
            "get": {
                "summary": "Chart: the most searched categories",
                "description": f"{AUTH} Categories as asked in searches, French labels.",
                "operationId": "getTopCategoriesChart",
                "parameters": [
                    *_RANGE,
                    param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                        "How many categories.",
                    ),
                ],
                "responses": {"200": private_response("An SVG bar chart."), **range_errors},
            }
        },
    }
    return paths, {}
