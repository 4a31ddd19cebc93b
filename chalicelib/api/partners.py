"""Data out for partners: the change feed (``GET /changes``, docs/changes.md) and the admins'
partner keys (``/admin/api-keys``, docs/partners.md). Thin handlers only."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json
from chalicelib.api.http import header, parse_query, reject_query, route
from chalicelib.api.params import DEPARTMENT_PATTERN, Cursor, Params
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.composition import services
from chalicelib.domain.changes.models import ChangePage
from chalicelib.domain.partners.models import IssuedKey, KeyRequest, KeyView, Scope

partners = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
API_KEY_HEADER = "x-api-key"


def presented_key(request: Request) -> str | None:
    """The partner key of the request (API Gateway's header), or None."""
    return header(request, API_KEY_HEADER)


class ChangesParams(Params):
    department: str | None = Field(
        default=None, pattern=DEPARTMENT_PATTERN, description="Omit for France's feed."
    )
    since: Cursor | None = Field(
        default=None,
        description="next_cursor of the previous page; omit to start with a snapshot.",
    )
    limit: int = Field(default=100, ge=1, le=500)


class KeyListParams(Params):
    include_revoked: bool = Field(default=False, description="List revoked keys too.")


class KeyList(BaseModel):
    """``GET /admin/api-keys``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_keys: list[KeyView]


@route(
    partners,
    "/changes",
    methods=["GET"],
    cors=True,
    query=ChangesParams,
    responses={200: ChangePage},
    api_key_required=True,
)
def changes() -> Response:
    request = partners.current_request
    params = parse_query(request, ChangesParams)
    services().partner_keys.authenticate(presented_key(request), Scope.CHANGES, required=True)
    page = services().change_feed.read(
        department=params.department, since=params.since, limit=params.limit
    )
    return private_json(page.model_dump(mode="json"))


@route(
    partners,
    "/admin/api-keys",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={201: IssuedKey},
)
def issue_key() -> Response:
    request = partners.current_request
    reject_query(request)
    principal = authenticate(request)
    issued = services().partner_keys.issue(
        principal, KeyRequest.model_validate(json_object(request))
    )
    response = private_json(issued.model_dump(mode="json"), status=201)
    response.headers["Location"] = f"/admin/api-keys/{issued.api_key.id}"
    return response


@route(
    partners,
    "/admin/api-keys",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=KeyListParams,
    responses={200: KeyList},
)
def list_keys() -> Response:
    request = partners.current_request
    params = parse_query(request, KeyListParams)
    principal = authenticate(request)
    keys = services().partner_keys.list_keys(principal, include_revoked=params.include_revoked)
    return private_json(KeyList(api_keys=keys).model_dump(mode="json"))


@route(
    partners,
    "/admin/api-keys/{key_id}",
    methods=["DELETE"],
    authorizer=AUTHORIZER,
    responses={200: KeyView},
)
def revoke_key(key_id: str) -> Response:
    request = partners.current_request
    reject_query(request)
    principal = authenticate(request)
    revoked = services().partner_keys.revoke(principal, checked_id(key_id, IdKind.API_KEY))
    return private_json(revoked.model_dump(mode="json"))
