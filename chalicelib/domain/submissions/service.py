"""Use cases of submissions, one module per concern, behind one service:

* ``intake``: the public's new places and suggestions (receipts, replays, rate limit);
* ``moderation``: the queue of a territory and the drafts beside it;
* ``decisions``: approve, merge (``merging``: field by field), reject, and the decision
  mail;
* ``figures``: counts, approval rate, time to a decision;
* ``hashing`` (keyed hashes, signed queue cursors) and ``place_fields`` (a submission as
  place fields) serve them.

``SubmissionService`` is what the composition root builds; the request models and settings
they need (``Approval``, ``Merge``, ``Rejection``, ``ClientHasher``, ``IntakeLimits``...) are
importable from here too.
"""

from __future__ import annotations

from chalicelib.domain.auth import Principal
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.places.editing import PlaceEditor
from chalicelib.domain.places.listing import AdminPlaceSummary
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepository
from chalicelib.domain.search.ports import CandidateSource
from chalicelib.domain.submissions.decisions import (
    Approval,
    Merge,
    Rejection,
    SubmissionDecisions,
)
from chalicelib.domain.submissions.figures import submission_figures
from chalicelib.domain.submissions.hashing import ClientHasher, QueueCursors
from chalicelib.domain.submissions.intake import IntakeLimits, SubmissionIntake
from chalicelib.domain.submissions.merging import MergeField, MergePreview
from chalicelib.domain.submissions.models import (
    Figures,
    NewPlaceForm,
    QueuePage,
    Receipt,
    Submission,
    SubmissionStatusView,
    SuggestionForm,
)
from chalicelib.domain.submissions.moderation import ModerationQueue
from chalicelib.domain.submissions.ports import (
    DecisionNotifier,
    DecisionStore,
    Geocoder,
    RateLimiter,
    SubmissionRepository,
)
from chalicelib.domain.submissions.status import SubmissionStatus
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

__all__ = [
    "Approval",
    "ClientHasher",
    "IntakeLimits",
    "Merge",
    "MergeField",
    "MergePreview",
    "QueueCursors",
    "Rejection",
    "SubmissionService",
]


class SubmissionService:
    def __init__(
        self,
        repository: SubmissionRepository,
        *,
        places: PlaceRepository,
        candidates: CandidateSource,
        geocoder: Geocoder,
        limiter: RateLimiter,
        store: PlaceEditStore,
        decisions: DecisionStore,
        notifier: DecisionNotifier | None,
        ids: IdGenerator,
        taxonomy: Taxonomy,
        hasher: ClientHasher,
        clock: Clock,
        site_url: str,
        limits: IntakeLimits | None = None,
    ) -> None:
        self._repository = repository
        editor = PlaceEditor(store, clock, ids, taxonomy)
        self._intake = SubmissionIntake(
            repository,
            places=places,
            candidates=candidates,
            geocoder=geocoder,
            limiter=limiter,
            hasher=hasher,
            clock=clock,
            limits=limits or IntakeLimits(),
        )
        self._moderation = ModerationQueue(repository, editor=editor, cursors=QueueCursors(hasher))
        self._decisions = SubmissionDecisions(
            repository,
            places=places,
            decisions=decisions,
            notifier=notifier,
            editor=editor,
            clock=clock,
            site_url=site_url,
        )

    # Intake ------------------------------------------------------------------------------

    def submit_place(self, form: NewPlaceForm, client_address: str) -> Receipt:
        return self._intake.submit_place(form, client_address)

    def suggest(self, place_id: str, form: SuggestionForm, client_address: str) -> Receipt:
        return self._intake.suggest(place_id, form, client_address)

    def status(self, submission_id: str) -> SubmissionStatusView:
        return self._intake.status(submission_id)

    # Moderation --------------------------------------------------------------------------

    def queue(
        self,
        principal: Principal,
        *,
        status: SubmissionStatus,
        department: str | None,
        limit: int,
        cursor: str | None = None,
    ) -> QueuePage:
        """One page of the queue of the principal's territory, oldest first."""
        return self._moderation.queue(
            principal, status=status, department=department, limit=limit, cursor=cursor
        )

    def drafts(
        self, principal: Principal, *, department: str | None, limit: int
    ) -> list[AdminPlaceSummary]:
        """Drafts of the territory, shown beside the submissions."""
        return self._moderation.drafts(principal, department=department, limit=limit)

    def get(self, principal: Principal, submission_id: str) -> Submission:
        return self._moderation.get(principal, submission_id)

    # Decisions ---------------------------------------------------------------------------

    def approve(
        self, principal: Principal, submission_id: str, *, expected_version: int, approval: Approval
    ) -> tuple[Submission, Place]:
        return self._decisions.approve(
            principal, submission_id, expected_version=expected_version, approval=approval
        )

    def merge(
        self, principal: Principal, submission_id: str, *, expected_version: int, merge: Merge
    ) -> tuple[Submission, Place]:
        """Apply the submission to an existing place (a duplicate): a versioned edit."""
        return self._decisions.merge(
            principal, submission_id, expected_version=expected_version, merge=merge
        )

    def merge_preview(
        self, principal: Principal, submission_id: str, place_id: str | None
    ) -> MergePreview:
        """Field by field, the submission beside the place (default: a suggestion's own)."""
        return self._decisions.merge_preview(principal, submission_id, place_id)

    def reject(
        self,
        principal: Principal,
        submission_id: str,
        *,
        expected_version: int,
        rejection: Rejection,
    ) -> Submission:
        return self._decisions.reject(
            principal, submission_id, expected_version=expected_version, rejection=rejection
        )

    # Figures -----------------------------------------------------------------------------

    def figures(self, principal: Principal, department: str | None = None) -> Figures:
        return submission_figures(self._repository, principal, department)
