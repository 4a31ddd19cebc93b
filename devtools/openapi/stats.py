"""OpenAPI part: admin statistics (report as JSON or CSV, SVG charts). docs/statistics.md."""

from __future__ import annotations

from typing import Any

from devtools.openapi.backoffice import AUTH, ERRORS
from devtools.openapi.common import private_response

# The query parameters are the routes' models' (chalicelib/api/stats.py), with their wording.


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
                "responses": {"200": private_response("The report."), **range_errors},
            }
        },
        "/admin/stats/charts/open-closed.svg": {
            "get": {
                "summary": "Chart: open / temporarily / permanently closed places, weekly",
                "description": f"{AUTH} One point per ISO week (its last snapshot).",
                "operationId": "getOpenClosedChart",
                "responses": {"200": private_response("An SVG line chart."), **range_errors},
            }
        },
        "/admin/stats/charts/top-categories.svg": {
            "get": {
                "summary": "Chart: the most searched categories",
                "description": f"{AUTH} Categories as asked in searches, French labels.",
                "operationId": "getTopCategoriesChart",
                "responses": {"200": private_response("An SVG bar chart."), **range_errors},
            }
        },
    }
    return paths, {}
