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
from chalicelib.api.http import Later, client_address, parse_query, reject_query, route
from chalicelib.api.params import DEPARTMENT_PATTERN, Cursor, Params
from chalicelib.api.path_ids import ID_PATTERN, IdKind, checked_id
from chalicelib.api.responses import to_json
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.submissions.status import SubmissionStatus

if TYPE_CHECKING:
    from chalicelib.domain.places.models import Place
    from chalicelib.domain.submissions.models import Receipt, Submission

# The submission models and the service's decision bodies are imported inside the handlers
# that parse them: other routes' cold starts do not pay for them.

submissions = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
MAX_SUBMISSION_BYTES = 32_000
# Response models, named so that ``import app`` does not load the submission models.
_MODELS = "chalicelib.domain.submissions.models"
RECEIPT = Later(_MODELS, "Receipt")
STATUS_VIEW = Later(_MODELS, "SubmissionStatusView")
SUBMISSION = Later(_MODELS, "Submission")
"""Everything, the submitter's contact included: moderators only."""
FIGURES = Later(_MODELS, "Figures")
QUEUE = Later("chalicelib.api.responses_backoffice", "ModerationQueue")
DECISION = Later("chalicelib.api.responses_backoffice", "ModerationDecision")
MERGE_PREVIEW = Later("chalicelib.domain.submissions.service", "MergePreview")


class QueueParams(Params):
    status: SubmissionStatus = Field(default=SubmissionStatus.PENDING, description="Status.")
    department: str | None = Field(
        default=None, pattern=DEPARTMENT_PATTERN, description="Department code."
    )
    # limit and cursor: bounds of the settings, wording in devtools/openapi/submissions.py.
    limit: int = Field(default=50, ge=1)
    cursor: Cursor | None = None


class MergePreviewParams(Params):
    place_id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="The place to compare with; default for a suggestion: its own place "
        "(required for a new-place submission).",
    )


class FiguresParams(Params):
    department: str | None = Field(
        default=None, pattern=DEPARTMENT_PATTERN, description="Department code."
    )


# Public ------------------------------------------------------------------------------------


@route(submissions, "/submissions", methods=["POST"], cors=True, responses={202: RECEIPT})
def submit_place() -> Response:
    request = submissions.current_request
    reject_query(request)
    from chalicelib.domain.submissions.models import NewPlaceForm

    form = NewPlaceForm.model_validate(_small_body(request))
    receipt = services().submission_service.submit_place(form, client_address(request))
    return _accepted(receipt)


@route(
    submissions,
    "/places/{place_id}/suggestions",
    methods=["POST"],
    cors=True,
    responses={202: RECEIPT},
)
def suggest_change(place_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    from chalicelib.domain.submissions.models import SuggestionForm

    form = SuggestionForm.model_validate(_small_body(request))
    receipt = services().submission_service.suggest(
        checked_id(place_id, IdKind.PLACE), form, client_address(request)
    )
    return _accepted(receipt)


@route(
    submissions,
    "/submissions/{submission_id}",
    methods=["GET"],
    cors=True,
    responses={200: STATUS_VIEW},
)
def submission_status(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    view = services().submission_service.status(checked_id(submission_id, IdKind.SUBMISSION))
    return private_json(to_json(view))


# Moderation --------------------------------------------------------------------------------


@route(
    submissions,
    "/admin/submissions",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=QueueParams,
    responses={200: QUEUE},
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
    drafts = None
    # Drafts (volunteers' places awaiting publication) come with the first page only.
    if params.status is SubmissionStatus.PENDING and params.cursor is None:
        drafts = list(
            services().submission_service.drafts(
                principal, department=params.department, limit=params.limit
            )
        )
    from chalicelib.api.responses_backoffice import ModerationQueue

    queue = ModerationQueue(
        submissions=list(page.submissions), next_cursor=page.next_cursor, drafts=drafts
    )
    return private_json(to_json(queue))


@route(
    submissions,
    "/admin/submissions/{submission_id}",
    methods=["GET"],
    authorizer=AUTHORIZER,
    responses={200: SUBMISSION},
)
def moderation_view(submission_id: str) -> Response:
    request = submissions.current_request
    reject_query(request)
    principal = authenticate(request)
    submission = services().submission_service.get(
        principal, checked_id(submission_id, IdKind.SUBMISSION)
    )
    return private_json(to_json(submission), etag_version=submission.version)


@route(
    submissions,
    "/admin/submissions/{submission_id}/approve",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: DECISION},
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
    return _decided(submission, place)


@route(
    submissions,
    "/admin/submissions/{submission_id}/merge",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: DECISION},
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
    return _decided(submission, place)


@route(
    submissions,
    "/admin/submissions/{submission_id}/merge-preview",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=MergePreviewParams,
    responses={200: MERGE_PREVIEW},
)
def merge_preview(submission_id: str) -> Response:
    request = submissions.current_request
    principal = authenticate(request)
    params = parse_query(request, MergePreviewParams)
    result = services().submission_service.merge_preview(
        principal, checked_id(submission_id, IdKind.SUBMISSION), params.place_id
    )
    return private_json(to_json(result))


@route(
    submissions,
    "/admin/submissions/{submission_id}/reject",
    methods=["POST"],
    authorizer=AUTHORIZER,
    responses={200: DECISION},
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
    responses={200: FIGURES},
)
def figures() -> Response:
    request = submissions.current_request
    principal = authenticate(request)
    params = parse_query(request, FiguresParams)
    result = services().submission_service.figures(principal, params.department)
    return private_json(to_json(result))


# Helpers -----------------------------------------------------------------------------------


def _small_body(request: Request) -> dict[str, Any]:
    # Public and anonymous: a form is a few kilobytes, so the limit is far below the back
    # office's (413 ``too_large`` before parsing).
    return json_object(request, limit=MAX_SUBMISSION_BYTES)


def _accepted(receipt: Receipt) -> Response:
    response = private_json(to_json(receipt), status=202)
    response.headers["Location"] = receipt.status_url
    return response


def _decided(submission: Submission, place: Place | None) -> Response:
    from chalicelib.api.responses_backoffice import ModerationDecision

    decided = ModerationDecision(submission=submission, place=place)
    return private_json(to_json(decided), etag_version=submission.version)
