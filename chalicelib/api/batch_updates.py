"""Back-office batch update over HTTP: ``POST /admin/batch-updates``.

The same ``BatchUpdateService`` as the ``batch_update`` Lambda function (functions/), with the
caller's identity from its token. API Gateway gives a request 29 seconds, so over HTTP a
batch selects at most REPERE_BATCH_HTTP_MAX_PLACES places (1,000 by default; larger ones go
through the function). A request cut short anyway (a timeout) is resumed by sending it again
with the same idempotency key.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json
from chalicelib.api.http import reject_query, route
from chalicelib.config import get_settings

batch_updates = Blueprint(__name__)


@route(batch_updates, "/admin/batch-updates", methods=["POST"], authorizer=admin_authorizer())
def run_batch_update() -> Response:
    request = batch_updates.current_request
    reject_query(request)
    principal = authenticate(request)
    # Imported here: the batch models pull in the editing models, which public requests'
    # cold starts should not pay for.
    from chalicelib.domain.batch.models import BatchRequest

    batch = BatchRequest.model_validate(json_object(request))
    report = wiring.batch_update_service().run(
        principal, batch, max_places=get_settings().batch_http_max_places
    )
    return private_json(report.model_dump(mode="json"))
