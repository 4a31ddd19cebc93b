"""OpenAPI part: admin statistics (report as JSON or CSV, SVG charts). docs/statistics.md."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.domain.stats.models import DepartmentSnapshot
from devtools.openapi.backoffice import AUTH, ERRORS
from devtools.openapi.common import REF, param, ref

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
_NO_STORE = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}


def _svg(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _NO_STORE,
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    }


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the statistics routes."""
    _, definitions = models_json_schema([(DepartmentSnapshot, "serialization")], ref_template=REF)
    schemas: dict[str, Any] = definitions["$defs"]
    # The place sets are kept in the stored row for reports over several days, never served
    # (the report's JSON excludes them): not part of the response's schema.
    schemas["DepartmentSnapshot"]["properties"].pop("place_ids")
    schemas.pop("PlaceIdSets")
    counters = {"type": "object", "additionalProperties": {"type": "integer"}}
    schemas["DepartmentStats"] = {
        "type": "object",
        "required": ["department", "snapshots", "searches", "totals"],
        "properties": {
            "department": {"type": "string"},
            "snapshots": {"type": "array", "items": ref("DepartmentSnapshot")},
            "searches": {
                "type": "array",
                "description": "Search counters per local day: searches, listings, with_text, "
                "zero, cat#<category>, open#<filter>, zero#<category|none>#<q|noq>.",
                "items": {
                    "type": "object",
                    "required": ["day", "counters"],
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "counters": counters,
                    },
                },
            },
            "totals": {
                "type": "object",
                "description": "Sums over the range: searches, listings, with_text, zero, "
                "categories, open_filters, zero_results, and the snapshots' daily activity "
                "(places_updated, team_edits, self_updates, temporary_messages_set, "
                "places_given_temporary_hours, temporary_closures_signalled, submissions, "
                "places_added_from_submissions, submissions_rejected, exports_downloaded, "
                "mails_sent, newsletters_sent, campaign_mails_sent, self_update_link_mails_sent, "
                "decision_mails_sent, confirmation_mails_sent, bounces): distinct-place "
                "figures summed over days are place-days; distinct_places counts each place "
                "once over the range (null when a day kept no place set); and "
                "places_added_by_department (France's rows).",
            },
        },
    }
    schemas["StatsReport"] = {
        "type": "object",
        "required": ["from", "to", "departments"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "departments": {"type": "array", "items": ref("DepartmentStats")},
        },
    }
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
                "responses": {
                    "200": {
                        "description": "The report.",
                        "headers": _NO_STORE,
                        "content": {
                            "application/json": {"schema": ref("StatsReport")},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **range_errors,
                },
            }
        },
        "/admin/stats/charts/open-closed.svg": {
            "get": {
                "summary": "Chart: open / temporarily / permanently closed places, weekly",
                "description": f"{AUTH} One point per ISO week (its last snapshot).",
                "operationId": "getOpenClosedChart",
                "parameters": list(_RANGE),
                "responses": {"200": _svg("An SVG line chart."), **range_errors},
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
                "responses": {"200": _svg("An SVG bar chart."), **range_errors},
            }
        },
    }
    return paths, schemas
