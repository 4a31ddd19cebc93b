"""Back-office API for translations (docs/translations.md): a moderator reads a place's texts
(an admin an announcement's) in one language (French beside each translation, its origin,
whether it is stale) and corrects them. A correction is a human translation of the French
text of the version named in ``If-Match`` (409 with the current version when the place or
announcement changed since): it is never replaced by a machine translation until that
French text changes."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import reject_query, route
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.composition import services
from chalicelib.domain.translations.service import (
    AnnouncementTranslationsView,
    PlaceTranslations,
)

translations = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
MAX_BODY_BYTES = 64 * 1024  # a place's texts in one language, with room to spare
PATH = "/admin/places/{place_id}/translations/{lang}"
ANNOUNCEMENT_PATH = "/admin/announcements/{announcement_id}/translations/{lang}"


@route(
    translations,
    PATH,
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: PlaceTranslations},
)
def read_translations(place_id: str, lang: str) -> Response:
    request = translations.current_request
    reject_query(request)
    principal = authenticate(request)
    view = services().translation_corrections.view(
        principal, checked_id(place_id, IdKind.PLACE), lang
    )
    return private_json(view.model_dump(mode="json"), etag_version=view.place_version)


@route(
    translations,
    PATH,
    methods=["PUT"],
    authorizer=AUTHORIZER,
    responses={200: PlaceTranslations},
)
def correct_translations(place_id: str, lang: str) -> Response:
    request = translations.current_request
    reject_query(request)
    principal = authenticate(request)
    version = required_version(request)
    texts = json_object(request, limit=MAX_BODY_BYTES)
    view = services().translation_corrections.correct(
        principal, checked_id(place_id, IdKind.PLACE), lang, texts, place_version=version
    )
    return private_json(view.model_dump(mode="json"), etag_version=view.place_version)


@route(
    translations,
    ANNOUNCEMENT_PATH,
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: AnnouncementTranslationsView},
)
def read_announcement_translations(announcement_id: str, lang: str) -> Response:
    request = translations.current_request
    reject_query(request)
    principal = authenticate(request)
    view = services().translation_corrections.announcement_view(
        principal, checked_id(announcement_id, IdKind.ANNOUNCEMENT), lang
    )
    return private_json(view.model_dump(mode="json"), etag_version=view.announcement_version)


@route(
    translations,
    ANNOUNCEMENT_PATH,
    methods=["PUT"],
    authorizer=AUTHORIZER,
    responses={200: AnnouncementTranslationsView},
)
def correct_announcement_translations(announcement_id: str, lang: str) -> Response:
    request = translations.current_request
    reject_query(request)
    principal = authenticate(request)
    version = required_version(request)
    texts = json_object(request, limit=MAX_BODY_BYTES)
    view = services().translation_corrections.correct_announcement(
        principal,
        checked_id(announcement_id, IdKind.ANNOUNCEMENT),
        lang,
        texts,
        announcement_version=version,
    )
    return private_json(view.model_dump(mode="json"), etag_version=view.announcement_version)
