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
from chalicelib.api.http import Later, reject_query, route
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import to_json
from chalicelib.composition import services
from chalicelib.domain.errors import InvalidInput, PreconditionRequired

campaigns = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
# Named, not imported: the campaign models load with the first campaign request.
REPORT = Later("chalicelib.domain.campaigns.models", "CampaignReport")
LIST = Later("chalicelib.domain.campaigns.models", "CampaignList")
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


@route(campaigns, "/admin/campaigns", methods=["GET"], authorizer=AUTHORIZER, responses={200: LIST})
def list_campaigns() -> Response:
    """The campaigns the caller may see."""
    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    return private_json(to_json(services().campaign_service.list_campaigns(principal)))


@route(
    campaigns,
    "/admin/campaigns",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={201: REPORT, 200: REPORT},
)
def start_campaign() -> Response:
    """Start one (200: already started with this key)."""
    from chalicelib.domain.campaigns.models import CampaignRequest

    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    body = CampaignRequest.model_validate(json_object(request))
    outcome = services().campaign_service.start(
        principal, body, idempotency_key=_idempotency_key(request)
    )
    return private_json(to_json(outcome.report), status=201 if outcome.created else 200)


@route(
    campaigns,
    "/admin/campaigns/{campaign_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: REPORT},
)
def get_campaign(campaign_id: str) -> Response:
    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    report = services().campaign_service.report(principal, checked_id(campaign_id, IdKind.CAMPAIGN))
    return private_json(to_json(report))


@route(
    campaigns,
    "/admin/campaigns/{campaign_id}/end",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: REPORT},
)
def end_campaign(campaign_id: str) -> Response:
    request = campaigns.current_request
    reject_query(request)
    principal = authenticate(request)
    data = json_object(request, optional=True)
    if data:
        name = next(iter(data))
        raise InvalidInput(f"unknown parameter {name!r}", field=name, code="unknown_parameter")
    report = services().campaign_service.end(principal, checked_id(campaign_id, IdKind.CAMPAIGN))
    return private_json(to_json(report))


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
