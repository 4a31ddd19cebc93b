"""Back-office API for places: listing, create, read, edit, verify, soft delete, history.

Every route authenticates (chalicelib/api/auth.py) and calls one ``PlaceEditor`` method, which
applies the role and territory rules. Reads answer with ``ETag: "<version>"``; writes need
``If-Match`` with that version (428 without, 409 with the current version when stale).
Responses are never cacheable. No CORS: the back office is not called from the public site.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalice.app import Blueprint, Request, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import Later, parse_query, reject_query, route
from chalicelib.api.params import DEPARTMENT_PATTERN, Cursor, Params
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import to_json
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.places.models import PlaceStatus

# The editing models (chalicelib.domain.places.editing) are imported inside the handlers that
# use them: a public request's cold start does not pay for the back office.

admin_places = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
MAX_COMMENT = 1000
# The response models, named so that ``import app`` does not load their modules.
PRINCIPAL = Later("chalicelib.domain.auth", "Principal")
PLACE = Later("chalicelib.domain.places.models", "Place")
"""The whole place, private fields included: the back office is where they are edited."""
PLACE_PAGE = Later("chalicelib.domain.places.listing", "PlaceListPage")
HISTORY_PAGE = Later("chalicelib.domain.places.history", "HistoryPage")
RECONCILED = Later("chalicelib.domain.places.reconcile", "ReconcileResult")


class ListParams(Params):
    status: PlaceStatus | None = Field(default=None, description="Status.")
    department: str | None = Field(
        default=None, pattern=DEPARTMENT_PATTERN, description="Department code."
    )
    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Organisation name, spelling-insensitive.",
    )
    category: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Category id (its descendants match too).",
    )
    not_verified_since: date | None = Field(
        default=None, description="Places last verified before this date (Paris time), or never."
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Text in name, organisation or city.",
    )
    # Its bounds are the settings' (REPERE_ADMIN_*_LIMIT): devtools/openapi/backoffice.py.
    limit: int | None = Field(default=None, ge=1)
    cursor: Cursor | None = None


class HistoryParams(Params):
    limit: int = Field(default=50, ge=1, le=200, description="Page.")
    before: int | None = Field(default=None, ge=1, description="next_before.")


@route(
    admin_places, "/admin/me", methods=["GET"], authorizer=AUTHORIZER, responses={200: PRINCIPAL}
)
def me() -> Response:
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    return private_json(to_json(principal))


@route(
    admin_places,
    "/admin/places",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=ListParams,
    responses={200: PLACE_PAGE},
)
def list_places() -> Response:
    request = admin_places.current_request
    principal = authenticate(request)
    params = parse_query(request, ListParams)
    settings = get_settings()
    limit = params.limit or settings.admin_default_limit
    if limit > settings.admin_max_limit:
        raise InvalidInput(f"limit must be at most {settings.admin_max_limit}", field="limit")
    from chalicelib.domain.places.editing import ListRequest

    listing = ListRequest(**params.model_dump(exclude={"limit"}), limit=limit)
    page = services().place_editor.list(principal, listing)
    return private_json(to_json(page))


@route(
    admin_places, "/admin/places", methods=["POST"], authorizer=AUTHORIZER, responses={201: PLACE}
)
def create_place() -> Response:
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    data = json_object(request)
    comment = _pop_comment(data)
    from chalicelib.domain.places.editing import NewPlace

    place = services().place_editor.create(
        principal, NewPlace.model_validate(data), comment=comment
    )
    response = private_json(to_json(place), status=201, etag_version=place.version)
    response.headers["Location"] = f"/admin/places/{place.id}"
    return response


@route(
    admin_places,
    "/admin/places/{place_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: PLACE},
)
def get_place(place_id: str) -> Response:
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    place = services().place_editor.get(principal, checked_id(place_id, IdKind.PLACE))
    return private_json(to_json(place), etag_version=place.version)


@route(
    admin_places,
    "/admin/places/{place_id}",
    methods=["PATCH"],
    authorizer=AUTHORIZER,
    responses={200: PLACE},
)
def edit_place(place_id: str) -> Response:
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(place_id, IdKind.PLACE)
    data = json_object(request)
    comment = _pop_comment(data)
    from chalicelib.domain.places.editing import PlacePatch

    patch = PlacePatch.model_validate(data)
    place = services().place_editor.edit(
        principal,
        checked,
        expected_version=required_version(request),
        patch=patch,
        comment=comment,
    )
    return private_json(to_json(place), etag_version=place.version)


def _comment_only_body(request: Request) -> str | None:
    """The optional body of a delete or a "nothing changed": a comment and nothing else."""
    data = json_object(request, optional=True)
    comment = _pop_comment(data)
    _reject_fields(data)
    return comment


@route(
    admin_places,
    "/admin/places/{place_id}",
    methods=["DELETE"],
    authorizer=AUTHORIZER,
    responses={200: PLACE},
)
def delete_place(place_id: str) -> Response:
    """Soft delete: the place goes offline; its record and history stay."""
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(place_id, IdKind.PLACE)
    comment = _comment_only_body(request)
    place = services().place_editor.delete(
        principal, checked, expected_version=required_version(request), comment=comment
    )
    return private_json(to_json(place), etag_version=place.version)


@route(
    admin_places,
    "/admin/places/{place_id}/verify",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: PLACE},
)
def verify_place(place_id: str) -> Response:
    """ "Nothing changed": only verified_at moves."""
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(place_id, IdKind.PLACE)
    comment = _comment_only_body(request)
    place = services().place_editor.verify(
        principal, checked, expected_version=required_version(request), comment=comment
    )
    return private_json(to_json(place), etag_version=place.version)


@route(
    admin_places,
    "/admin/places/{place_id}/history",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=HistoryParams,
    responses={200: HISTORY_PAGE},
)
def place_history(place_id: str) -> Response:
    request = admin_places.current_request
    principal = authenticate(request)
    checked = checked_id(place_id, IdKind.PLACE)
    params = parse_query(request, HistoryParams)
    page = services().place_editor.history(
        principal, checked, limit=params.limit, before=params.before
    )
    return private_json(to_json(page))


@route(
    admin_places,
    "/admin/places/{place_id}/reconcile",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: RECONCILED},
)
def reconcile_place(place_id: str) -> Response:
    """Admins: bring a place back into step with its history (after a point-in-time restore
    of one table). Optional body: ``prefer``, ``dry_run``, ``comment``. No If-Match: the
    repair is computed from, and conditional on, what is stored now."""
    request = admin_places.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(place_id, IdKind.PLACE)
    from chalicelib.domain.places.editing import ReconcileRequest
    from chalicelib.domain.places.reconcile import ReconcileResult

    asked = ReconcileRequest.model_validate(json_object(request, optional=True))
    report, place = services().place_editor.reconcile(principal, checked, asked)
    result = ReconcileResult(report=report, place=place)
    return private_json(to_json(result), etag_version=place.version)


def _pop_comment(data: dict[str, Any]) -> str | None:
    comment = data.pop("comment", None)
    if comment is None:
        return None
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"comment must be text of at most {MAX_COMMENT} characters", field="comment"
        )
    return comment.strip() or None


def _reject_fields(data: dict[str, Any]) -> None:
    if data:
        name = next(iter(data))
        raise InvalidInput(f"unknown parameter {name!r}", field=name, code="unknown_parameter")
