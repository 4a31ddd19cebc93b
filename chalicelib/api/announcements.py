"""Announcements: admin CRUD under /admin/announcements, and the public
``GET /announcements?department=&lang=`` (active ones today, national ones included,
cacheable, in the reader's language when translated: docs/translations.md)."""

from __future__ import annotations

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import (
    Later,
    answer_language,
    cacheable_json,
    in_language,
    parse_query,
    reject_query,
    route,
)
from chalicelib.api.params import DEPARTMENT_PATTERN, Params, lang_field
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import ActiveAnnouncements, to_json
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.announcements.models import (
    Announcement,
    AnnouncementAudience,
    AnnouncementContent,
)
from chalicelib.domain.translations.languages import SOURCE

announcements = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
# chalicelib/api/responses_backoffice.py, imported by the admin handlers only.
ADMIN_ANNOUNCEMENT = Later("chalicelib.api.responses_backoffice", "AdminAnnouncement")
ANNOUNCEMENT_LIST = Later("chalicelib.api.responses_backoffice", "AnnouncementList")


class ActiveParams(Params):
    department: str | None = Field(
        default=None, pattern=DEPARTMENT_PATTERN, description="Department code."
    )
    audience: AnnouncementAudience | None = Field(
        default=None, description="Keeps announcements for this audience and for everyone."
    )
    lang: str | None = lang_field()


@route(
    announcements,
    "/announcements",
    methods=["GET"],
    cors=True,
    query=ActiveParams,
    responses={200: ActiveAnnouncements},
)
def active_announcements() -> Response:
    request = announcements.current_request
    params = parse_query(request, ActiveParams)
    lang = answer_language(request, params.lang)
    shown = services().announcement_service.active(params.department, params.audience)
    if lang != SOURCE:  # French never builds the translations store (no PynamoDB loaded)
        shown = services().localizer.announcements(shown, lang)
    payload = to_json(ActiveAnnouncements.model_construct(announcements=list(shown)))
    response = cacheable_json(request, payload, max_age=get_settings().public_cache_seconds)
    return in_language(response, lang)


@route(
    announcements,
    "/admin/announcements",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: ANNOUNCEMENT_LIST},
)
def list_announcements() -> Response:
    request = announcements.current_request
    reject_query(request)
    principal = authenticate(request)
    items = services().announcement_service.list_all(principal)
    from chalicelib.api.responses_backoffice import AnnouncementList, admin_announcement

    listed = AnnouncementList(announcements=[admin_announcement(item) for item in items])
    return private_json(to_json(listed))


@route(
    announcements,
    "/admin/announcements",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={201: ADMIN_ANNOUNCEMENT},
)
def create_announcement() -> Response:
    request = announcements.current_request
    reject_query(request)
    principal = authenticate(request)
    content = AnnouncementContent.model_validate(json_object(request))
    created = services().announcement_service.create(principal, content)
    response = private_json(_json(created), status=201, etag_version=created.version)
    response.headers["Location"] = f"/admin/announcements/{created.id}"
    return response


@route(
    announcements,
    "/admin/announcements/{announcement_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: ADMIN_ANNOUNCEMENT},
)
def get_announcement(announcement_id: str) -> Response:
    request = announcements.current_request
    reject_query(request)
    principal = authenticate(request)
    item = services().announcement_service.get(
        principal, checked_id(announcement_id, IdKind.ANNOUNCEMENT)
    )
    return private_json(_json(item), etag_version=item.version)


@route(
    announcements,
    "/admin/announcements/{announcement_id}",
    methods=["PUT"],
    authorizer=AUTHORIZER,
    responses={200: ADMIN_ANNOUNCEMENT},
)
def replace_announcement(announcement_id: str) -> Response:
    request = announcements.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(announcement_id, IdKind.ANNOUNCEMENT)
    content = AnnouncementContent.model_validate(json_object(request))
    item = services().announcement_service.replace(
        principal, checked, content, expected_version=required_version(request)
    )
    return private_json(_json(item), etag_version=item.version)


@route(
    announcements,
    "/admin/announcements/{announcement_id}",
    methods=["DELETE"],
    authorizer=AUTHORIZER,
)
def delete_announcement(announcement_id: str) -> Response:
    request = announcements.current_request
    reject_query(request)
    principal = authenticate(request)
    checked = checked_id(announcement_id, IdKind.ANNOUNCEMENT)
    services().announcement_service.delete(
        principal, checked, expected_version=required_version(request)
    )
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})


def _json(item: Announcement) -> dict[str, object]:
    """The admin view of an announcement (``AdminAnnouncement``: whether it is national)."""
    from chalicelib.api.responses_backoffice import admin_announcement

    return to_json(admin_announcement(item))
