"""OpenAPI part: the back office (docs/backoffice.md) and the public announcements.

Schemas generated here are prefixed ``Backoffice`` so that a model shared with another part
(``WeeklyHours``, ``TimeSlot``...) but generated in another mode never overwrites its schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.domain.announcements.models import AnnouncementContent
from chalicelib.domain.batch.models import BatchRequest
from chalicelib.domain.places.editing import NewPlace, PlacePatch, ReconcileRequest
from devtools.openapi.common import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    error,
    json_response,
    param,
    prefixed_schemas,
    private_response,
)
from devtools.openapi.public import ACCEPT_LANGUAGE

PREFIX = "Backoffice"
_REF = "#/components/schemas/" + PREFIX + "{model}"

AUTH = (
    "Needs `Authorization: Bearer <token>`: a Cognito ID token in AWS, a local token "
    "(`make token`) on the local stack. Roles and territories: docs/backoffice.md."
)
IF_MATCH = param(
    "If-Match",
    {"type": "string", "examples": ['"3"']},
    "The ETag of the version this write is based on (required).",
    where="header",
    required=True,
)
PLACE_ID = param("place_id", {"type": "string"}, "Place id.", where="path", required=True)
ANNOUNCEMENT_ID = param(
    "announcement_id", {"type": "string"}, "Announcement id.", where="path", required=True
)
ERRORS: dict[str, Any] = {
    "400": error("Invalid body, parameter or header."),
    "401": error("Missing, malformed, wrongly signed or expired token."),
    "403": error("The caller's role or territory does not allow this."),
}
NOT_FOUND = {"404": error("No such item.")}
WRITE_ERRORS: dict[str, Any] = {
    **ERRORS,
    **NOT_FOUND,
    "409": error(
        "The version in If-Match is not the current one; the body carries current_version "
        "and the ETag header the current version."
    ),
    "428": error("If-Match is missing (code version_required)."),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _body(schema_name: str, description: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _operation(summary: str, operation_id: str, **fields: Any) -> dict[str, Any]:
    description = fields.pop("description", "")
    return {
        "summary": summary,
        "operationId": operation_id,
        "description": f"{description}\n\n{AUTH}".strip(),
        **fields,
    }


def _schemas() -> tuple[dict[str, Any], dict[str, str]]:
    """The request bodies' schemas; the responses' come from the routes' models."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (NewPlace, "validation"),
        (PlacePatch, "validation"),
        (ReconcileRequest, "validation"),
        (BatchRequest, "validation"),
        (AnnouncementContent, "validation"),
    ]
    return prefixed_schemas(models, PREFIX)


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the back office and the public announcements."""
    schemas, n = _schemas()
    comment_note = (
        " An optional `comment` (text, at most 1,000 characters) is kept in the history entry."
    )
    # The other query parameters are ListParams' (contract.py); limit's bounds are settings.
    list_params = [
        param("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Page."),
    ]
    place_response = private_response("The place (private fields included).", etag=True)
    paths: dict[str, Any] = {
        "/admin/me": {
            "get": _operation(
                "Who the token says the caller is",
                "adminMe",
                responses={"200": private_response("The caller."), **ERRORS},
            )
        },
        "/admin/places": {
            "get": _operation(
                "List places of every status (least recently verified first)",
                "adminListPlaces",
                description="Give a department, an organisation or a status. Moderators see "
                "their departments; volunteers their own drafts.",
                parameters=list_params,
                responses={"200": private_response("One page."), **ERRORS},
            ),
            "post": _operation(
                "Create a place (a draft unless status is online)",
                "adminCreatePlace",
                description="Volunteers create drafts in their departments." + comment_note,
                requestBody=_body(n["NewPlace"], "The place."),
                responses={"201": place_response, **ERRORS},
            ),
        },
        "/admin/places/{place_id}": {
            "get": _operation(
                "Read a place (ETag: its version)",
                "adminGetPlace",
                parameters=[PLACE_ID],
                responses={"200": place_response, **ERRORS, **NOT_FOUND},
            ),
            "patch": _operation(
                "Edit field groups, status, temporary closure, hours or message",
                "adminEditPlace",
                description="A present field replaces its whole group; null clears an optional "
                "one (temporary_closure: null lifts a closure)." + comment_note,
                parameters=[PLACE_ID, IF_MATCH],
                requestBody=_body(n["PlacePatch"], "The fields to change."),
                responses={"200": place_response, **WRITE_ERRORS},
            ),
            "delete": _operation(
                "Soft delete: take the place offline",
                "adminDeletePlace",
                description="The record and its history stay." + comment_note,
                parameters=[PLACE_ID, IF_MATCH],
                responses={"200": place_response, **WRITE_ERRORS},
            ),
        },
        "/admin/places/{place_id}/verify": {
            "post": _operation(
                "Confirm that nothing changed (only verified_at moves)",
                "adminVerifyPlace",
                description=comment_note.strip(),
                parameters=[PLACE_ID, IF_MATCH],
                responses={"200": place_response, **WRITE_ERRORS},
            )
        },
        "/admin/places/{place_id}/history": {
            "get": _operation(
                "The place's change log, newest first",
                "adminPlaceHistory",
                parameters=[PLACE_ID],
                responses={"200": private_response("Entries."), **ERRORS, **NOT_FOUND},
            )
        },
        "/admin/places/{place_id}/reconcile": {
            "post": _operation(
                "Bring a place back into step with its history (admins)",
                "adminReconcilePlace",
                description="The step after a point-in-time restore of the places or the "
                "history table. A place behind its history rolls forward to the latest entry "
                "(prefer=history) or keeps its content as a new version whose entry undoes "
                "the later ones (prefer=place); a place ahead of its history gets the entry "
                "its version lacks. dry_run reports without writing. No If-Match.",
                parameters=[PLACE_ID],
                requestBody=_body(n["ReconcileRequest"], "Options.", required=False),
                responses={
                    "200": private_response("What was found and done.", etag=True),
                    **ERRORS,
                    **NOT_FOUND,
                    "409": error("The place or its history changed meanwhile: try again."),
                },
            )
        },
        "/admin/batch-updates": {
            "post": _operation(
                "Batch update: dry run or apply, idempotent by key",
                "adminBatchUpdate",
                description="At most REPERE_BATCH_HTTP_MAX_PLACES places (1,000) over HTTP; "
                "larger batches go through the batch_update Lambda function. A batch applying "
                "more than REPERE_BATCH_HTTP_SYNC_MAX_PLACES places (100) is planned, answered "
                "202 with its status URL (also in `Location`) and applied by the batch "
                "worker; dry runs and smaller batches answer 200 with the report. Sending the "
                "same request with the same idempotency_key again resumes an interrupted "
                "batch or replays a finished one; never applies a place twice.",
                requestBody=_body(n["BatchRequest"], "Selection, patch, options."),
                responses={
                    "200": private_response("Per-place results."),
                    "202": private_response(
                        "Planned; the batch worker applies it. Read the report at `status_url` "
                        "until `complete` is true.",
                        Location={"schema": {"type": "string"}},
                    ),
                    **ERRORS,
                    "409": error("The idempotency key was used for another batch."),
                },
            )
        },
        "/admin/batch-updates/{idempotency_key}": {
            "get": _operation(
                "Where the caller's batch stands (its status URL)",
                "adminBatchUpdateStatus",
                description="The report so far: per-place results of the chunks done, "
                "`complete` once all are. Only the caller's own batches (a key is per caller).",
                parameters=[
                    param(
                        "idempotency_key",
                        {"type": "string"},
                        "The batch's idempotency key.",
                        where="path",
                        required=True,
                    )
                ],
                responses={
                    "200": private_response("The report so far."),
                    **ERRORS,
                    "404": error("No batch of the caller has this key."),
                },
            )
        },
        "/admin/announcements": {
            "get": _operation(
                "Every announcement (admins)",
                "adminListAnnouncements",
                responses={
                    "200": private_response("All announcements, newest start first."),
                    **ERRORS,
                },
            ),
            "post": _operation(
                "Create an announcement (admins)",
                "adminCreateAnnouncement",
                requestBody=_body(n["AnnouncementContent"], "The announcement."),
                responses={
                    "201": private_response("Created.", etag=True),
                    **ERRORS,
                },
            ),
        },
        "/admin/announcements/{announcement_id}": {
            "get": _operation(
                "Read an announcement",
                "adminGetAnnouncement",
                parameters=[ANNOUNCEMENT_ID],
                responses={
                    "200": private_response("The announcement.", etag=True),
                    **ERRORS,
                    **NOT_FOUND,
                },
            ),
            "put": _operation(
                "Replace an announcement",
                "adminReplaceAnnouncement",
                parameters=[ANNOUNCEMENT_ID, IF_MATCH],
                requestBody=_body(n["AnnouncementContent"], "The new content."),
                responses={
                    "200": private_response("Replaced.", etag=True),
                    **WRITE_ERRORS,
                },
            ),
            "delete": _operation(
                "Delete an announcement",
                "adminDeleteAnnouncement",
                parameters=[ANNOUNCEMENT_ID, IF_MATCH],
                responses={"204": {"description": "Deleted."}, **WRITE_ERRORS},
            ),
        },
        "/announcements": {
            "get": {
                "summary": "Announcements shown today",
                "operationId": "listAnnouncements",
                "description": "Active at today's date (the department's time zone), national "
                "ones included. Cacheable. In a language other than French (lang=, "
                "Accept-Language), each title and body is translated when a current "
                "translation exists, and content_language says which (docs/translations.md).",
                "parameters": [ACCEPT_LANGUAGE, IF_NONE_MATCH],
                "responses": {
                    "200": json_response("Active announcements, newest start first."),
                    "304": NOT_MODIFIED,
                    "400": error("Invalid parameter; an unsupported lang (unsupported_language)."),
                },
            }
        },
    }
    return paths, schemas
