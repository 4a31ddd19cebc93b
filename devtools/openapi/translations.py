"""OpenAPI part: moderators' translation corrections (docs/translations.md)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.translations.languages import SUPPORTED_TEXT, TARGETS
from devtools.openapi.backoffice import (
    ANNOUNCEMENT_ID,
    AUTH,
    ERRORS,
    IF_MATCH,
    NOT_FOUND,
    PLACE_ID,
    WRITE_ERRORS,
)
from devtools.openapi.common import error, param, private_response

LANG = param(
    "lang",
    {"type": "string", "pattern": "^(" + "|".join(TARGETS) + ")$"},
    f"A language other than French: one of {SUPPORTED_TEXT} (400 unsupported_language).",
    where="path",
    required=True,
)

CORRECTIONS = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": "string", "minLength": 1},
            }
        }
    },
}
"""A correction's body: ``{field: translation}``, for a place's texts or an announcement's."""


def corrected() -> dict[str, Any]:
    """A correction's responses: a new dict per route, since the build adds each route's own
    response schema to its 200."""
    return {
        "200": private_response("The texts after the correction.", etag=True),
        **WRITE_ERRORS,
        "412": error("A weak ETag in If-Match never matches."),
    }


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    paths: dict[str, Any] = {
        "/admin/places/{place_id}/translations/{lang}": {
            "get": {
                "summary": "A place's translatable texts in one language",
                "description": "Each text: its French source, the translation shown (null: "
                "French is shown), its origin (machine or human), whether it is stale (made "
                "from an older French text: never shown, re-translated). ETag: the place's "
                "version, to send as If-Match with a correction. " + AUTH,
                "operationId": "adminReadTranslations",
                "parameters": [PLACE_ID, LANG],
                "responses": {
                    "200": private_response("The texts; ETag: the place version.", etag=True),
                    **ERRORS,
                    **NOT_FOUND,
                },
            },
            "put": {
                "summary": "Correct translations (human; kept until the French text changes)",
                "description": "Body: {field: translation}, fields as GET names them "
                '("description", "services.<id>.description"...). If-Match: the place '
                "version whose French texts were read. An unknown field is a 400 "
                "unknown_field; names and addresses are never translated. " + AUTH,
                "operationId": "adminCorrectTranslations",
                "parameters": [PLACE_ID, LANG, IF_MATCH],
                "requestBody": CORRECTIONS,
                "responses": corrected(),
            },
        },
        "/admin/announcements/{announcement_id}/translations/{lang}": {
            "get": {
                "summary": "An announcement's title and body in one language (admins)",
                "description": "As for a place: each text's French source, the translation "
                "shown, its origin, whether it is stale. ETag: the announcement's version. " + AUTH,
                "operationId": "adminReadAnnouncementTranslations",
                "parameters": [ANNOUNCEMENT_ID, LANG],
                "responses": {
                    "200": private_response(
                        "The texts; ETag: the announcement version.", etag=True
                    ),
                    **ERRORS,
                    **NOT_FOUND,
                },
            },
            "put": {
                "summary": "Correct an announcement's translations (human; kept until the French "
                "text changes)",
                "description": 'Body: {"title": ..., "body": ...} (either or both). If-Match: '
                "the announcement version whose French texts were read. " + AUTH,
                "operationId": "adminCorrectAnnouncementTranslations",
                "parameters": [ANNOUNCEMENT_ID, LANG, IF_MATCH],
                "requestBody": CORRECTIONS,
                "responses": corrected(),
            },
        },
    }
    return paths, {}
