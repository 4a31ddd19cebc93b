"""Logging and metrics, configured once (Powertools). Structured keys, never message formatting
of request data: the query string, headers and bodies are not logged (they may hold tokens or
a submitter's contact).

One logger for the whole process: the API's routes and ``chalicelib`` log through it, and so do
the workers, whose runtime (functions/runtime.py) puts their own service name on it for the time
of an invocation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model

logger = Logger(service="repere-api")

_cold_start = True


def bind_request(lambda_context: Any, api_request_id: str | None) -> None:
    """What Powertools' ``inject_lambda_context`` gives a worker, for one API request (Chalice
    calls the handler itself, so the decorator cannot wrap it): the function's name, ARN,
    memory and request id, the cold start, and a correlation id. The correlation id is API
    Gateway's request id, the ``requestId`` of the access log (infra/api.py), so a request's
    access line and its application lines are found together; without one (chalice local),
    Lambda's request id. No header sets it: a client could then name other requests' lines."""
    global _cold_start  # noqa: PLW0603 - once per container, as Powertools counts it
    if lambda_context is not None:
        logger.append_keys(
            cold_start=_cold_start, **build_lambda_context_model(lambda_context).__dict__
        )
    _cold_start = False
    logger.set_correlation_id(api_request_id or getattr(lambda_context, "aws_request_id", None))
