"""The weekly newsletter run (EventBridge Scheduler, Mondays; docs/newsletters.md), and the
back-office preview's renderer (``preview_handler``, invoked synchronously by the API).

Event: ``{"time": "<scheduled instant>", "detail": {"week": "2026-W48"?, "departments":
[...]?}}``. Without a week, the last complete ISO week before ``time``. The run builds each
department's issue once, then queues one mail message per (confirmed subscriber, issue);
retries (the scheduler's, or by hand with the same week) queue nothing twice and send nothing
twice. Never logged: addresses, tokens. Only issue ids and counts.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.auth import DEPARTMENT_CODE
from chalicelib.domain.errors import InvalidInput, first_problem
from chalicelib.domain.newsletters.models import IssueWeek
from chalicelib.observability import logger
from functions.mail_render import JinjaMailRenderer
from functions.runtime import services, worker

SERVICE = "repere-newsletters"


class RunDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week: str | None = Field(default=None, pattern=r"^[0-9]{4}-W[0-9]{2}$")
    departments: list[str] | None = Field(default=None, max_length=120)


class RunEvent(BaseModel):
    # Scheduler events may carry more keys (id, source...): only these are read.
    model_config = ConfigDict(extra="ignore")

    time: datetime | None = None
    detail: RunDetail = Field(default_factory=RunDetail)


@worker(SERVICE, event=RunEvent)
def handler(parsed: RunEvent, context: Any) -> dict[str, Any]:
    del context
    at = parsed.time or services().clock.now()
    week = IssueWeek.parse(parsed.detail.week) if parsed.detail.week else IssueWeek.before(at)
    departments = parsed.detail.departments
    if departments is not None:
        for code in departments:
            if not DEPARTMENT_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not a department code")
    report = services().newsletter_run.run(week, departments)
    for issue in report.issues:
        logger.info("newsletter_issue", extra=issue.model_dump())
    result: dict[str, Any] = report.model_dump()
    result["queued"] = report.queued
    return result


class PreviewEvent(BaseModel):
    """What the API sends (chalicelib/adapters/aws_lambda/preview.py)."""

    model_config = ConfigDict(extra="forbid")

    department: str = Field(pattern=DEPARTMENT_CODE.pattern)
    week: str = Field(pattern=r"^[0-9]{4}-W[0-9]{2}$")
    language: Literal["fr", "en"] = "fr"


@cache
def _renderer() -> JinjaMailRenderer:
    # Templates are compiled once per container, then cached by Jinja2.
    return JinjaMailRenderer()


def _refused_preview(error: Exception) -> dict[str, Any]:
    if isinstance(error, ValidationError):
        first = first_problem(error)
        field = first.path or None
        return _refusal("invalid_parameter", f"{field}: {first.raw_message}", field)
    raise error


@worker(SERVICE, event=PreviewEvent, refuse=_refused_preview)
def preview_handler(parsed: PreviewEvent, context: Any) -> dict[str, Any]:
    """``{"department", "week", "language"}`` → ``{"subject", "text", "html", "digest"}``, the
    mail the weekly run would send for that issue (no unsubscription link: it is per
    recipient). An event it refuses → ``{"error": {"code", "message", "field"}}`` (the API
    validated it first; an operator's ``aws lambda invoke`` may not have)."""
    del context
    try:
        week = IssueWeek.parse(parsed.week)
    except InvalidInput as error:
        return _refusal(error.code, error.message, error.field)
    previewer = services().rendering_previewer(_renderer())
    result = previewer.preview(parsed.department, week, parsed.language)
    logger.info("newsletter_preview", extra={"department": parsed.department, "week": week.label})
    answer: dict[str, Any] = result.model_dump(mode="json")
    return answer


def _refusal(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}
