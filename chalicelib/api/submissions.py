"""Submissions from the public (intake, status) and their moderation (docs/submissions.md).

Public routes answer CORS for the website's origins and never carry the submitter's contact
nor the hashed client address; moderation routes (``/admin/...``) are the only place they
appear. Decisions need ``If-Match`` with the submission's version (its ETag).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Request, Response
from pydantic import Field

from chalicelib.api.auth import admin_authorizer, authenticate
from chalicelib.api.bodies import json_object, private_json, required_version
from chalicelib.api.http import client_address, parse_query, reject_query, route
from chalicelib.api.params import DEPARTMENT_PATTERN, Cursor, Params
from chalicelib.api.path_ids import ID_PATTERN, IdKind, checked_id
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.submissions.status import SubmissionStatus

if TYPE_CHECKING:
    from chalicelib.domain.submissions.models import Receipt, Submission

# The submission models and the service's decision bodies are imported inside the handlers
# that parse them: other routes' cold starts do not pay for them.

submissions = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
MAX_SUBMISSION_BYTES = 32_000


class QueueParams(Params):
    status: SubmissionStatus = SubmissionStatus.PENDING
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)
    limit: int = Field(default=50, ge=1)
    cursor: Cursor | None = None


class MergePreviewParams(Params):
    place_id: str | None = Field(default=None, pattern=ID_PATTERN)


class FiguresParams(Params):
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)


# Public ------------------------------------------------------------------------------------


@route(submissions, "/submissions", methods=["POST"], cors=True)
def submit_place() -> Response:
    request = submissions.current_request
    reject_query(request)
    from chalicelib.domain.submissions.models import NewPlaceForm

    form = NewPlaceForm.model_validate(_small_body(request))
    receipt = services().submission_service.submit_place(form, client_address(request))
    return _accepted(receipt)


@route(submissions, "/places/{place_id}/suggestions", methods=["POST"], cors=True)
def suggest_change(place_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    from chalicelib.domain.submissions.models import SuggestionForm

    form = SuggestionForm.model_validate(_small_body(request))
    receipt = services().submission_service.suggest(
        checked_id(place_id, IdKind.PLACE), form, client_address(request)
    )
    return _accepted(receipt)


@route(submissions, "/submissions/{submission_id}", methods=["GET"], cors=True)
def submission_status(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    view = services().submission_service.status(checked_id(submission_id, IdKind.SUBMISSION))
    return private_json(view.model_dump(mode="json"))


# Moderation --------------------------------------------------------------------------------


@route(
    submissions,
    "/admin/submissions",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=QueueParams,
)
def moderation_queue() -> Response:
    request = submissions.current_request
    principal = authenticate(request)
    params = parse_query(request, QueueParams)
    max_limit = get_settings().submissions_queue_max_limit
    if params.limit > max_limit:
        raise InvalidInput(f"limit must be at most {max_limit}", field="limit")
    page = services().submission_service.queue(
        principal,
        status=params.status,
        department=params.department,
        limit=params.limit,
        cursor=params.cursor,
    )
    payload: dict[str, Any] = {
        "submissions": [_moderation_json(s) for s in page.submissions],
        "next_cursor": page.next_cursor,
    }
    # Drafts (volunteers' places awaiting publication) come with the first page only.
    if params.status is SubmissionStatus.PENDING and params.cursor is None:
        drafts = services().submission_service.drafts(
            principal, department=params.department, limit=params.limit
        )
        payload["drafts"] = [draft.model_dump(mode="json") for draft in drafts]
    return private_json(payload)


@route(submissions, "/admin/submissions/{submission_id}", methods=["GET"], authorizer=AUTHORIZER)
def moderation_view(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    principal = authenticate(request)
    submission = services().submission_service.get(
        principal, checked_id(submission_id, IdKind.SUBMISSION)
    )
    return private_json(_moderation_json(submission), etag_version=submission.version)


@route(
    submissions,
    "/admin/submissions/{submission_id}/approve",
    methods=["POST"],
    authorizer=AUTHORIZER,
)
def approve(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    principal = authenticate(request)
    from chalicelib.domain.submissions.service import Approval

    approval = Approval.model_validate(json_object(request, optional=True))
    submission, place = services().submission_service.approve(
        principal,
        checked_id(submission_id, IdKind.SUBMISSION),
        expected_version=required_version(request),
        approval=approval,
    )
    return _decided(submission, place.model_dump(mode="json"))


@route(
    submissions,
    "/admin/submissions/{submission_id}/merge",
    methods=["POST"],
    authorizer=AUTHORIZER,
)
def merge(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    principal = authenticate(request)
    from chalicelib.domain.submissions.service import Merge

    merge_request = Merge.model_validate(json_object(request))
    submission, place = services().submission_service.merge(
        principal,
        checked_id(submission_id, IdKind.SUBMISSION),
        expected_version=required_version(request),
        merge=merge_request,
    )
    return _decided(submission, place.model_dump(mode="json"))


@route(
    submissions,
    "/admin/submissions/{submission_id}/merge-preview",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=MergePreviewParams,
)
def merge_preview(submission_id: str) -> Response:
    request = submissions.current_request
    principal = authenticate(request)
    params = parse_query(request, MergePreviewParams)
    result = services().submission_service.merge_preview(
        principal, checked_id(submission_id, IdKind.SUBMISSION), params.place_id
    )
    return private_json(result.model_dump(mode="json"))


@route(
    submissions,
    "/admin/submissions/{submission_id}/reject",
    methods=["POST"],
    authorizer=AUTHORIZER,
)
def reject(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    principal = authenticate(request)
    from chalicelib.domain.submissions.service import Rejection

    rejection = Rejection.model_validate(json_object(request))
    submission = services().submission_service.reject(
        principal,
        checked_id(submission_id, IdKind.SUBMISSION),
        expected_version=required_version(request),
        rejection=rejection,
    )
    return _decided(submission, None)


@route(
    submissions,
    "/admin/submission-figures",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=FiguresParams,
)
def figures() -> Response:
    request = submissions.current_request
    principal = authenticate(request)
    params = parse_query(request, FiguresParams)
    result = services().submission_service.figures(principal, params.department)
    return private_json(result.model_dump(mode="json"))


# Helpers -----------------------------------------------------------------------------------


def _small_body(request: Request) -> dict[str, Any]:
    # Public and anonymous: a form is a few kilobytes, so the limit is far below the back
    # office's (413 ``too_large`` before parsing).
    return json_object(request, limit=MAX_SUBMISSION_BYTES)


def _accepted(receipt: Receipt) -> Response:
    response = private_json(receipt.model_dump(mode="json"), status=202)
    response.headers["Location"] = receipt.status_url
    return response


def _moderation_json(submission: Submission) -> dict[str, Any]:
    """Everything, the submitter's contact included: moderators only."""
    return submission.model_dump(mode="json")


def _decided(submission: Submission, place: dict[str, Any] | None) -> Response:
    return private_json(
        {"submission": _moderation_json(submission), "place": place},
        etag_version=submission.version,
    )
