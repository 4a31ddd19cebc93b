"""Repère API: the Chalice application. Routes live in chalicelib/api/ blueprints."""

from __future__ import annotations

import time
from collections.abc import Callable

from chalice.app import Chalice, Request, Response

from chalicelib.api.public import public
from chalicelib.observability import logger

app = Chalice(app_name="repere")
app.register_blueprint(public)


@app.middleware("http")
def log_requests(event: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    context = event.context or {}
    logger.append_keys(request_id=context.get("requestId"))
    response = get_response(event)
    logger.info(
        "request",
        extra={
            "method": event.method,
            "path": event.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response
