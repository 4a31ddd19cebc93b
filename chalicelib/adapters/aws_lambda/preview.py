"""The newsletter preview rendered by the ``newsletter-preview`` worker (docs/newsletters.md,
"Preview"): one synchronous ``Invoke`` (RequestResponse) with ``{"department", "week",
"language"}``; the worker answers ``{"subject", "text", "html", "digest"}`` or, for an event it
refuses, ``{"error": {"code", "message", "field"}}``.

A failed invocation (throttled, timed out, the function crashed: ``FunctionError``) or an
answer that is not a preview becomes ``Unavailable`` (503 ``preview_unavailable``), never a
bare 500. Nothing private travels: the digest is public place data.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from chalicelib.domain.errors import InvalidInput, Unavailable
from chalicelib.domain.newsletters.models import IssueWeek, Language
from chalicelib.domain.newsletters.preview import NewsletterPreview
from chalicelib.observability import logger

UNAVAILABLE = "preview_unavailable"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's limit for a synchronous response: more cannot come from a real worker."""


class LambdaPreviewer:
    """``Previewer`` over ``lambda:InvokeFunction`` of one function (a boto3 Lambda client)."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def preview(self, department: str, week: IssueWeek, language: Language) -> NewsletterPreview:
        event = {"department": department, "week": week.label, "language": language}
        try:
            response = self._client.invoke(
                FunctionName=self._function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(event).encode(),
            )
            raw = response["Payload"].read(MAX_PAYLOAD_BYTES + 1)
        except (BotoCoreError, ClientError) as error:
            logger.warning("preview_invoke_failed", extra={"error": type(error).__name__})
            raise _unavailable() from error
        if response.get("FunctionError"):
            # The worker's own log holds the traceback; here only its kind.
            logger.warning("preview_function_error", extra={"kind": response["FunctionError"]})
            raise _unavailable()
        return _answer(raw)


def _answer(raw: bytes) -> NewsletterPreview:
    try:
        payload = json.loads(raw) if len(raw) <= MAX_PAYLOAD_BYTES else None
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        refused = payload["error"]
        # The API validated the same fields first: a refusal is a contract drift, still the
        # caller's input, said with the worker's words.
        raise InvalidInput(
            str(refused.get("message") or "the preview worker refused the request"),
            field=refused.get("field") if isinstance(refused.get("field"), str) else None,
            code=str(refused.get("code") or "invalid_input"),
        )
    try:
        return NewsletterPreview.model_validate(payload)
    except ValidationError:
        logger.warning("preview_malformed_answer", extra={"bytes": len(raw)})
        raise _unavailable() from None


def _unavailable() -> Unavailable:
    return Unavailable(
        "the newsletter preview cannot be rendered right now; try again in a moment",
        code=UNAVAILABLE,
    )
