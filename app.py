"""Repère API: the Chalice application. Routes live in chalicelib/api/ blueprints."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from chalice.app import Chalice, Request, Response

from chalicelib.api.admin_places import admin_places
from chalicelib.api.announcements import announcements
from chalicelib.api.batch_updates import batch_updates
from chalicelib.api.campaigns import campaigns
from chalicelib.api.errors import in_our_envelope
from chalicelib.api.exports import exports
from chalicelib.api.imports import imports
from chalicelib.api.newsletters import newsletters
from chalicelib.api.partners import partners
from chalicelib.api.public import public
from chalicelib.api.selfupdate import selfupdate
from chalicelib.api.stats import stats
from chalicelib.api.submissions import submissions
from chalicelib.api.translations import translations
from chalicelib.observability import bind_request, logger

app = Chalice(app_name="repere")
app.register_blueprint(public)
app.register_blueprint(exports)
app.register_blueprint(admin_places)
app.register_blueprint(batch_updates)
app.register_blueprint(announcements)
app.register_blueprint(submissions)
app.register_blueprint(selfupdate)
app.register_blueprint(newsletters)
app.register_blueprint(stats)
app.register_blueprint(campaigns)
app.register_blueprint(partners)
app.register_blueprint(imports)
app.register_blueprint(translations)


@app.middleware("http")
def log_requests(event: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    bind_request(app.lambda_context, (event.context or {}).get("requestId"))
    response = in_our_envelope(get_response(event))
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


# Everything loaded by now lives as long as the container: frozen out of the collector's
# generations, so the collections a request triggers do not walk it again and again.
gc.freeze()
