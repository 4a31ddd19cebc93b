"""Admin statistics: the report (JSON or CSV) and its SVG charts (docs/statistics.md).

Admins see any department or France (``all``, the default); territory moderators their own
departments. Responses are never cached (back-office data). The chart routes load pygal on
first use only (chalicelib/domain/stats/charts.py).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from chalice.app import Blueprint, Request, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import private_json
from chalicelib.api.http import Later, parse_query, route
from chalicelib.api.params import Params
from chalicelib.api.responses import to_json
from chalicelib.composition import services

stats = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
REPORT = Later("chalicelib.api.responses_backoffice", "StatsReport")
SVG = "image/svg+xml"
STATS_DEPARTMENT = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6]|all|unknown)$"


class StatsParams(Params):
    first: date | None = Field(
        default=None, alias="from", description="First local day (default: 'to' - 29)."
    )
    last: date | None = Field(
        default=None, alias="to", description="Last local day (default: today, Paris)."
    )
    department: str | None = Field(
        default=None,
        pattern=STATS_DEPARTMENT,
        description="A department, `all` (France; admins only) or `unknown` (searches around a "
        "point that found nothing). Default: France for admins, each of a moderator's "
        "departments.",
    )


class ReportParams(StatsParams):
    format: Literal["json", "csv"] | None = Field(
        default=None,
        description="Response format (default JSON, or CSV when Accept asks for it).",
    )


class TopCategoriesParams(StatsParams):
    limit: int = Field(default=10, ge=1, le=50, description="How many categories.")


def _wants_csv(request: Request, params: ReportParams) -> bool:
    if params.format is not None:
        return params.format == "csv"
    headers = request.headers
    accept = str(headers.get("accept") or "") if headers else ""
    return "text/csv" in accept.lower()


def _no_store(body: str, content_type: str, filename: str | None = None) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Cache-Control": "no-store",
    }
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body=body, status_code=200, headers=headers)


@route(
    stats,
    "/admin/stats",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=ReportParams,
    responses={200: REPORT},
    media={200: "text/csv"},
)
def stats_report() -> Response:
    request = stats.current_request
    principal = authenticate(request)
    params = parse_query(request, ReportParams)
    report = services().stats_service.report(
        principal, params.department, params.first, params.last
    )
    if _wants_csv(request, params):
        name = f"repere-stats-{report.first.isoformat()}-{report.last.isoformat()}.csv"
        return _no_store(report.as_csv(), "text/csv; charset=utf-8", name)
    from chalicelib.api.responses_backoffice import stats_report

    return private_json(to_json(stats_report(report)))


@route(
    stats,
    "/admin/stats/charts/open-closed.svg",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=StatsParams,
    media={200: SVG},
)
def open_closed_chart() -> Response:
    request = stats.current_request
    principal = authenticate(request)
    params = parse_query(request, StatsParams)
    svg = services().stats_service.open_closed_chart(
        principal, params.department, params.first, params.last
    )
    return _no_store(svg, f"{SVG}; charset=utf-8")


@route(
    stats,
    "/admin/stats/charts/top-categories.svg",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=TopCategoriesParams,
    media={200: SVG},
)
def top_categories_chart() -> Response:
    request = stats.current_request
    principal = authenticate(request)
    params = parse_query(request, TopCategoriesParams)
    svg = services().stats_service.top_categories_chart(
        principal, params.department, params.first, params.last, params.limit
    )
    return _no_store(svg, f"{SVG}; charset=utf-8")
