"""Update campaigns (docs/campaigns.md): start one, list them, follow one's progress, end it.

Admins everywhere, territory moderators for campaigns within their departments. A start
needs an ``Idempotency-Key`` header: a retry with the same key (a timeout, a double click)
names the same campaign, carries on its start where it stopped and never mails twice.
"""

from __future__ import annotations

import re

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json
from chalicelib.api.http import reject_query, route
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.composition import services
from chalicelib.domain.errors import InvalidInput, PreconditionRequired

campaigns = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


@route(campaigns, "/admin/campaigns", methods=["GET", "POST"], authorizer=AUTHORIZER)
def campaigns_collection() -> Response:
    """GET: the campaigns the caller may see. POST: start one (one view per path)."""
    from chalicelib.domain.campaigns.models import CampaignRequest

    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    service = services().campaign_service
    if request.method == "GET":
        return private_json(service.list_campaigns(principal).model_dump(mode="json"))
    body = CampaignRequest.model_validate(json_object(request))
    outcome = service.start(principal, body, idempotency_key=_idempotency_key(request))
    return private_json(
        outcome.report.model_dump(mode="json"), status=201 if outcome.created else 200
    )


@route(campaigns, "/admin/campaigns/{campaign_id}", methods=["GET"], authorizer=AUTHORIZER)
def get_campaign(campaign_id: str) -> Response:
    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    report = services().campaign_service.report(principal, checked_id(campaign_id, IdKind.CAMPAIGN))
    return private_json(report.model_dump(mode="json"))


@route(campaigns, "/admin/campaigns/{campaign_id}/end", methods=["POST"], authorizer=AUTHORIZER)
def end_campaign(campaign_id: str) -> Response:
    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    data = json_object(request, optional=True)
    if data:
        name = next(iter(data))
        raise InvalidInput(f"unknown parameter {name!r}", field=name, code="unknown_parameter")
    report = services().campaign_service.end(principal, checked_id(campaign_id, IdKind.CAMPAIGN))
    return private_json(report.model_dump(mode="json"))


def _idempotency_key(request: Request) -> str:
    headers = request.headers
    value = headers.get("idempotency-key") if headers else None
    if value is None or not str(value).strip():
        raise PreconditionRequired(
            "starting a campaign needs an Idempotency-Key header (any unique value, sent again "
            "unchanged when retrying)",
            field="Idempotency-Key",
            code="idempotency_key_required",
        )
    key = str(value).strip()
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(
            "Idempotency-Key must be 8-128 letters, digits, '_', '.', ':' or '-'",
            field="Idempotency-Key",
        )
    return key
