"""OpenAPI part: signed self-update links (docs/selfupdate.md).

Schemas are prefixed ``SelfUpdate`` so that models shared with other parts (``WeeklyHours``,
``Contacts``...) never overwrite their schemas.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.api.selfupdate import ConfirmBody
from chalicelib.domain.selfupdate.models import IssueLinkBody, SelfUpdateChange
from devtools.openapi.common import error, param, prefixed_schemas, private_response

PREFIX = "SelfUpdate"
_REF = "#/components/schemas/" + PREFIX + "{model}"

ADMIN_AUTH = (
    "Admins and territory moderators (their departments). Needs `Authorization: Bearer "
    "<token>` (docs/backoffice.md)."
)
LINK_AUTH = (
    "Needs `Authorization: Bearer <link token>`: the token of the self-update link (the "
    "fragment `#token=...` of the link's URL). Never in the path or the query string."
)
PLACE_ID = param("place_id", {"type": "string"}, "Place id.", where="path", required=True)
IF_MATCH = param(
    "If-Match",
    {"type": "string", "examples": ['"3"']},
    "The ETag of the version this write is based on (required).",
    where="header",
    required=True,
)
ADMIN_ERRORS: dict[str, Any] = {
    "400": error("Invalid body or parameter."),
    "401": error("Missing, malformed, wrongly signed or expired back-office token."),
    "403": error("The caller's role or territory does not allow this."),
    "404": error("No such place."),
}
LINK_ERRORS: dict[str, Any] = {
    "400": error("Invalid body, parameter or header."),
    "401": error("The link is not valid (the same answer whatever is wrong with it)."),
    "410": error("The link expired or was revoked: the message says how to get a new one."),
}
WRITE_ERRORS: dict[str, Any] = {
    **LINK_ERRORS,
    "403": error("The body names another place than the link's."),
    "409": error("The version in If-Match is not the current one (body: current_version)."),
    "428": error("If-Match is missing."),
    "429": error("Too many changes with this link in the hour."),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _body(name: str, description: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "description": description,
        "content": {"application/json": {"schema": _ref(name)}},
    }


def _schemas() -> tuple[dict[str, Any], dict[str, str]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (SelfUpdateChange, "validation"),
        (ConfirmBody, "validation"),
        (IssueLinkBody, "validation"),
    ]
    schemas, names = prefixed_schemas(models, PREFIX)
    return schemas, names


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    schemas, n = _schemas()
    view = private_response("The editable subset of the place.", etag=True)
    paths: dict[str, Any] = {
        "/admin/places/{place_id}/update-links": {
            "post": {
                "summary": "Issue a signed self-update link for a place",
                "operationId": "issueSelfUpdateLink",
                "description": "The URL opens the website's self-update page with the token in "
                'its fragment. Valid 30 days unless revoked. With `{"send": true}` the link '
                "is also queued for e-mail to the place's public address (422 `no_email` when "
                "it has none). " + ADMIN_AUTH,
                "parameters": [PLACE_ID],
                "requestBody": _body(
                    n["IssueLinkBody"], "Whether to e-mail the link.", required=False
                ),
                "responses": {
                    "201": private_response("The link."),
                    **ADMIN_ERRORS,
                    "422": error("The place has no public e-mail address (`send`)."),
                },
            }
        },
        "/admin/places/{place_id}/update-links/revoke": {
            "post": {
                "summary": "Revoke every self-update link issued so far for a place",
                "operationId": "revokeSelfUpdateLinks",
                "description": ADMIN_AUTH,
                "parameters": [PLACE_ID],
                "responses": {"200": private_response("Revoked."), **ADMIN_ERRORS},
            }
        },
        "/self-update": {
            "get": {
                "summary": "The editable subset of the link's place and the sections to check",
                "operationId": "getSelfUpdate",
                "description": "`sections`: what the link asks the structure to check, in page "
                "order (hours, temporary_info, contacts, description, services) — the sections "
                "of the campaign that sent the link, or every section for a link issued "
                "outside any campaign — each with the public fields it covers and their "
                "current values. " + LINK_AUTH,
                "responses": {"200": view, **LINK_ERRORS},
            },
            "patch": {
                "summary": "Change hours, temporary closure/hours/message, contacts, "
                "description or services' closures",
                "operationId": "patchSelfUpdate",
                "description": "Applied with the version check; history channel self-update "
                "(the entry records the link's sections); verified_at moves to now. Only "
                "fields of the link's sections may change: changing another is a 400 "
                "`outside_sections` naming the field (one sent back with its current value is "
                "no change). " + LINK_AUTH,
                "parameters": [IF_MATCH],
                "requestBody": _body(n["SelfUpdateChange"], "The fields to change."),
                "responses": {
                    "200": view,
                    **WRITE_ERRORS,
                    "400": error(
                        "Invalid body, parameter or header; or a change to a field outside "
                        "the link's sections (`outside_sections`, `field` names it)."
                    ),
                },
            },
        },
        "/self-update/confirm": {
            "post": {
                "summary": "Confirm in one click that nothing changed",
                "operationId": "confirmSelfUpdate",
                "description": "verified_at moves to now; a history entry (action verified) is "
                "written, recording the sections confirmed (the link's `sections`). " + LINK_AUTH,
                "parameters": [IF_MATCH],
                "requestBody": _body(n["ConfirmBody"], "Optional.", required=False),
                "responses": {"200": view, **WRITE_ERRORS},
            }
        },
    }
    return paths, schemas
