"""OpenAPI part: update campaigns (docs/campaigns.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.domain.campaigns.models import CampaignRequest
from devtools.openapi.common import error, param, prefixed_schemas, private_response

PREFIX = "Campaigns"
_REF = "#/components/schemas/" + PREFIX + "{model}"

AUTH = (
    "Admins anywhere; territory moderators for campaigns whose departments are all theirs. "
    "Needs `Authorization: Bearer <token>` (docs/backoffice.md)."
)
CAMPAIGN_ID = param("campaign_id", {"type": "string"}, "Campaign id.", where="path", required=True)
IDEMPOTENCY_KEY = param(
    "Idempotency-Key",
    {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"},
    "Chosen by the client and sent again unchanged when retrying: the same key names the "
    "same campaign, whose start carries on without mailing anyone twice.",
    where="header",
    required=True,
)
ERRORS: dict[str, Any] = {
    "400": error("Invalid body, parameter or header."),
    "401": error("Missing, malformed, wrongly signed or expired back-office token."),
    "403": error("The caller's role or territory does not allow this."),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(CampaignRequest, "validation")]
    schemas, n = prefixed_schemas(models, PREFIX)
    report = private_response(
        "The campaign and its progress overall and per department: to do, confirmed "
        "unchanged, updated, by channel, percentage done, mailed, without e-mail.",
    )
    paths: dict[str, Any] = {
        "/admin/campaigns": {
            "get": {
                "summary": "Update campaigns the caller may see, newest first",
                "operationId": "listCampaigns",
                "description": AUTH,
                "responses": {"200": private_response("The campaigns."), **ERRORS},
            },
            "post": {
                "summary": "Start an update campaign",
                "operationId": "startCampaign",
                "description": 'Every online place of the departments becomes a target "to '
                'do", gets a signed self-update link, and one e-mail (`self_update_link`, '
                "id `campaign:<id>:<place>`) when it has a public e-mail address. Large "
                "campaigns are finished by the campaigns worker (status `starting` until "
                "then). " + AUTH,
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(n["CampaignRequest"])}},
                },
                "responses": {
                    "201": {**report, "description": "Started."},
                    "200": {**report, "description": "Already started with this key."},
                    **ERRORS,
                    "409": error(
                        "The key was used for another campaign (`idempotency_key_reused`), or "
                        "a department is in a campaign still running (`campaign_overlap`)."
                    ),
                    "428": error("Idempotency-Key is missing."),
                },
            },
        },
        "/admin/campaigns/{campaign_id}": {
            "get": {
                "summary": "An update campaign's progress",
                "operationId": "getCampaign",
                "description": "Live figures while it runs, frozen ones once ended. " + AUTH,
                "parameters": [CAMPAIGN_ID],
                "responses": {
                    "200": report,
                    **ERRORS,
                    "404": error("No such campaign."),
                },
            }
        },
        "/admin/campaigns/{campaign_id}/end": {
            "post": {
                "summary": "End an update campaign, freezing its figures",
                "operationId": "endCampaign",
                "description": "Idempotent: ending an ended campaign answers its frozen "
                "figures. " + AUTH,
                "parameters": [CAMPAIGN_ID],
                "responses": {
                    "200": report,
                    **ERRORS,
                    "404": error("No such campaign."),
                    "409": error("The campaign is still starting (`campaign_starting`)."),
                },
            }
        },
    }
    return paths, schemas
