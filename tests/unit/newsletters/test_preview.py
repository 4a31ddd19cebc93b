"""The preview's Lambda adapter (answers it accepts and refuses) and the preview worker's
event validation. The worker's rendering through the API: tests/integration/newsletters/
test_preview_worker.py."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chalicelib.adapters.aws_lambda.preview import LambdaPreviewer
from chalicelib.domain.errors import InvalidInput, Unavailable
from chalicelib.domain.newsletters.models import IssueWeek
from functions.newsletters import preview_handler

WEEK = IssueWeek.parse("2026-W47")


class CannedLambda:
    """Answers every invocation with ``payload`` (and ``FunctionError`` when given)."""

    def __init__(self, payload: bytes, function_error: str | None = None) -> None:
        self._payload = payload
        self._function_error = function_error

    def invoke(self, **request: Any) -> dict[str, Any]:
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(self._payload)}
        if self._function_error:
            response["FunctionError"] = self._function_error
        return response


def _preview(payload: bytes, function_error: str | None = None) -> Any:
    previewer = LambdaPreviewer(CannedLambda(payload, function_error), "repere-test-preview")
    return previewer.preview("75", WEEK, "fr")


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"null", b'{"subject": "only a subject"}', b"[]", b'{"error": "flat"}'],
)
def test_an_answer_that_is_not_a_preview_is_unavailable(payload: bytes) -> None:
    with pytest.raises(Unavailable) as raised:
        _preview(payload)
    assert raised.value.code == "preview_unavailable"


def test_a_function_error_is_unavailable_whatever_the_payload() -> None:
    document = json.dumps({"errorMessage": "boom", "errorType": "RuntimeError"}).encode()
    with pytest.raises(Unavailable):
        _preview(document, function_error="Unhandled")


def test_a_refusal_of_the_worker_is_the_callers_invalid_input() -> None:
    refusal = {"error": {"code": "invalid_parameter", "message": "week: bad", "field": "week"}}
    with pytest.raises(InvalidInput) as raised:
        _preview(json.dumps(refusal).encode())
    assert (raised.value.code, raised.value.field) == ("invalid_parameter", "week")


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"department": "99", "week": "2026-W47"}, "department"),
        ({"department": "75", "week": "2026-W99"}, "week"),
        ({"department": "75", "week": "next week"}, "week"),
        ({"department": "75", "week": "2026-W47", "language": "de"}, "language"),
        ({"department": "75", "week": "2026-W47", "to": "x@example.org"}, "to"),
        ({"week": "2026-W47"}, "department"),
    ],
)
def test_the_worker_refuses_a_bad_event_with_an_error_payload(
    event: dict[str, Any], field: str
) -> None:
    answer = preview_handler(event, None)
    assert set(answer) == {"error"}
    assert answer["error"]["field"] == field
    assert answer["error"]["code"] in ("invalid_parameter", "invalid_input")


def test_the_worker_refuses_an_event_that_is_not_an_object() -> None:
    assert set(preview_handler(["75"], None)) == {"error"}
