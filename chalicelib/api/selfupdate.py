"""Signed self-update links (docs/selfupdate.md).

Back office (admins, territory moderators): issue a link for a place, revoke every link of a
place. The structure: read the editable subset, change it, or confirm that nothing changed,
with the link's token in ``Authorization: Bearer`` (never in the path or the query string,
so access logs never hold it). Writes need ``If-Match`` with the version read.

The self-update routes answer CORS for the website's origins (the self-update page lives
there); responses are never cacheable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate, bearer_token
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import Later, reject_query, route
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import to_json
from chalicelib.composition import services
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import DomainModel

if TYPE_CHECKING:
    from chalicelib.domain.selfupdate.models import SelfUpdateView

# The self-update models (which build on the editing models) are imported inside the handlers
# that parse them: other routes' cold starts do not pay for them.

selfupdate = Blueprint(__name__)

# Anyone reaches these routes (the body is parsed before the service checks the token): bounds
# far below the back office's megabyte; a whole place's hours and services are a few kB.
MAX_CHANGE_BYTES = 256_000
MAX_CONFIRM_BYTES = 10_000

AUTHORIZER = admin_authorizer()
ISSUED = Later("chalicelib.domain.selfupdate.models", "IssuedLink")
REVOKED = Later("chalicelib.domain.selfupdate.models", "RevokedLinks")
VIEW = Later("chalicelib.domain.selfupdate.models", "SelfUpdateView")


class ConfirmBody(DomainModel):
    place_id: str | None = Field(default=None, max_length=64)


@route(
    selfupdate,
    "/admin/places/{place_id}/update-links",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={201: ISSUED},
)
def issue_link(place_id: str) -> Response:
    request = selfupdate.current_request
    reject_query(request)
    principal = authenticate(request)
    from chalicelib.domain.selfupdate.models import IssueLinkBody

    body = IssueLinkBody.model_validate(json_object(request, optional=True))
    link = services().self_update_service.issue(
        principal, checked_id(place_id, IdKind.PLACE), send=body.send
    )
    return private_json(to_json(link), status=201)


@route(
    selfupdate,
    "/admin/places/{place_id}/update-links/revoke",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: REVOKED},
)
def revoke_links(place_id: str) -> Response:
    request = selfupdate.current_request
    reject_query(request)
    principal = authenticate(request)
    _reject_fields(json_object(request, optional=True))
    revoked = services().self_update_service.revoke(principal, checked_id(place_id, IdKind.PLACE))
    return private_json(to_json(revoked))


@route(selfupdate, "/self-update", methods=["GET", "PATCH"], cors=True, responses={200: VIEW})
def self_update() -> Response:
    """GET: the editable subset. PATCH: a change (one view: the route wrapper registers the
    CORS preflight once per path)."""
    request = selfupdate.current_request
    reject_query(request)
    token = bearer_token(request)
    service = services().self_update_service
    if request.method == "GET":
        return _view(service.view(token))
    from chalicelib.domain.selfupdate.models import SelfUpdateChange

    change = SelfUpdateChange.model_validate(json_object(request, limit=MAX_CHANGE_BYTES))
    view = service.edit(token, expected_version=required_version(request), change=change)
    return _view(view)


@route(selfupdate, "/self-update/confirm", methods=["POST"], cors=True, responses={200: VIEW})
def confirm_self_update() -> Response:
    request = selfupdate.current_request
    reject_query(request)
    token = bearer_token(request)
    body = ConfirmBody.model_validate(json_object(request, optional=True, limit=MAX_CONFIRM_BYTES))
    view = services().self_update_service.confirm(
        token, expected_version=required_version(request), place_id=body.place_id
    )
    return _view(view)


def _view(view: SelfUpdateView) -> Response:
    return private_json(to_json(view), etag_version=view.version)


def _reject_fields(data: dict[str, Any]) -> None:
    if data:
        name = next(iter(data))
        raise InvalidInput(f"unknown parameter {name!r}", field=name, code="unknown_parameter")
