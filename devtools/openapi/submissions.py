"""OpenAPI part: public submissions and their moderation (docs/submissions.md).

Schemas are prefixed ``Submissions`` so that a model shared with another part (``Place``,
``WeeklyHours``...) never overwrites that part's schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from chalicelib.domain.submissions.models import NewPlaceForm, SuggestionForm
from chalicelib.domain.submissions.service import Approval, Merge, Rejection
from devtools.openapi.common import error, param, prefixed_schemas, private_response

PREFIX = "Submissions"
_REF = "#/components/schemas/" + PREFIX + "{model}"
AUTH = (
    "Needs `Authorization: Bearer <token>` of an admin or a territory moderator (within "
    "their departments); see docs/backoffice.md."
)
ID = param("submission_id", {"type": "string"}, "Submission id.", where="path", required=True)
PLACE_ID = param("place_id", {"type": "string"}, "Place id.", where="path", required=True)
IF_MATCH = param(
    "If-Match",
    {"type": "string", "examples": ['"1"']},
    "The ETag (version) of the submission read (required).",
    where="header",
    required=True,
)
ADMIN_ERRORS: dict[str, Any] = {
    "400": error("Invalid body or parameter."),
    "401": error("Missing, malformed, wrongly signed or expired token."),
    "403": error("Not a moderator, or outside the caller's departments."),
}
DECISION_ERRORS: dict[str, Any] = {
    **ADMIN_ERRORS,
    "404": error("No such submission (or place)."),
    "409": error("Stale If-Match or place_version, or the submission is already decided."),
    "428": error("If-Match is missing."),
}
INTAKE_ERRORS: dict[str, Any] = {
    "400": error("Invalid or oversized body (32 kB), unknown field, consent missing."),
    "422": error("No location given and the address could not be geocoded."),
    "429": error("Too many submissions from this client this hour."),
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
        (NewPlaceForm, "validation"),
        (SuggestionForm, "validation"),
        (Approval, "validation"),
        (Merge, "validation"),
        (Rejection, "validation"),
    ]
    schemas, names = prefixed_schemas(models, PREFIX)
    return schemas, names


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    schemas, n = _schemas()
    accepted = private_response(
        "Accepted for moderation (the same payload again answers the same id).",
        Location={"schema": {"type": "string"}, "description": "The status URL."},
    )
    decided = private_response(
        "The decided submission (ETag: its version) and the place created or changed.",
        etag=True,
    )

    def admin(summary: str, operation_id: str, **fields: Any) -> dict[str, Any]:
        description = fields.pop("description", "")
        return {
            "summary": summary,
            "operationId": operation_id,
            "description": f"{description}\n\n{AUTH}".strip(),
            **fields,
        }

    paths: dict[str, Any] = {
        "/submissions": {
            "post": {
                "summary": "Propose a new place (moderated before publication)",
                "operationId": "submitPlace",
                "description": "Name, full address and categories are required; the location "
                "is geocoded from the address when not given. The submitter's name, email and "
                "phone (with consent) are seen by moderators only. `website` is a honeypot: "
                "leave it out.",
                "requestBody": _body(n["NewPlaceForm"], "The proposal."),
                "responses": {"202": accepted, **INTAKE_ERRORS},
            }
        },
        "/places/{place_id}/suggestions": {
            "post": {
                "summary": "Propose a change to a place (moderated)",
                "operationId": "suggestChange",
                "parameters": [PLACE_ID],
                "requestBody": _body(n["SuggestionForm"], "The fields to change, or a message."),
                "responses": {
                    "202": accepted,
                    **INTAKE_ERRORS,
                    "404": error("No such online place."),
                },
            }
        },
        "/submissions/{submission_id}": {
            "get": {
                "summary": "Status of a submission (the status URL)",
                "operationId": "submissionStatus",
                "parameters": [ID],
                "responses": {
                    "200": private_response("Status and decision."),
                    "404": error("No such submission."),
                },
            }
        },
        "/admin/submissions": {
            "get": admin(
                "The moderation queue, oldest first, with duplicate candidates",
                "adminSubmissionQueue",
                description="Moderators see their departments; admins everything. Pages "
                "follow one another by position (created_at, id): decisions taken meanwhile "
                "never shift them.",
                parameters=[
                    param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                        "How many submissions on this page.",
                    ),
                    param(
                        "cursor",
                        {"type": "string", "maxLength": 1000},
                        "`next_cursor` of the previous page, as returned (signed: an altered "
                        "cursor, or one of another status or department, is a 400).",
                    ),
                ],
                responses={
                    "200": private_response("The queue (submitter contact included)."),
                    **ADMIN_ERRORS,
                },
            )
        },
        "/admin/submissions/{submission_id}": {
            "get": admin(
                "One submission for moderation (ETag: its version)",
                "adminGetSubmission",
                parameters=[ID],
                responses={
                    "200": private_response("The submission.", etag=True),
                    **ADMIN_ERRORS,
                    "404": error("No such submission."),
                },
            )
        },
        "/admin/submissions/{submission_id}/approve": {
            "post": admin(
                "Approve: create the place (or apply a suggestion) on channel submission",
                "adminApproveSubmission",
                description="`edits` (place fields) are applied first; a suggestion needs "
                "`place_version`. The place, its history entry and the decision are written in "
                "one transaction: of two moderators approving at once, one gets 409 and one "
                "place exists. The submitter (email given with consent) is mailed the "
                "decision once (`decision.notification`, `decision.mail_id`).",
                parameters=[ID, IF_MATCH],
                requestBody=_body(n["Approval"], "Status, edits, comment.", required=False),
                responses={"200": decided, **DECISION_ERRORS},
            )
        },
        "/admin/submissions/{submission_id}/merge-preview": {
            "get": admin(
                "Field by field, what a merge into a place could take",
                "adminSubmissionMergePreview",
                description="Every field the submission proposes (from its content: never the "
                "submitter's contact), the place's current value, the value the place would "
                "take, whether the place's value is empty, and the fields a merge without "
                "`fields` takes (the empty ones). Read-only.",
                parameters=[ID],
                responses={
                    "200": private_response("The differences."),
                    **ADMIN_ERRORS,
                    "404": error("No such submission or place."),
                },
            )
        },
        "/admin/submissions/{submission_id}/merge": {
            "post": admin(
                "Merge into an existing place: only the fields picked (a versioned edit)",
                "adminMergeSubmission",
                description="Takes the submission's `fields` (default: only those empty on "
                "the place; see the merge preview), then `edits`. A name that is not a "
                "mergeable field, or that the submission does not propose, is a 400 on "
                "`fields`. The place (if anything changes), its history entry "
                "(`merged_fields`) and the decision (`decision.merged_fields`) are written in "
                "one transaction, conditional on `place_version` and If-Match.",
                parameters=[ID, IF_MATCH],
                requestBody=_body(
                    n["Merge"], "The place, its version read, the fields to take, edits."
                ),
                responses={"200": decided, **DECISION_ERRORS},
            )
        },
        "/admin/submissions/{submission_id}/reject": {
            "post": admin(
                "Reject with a reason (shown on the status URL and mailed to the submitter)",
                "adminRejectSubmission",
                parameters=[ID, IF_MATCH],
                requestBody=_body(n["Rejection"], "The reason."),
                responses={"200": decided, **DECISION_ERRORS},
            )
        },
        "/admin/submission-figures": {
            "get": admin(
                "Submissions by department and region, approval rate, median time to decision",
                "adminSubmissionFigures",
                responses={"200": private_response("The figures."), **ADMIN_ERRORS},
            )
        },
    }
    return paths, schemas
