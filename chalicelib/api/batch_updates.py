"""Back-office batch update over HTTP: ``POST /admin/batch-updates``, and its status at
``GET /admin/batch-updates/{idempotency_key}``.

The same ``BatchUpdateService`` as the ``batch_update`` Lambda function (functions/), with the
caller's identity from its token. API Gateway gives a request 29 seconds, so over HTTP a
batch selects at most REPERE_BATCH_HTTP_MAX_PLACES places (1,000 by default; larger ones go
through the function). Backpressure: a batch applying more than
REPERE_BATCH_HTTP_SYNC_MAX_PLACES places (100) is planned in the request, then answered
``202 Accepted`` with its status URL (``Location``) while the batch worker applies it; the
report is read there (``complete: true`` when done). Dry runs and small batches answer 200
with the report, as before. A request cut short anyway (a timeout) is resumed by sending it
again with the same idempotency key.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json
from chalicelib.api.http import Later, reject_query, route
from chalicelib.api.responses import to_json
from chalicelib.composition import services
from chalicelib.config import get_settings

batch_updates = Blueprint(__name__)

# Named, not imported: the batch models stay out of public requests' cold starts.
REPORT = Later("chalicelib.domain.batch.models", "BatchReport")
ACCEPTED = Later("chalicelib.api.responses_backoffice", "BatchAccepted")


@route(
    batch_updates,
    "/admin/batch-updates",
    methods=["POST"],
    authorizer=admin_authorizer(),
    responses={200: REPORT, 202: ACCEPTED},
)
def run_batch_update() -> Response:
    request = batch_updates.current_request
    reject_query(request)
    principal = authenticate(request)
    # Imported here: the batch models pull in the editing models, which public requests'
    # cold starts should not pay for.
    from chalicelib.domain.batch.models import BatchRequest

    batch = BatchRequest.model_validate(json_object(request))
    settings = get_settings()
    queue = services().adapters.batch_queue
    report = services().batch_update_service.run(
        principal,
        batch,
        max_places=settings.batch_http_max_places,
        defer_over=settings.batch_http_sync_max_places if queue is not None else None,
    )
    if queue is None or report.complete or batch.idempotency_key is None:
        return private_json(to_json(report))
    # Planned and recorded, not applied: the worker goes on from the ledger (a resumed
    # request that stopped half-way lands here too, and the worker finishes it).
    queue.send(principal, batch)
    location = f"/admin/batch-updates/{batch.idempotency_key}"
    from chalicelib.api.responses_backoffice import BatchAccepted

    accepted = BatchAccepted(status_url=location, report=report)
    response = private_json(to_json(accepted), status=202)
    response.headers["Location"] = location
    return response


@route(
    batch_updates,
    "/admin/batch-updates/{idempotency_key}",
    methods=["GET"],
    authorizer=admin_authorizer(),
    responses={200: REPORT},
)
def batch_update_status(idempotency_key: str) -> Response:
    request = batch_updates.current_request
    reject_query(request)
    principal = authenticate(request)
    report = services().batch_update_service.status(principal, idempotency_key)
    return private_json(to_json(report))
