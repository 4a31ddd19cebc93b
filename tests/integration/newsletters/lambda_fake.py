"""A Lambda client whose ``invoke`` runs a handler here, as Lambda would run it there: the
handler's return value is the JSON payload; an exception becomes ``FunctionError:
"Unhandled"`` with Lambda's error document (moto cannot run functions without Docker)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

Handler = Callable[[Any, Any], Any]


class InProcessLambda:
    def __init__(self, functions: dict[str, Handler]) -> None:
        self._functions = functions
        self.invocations: list[tuple[str, str, Any]] = []
        self.throttled = False

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803 - boto3's names
        if self.throttled:
            error = {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
            raise ClientError({"Error": error}, "Invoke")
        handler = self._functions.get(FunctionName)
        if handler is None:
            error = {"Code": "ResourceNotFoundException", "Message": f"{FunctionName} not found"}
            raise ClientError({"Error": error}, "Invoke")
        event = json.loads(Payload)
        self.invocations.append((FunctionName, InvocationType, event))
        try:
            result = handler(event, None)
        except Exception as error:
            document = {"errorMessage": str(error), "errorType": type(error).__name__}
            return _answer(document, function_error="Unhandled")
        return _answer(result)


def _answer(document: Any, function_error: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "StatusCode": 200,
        "ExecutedVersion": "$LATEST",
        "Payload": io.BytesIO(json.dumps(document).encode()),
    }
    if function_error is not None:
        response["FunctionError"] = function_error
    return response
