"""Moderators' decisions: approve (a new place, or a suggestion applied to its place), merge
into an existing place, reject; then the decision mail.

Decisions go through the back office's ``PlaceEditor`` (versioned, with a history entry on
channel ``submission``) and its role and territory rules: there is no second edit path. The
editor plans the place change; the decision store's transaction writes it together with the
decided submission (``DecisionTransaction``), so both are written or neither.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.domain.auth import Principal
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, VersionConflict
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.editing import (
    NewPlace,
    PlaceContent,
    PlaceEditor,
    PlacePatch,
)
from chalicelib.domain.places.history import Channel
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceRepository, PlaceWrite
from chalicelib.domain.places.views import public_url
from chalicelib.domain.submissions.merging import MergeField, MergePreview, merge_plan, preview
from chalicelib.domain.submissions.models import (
    Decision,
    DecisionNotice,
    Submission,
    SubmissionKind,
)
from chalicelib.domain.submissions.moderation import moderated
from chalicelib.domain.submissions.notifications import decision_mail_id
from chalicelib.domain.submissions.place_fields import new_place_fields, patch_fields
from chalicelib.domain.submissions.ports import (
    DecisionNotifier,
    DecisionStore,
    SubmissionRepository,
)
from chalicelib.domain.submissions.status import SubmissionStatus


class Approval(DomainModel):
    """A moderator's approval: the place's status, field edits made first, a comment."""

    status: PlaceStatus = PlaceStatus.DRAFT
    edits: PlaceContent | None = None
    comment: str | None = Field(default=None, max_length=1000)
    place_version: int | None = Field(
        default=None, ge=1, description="For a suggestion: the version of the place read."
    )


class Merge(DomainModel):
    """A moderator's merge into an existing place: only the ``fields`` picked are taken from
    the submission (default: those empty on the place); ``edits`` are applied over them."""

    place_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    place_version: int = Field(ge=1)
    fields: list[MergeField] | None = Field(
        default=None,
        max_length=len(MergeField),
        description="The submission's fields to take (see the merge preview). Absent: only "
        "the fields empty on the place (fill, never overwrite). `[]`: none (the merge is "
        "recorded, the place is left as it is unless `edits` change it).",
    )
    edits: PlaceContent | None = None
    comment: str | None = Field(default=None, max_length=1000)


class Rejection(DomainModel):
    reason: str = Field(min_length=1, max_length=1000)


class SubmissionDecisions:
    def __init__(
        self,
        repository: SubmissionRepository,
        *,
        places: PlaceRepository,
        decisions: DecisionStore,
        notifier: DecisionNotifier | None,
        editor: PlaceEditor,
        clock: Clock,
        site_url: str,
    ) -> None:
        self._repository = repository
        self._places = places
        self._decisions = decisions
        self._notifier = notifier
        self._editor = editor
        self._clock = clock
        self._site_url = site_url

    def approve(
        self, principal: Principal, submission_id: str, *, expected_version: int, approval: Approval
    ) -> tuple[Submission, Place]:
        submission = self._pending(principal, submission_id, expected_version)
        comment = approval.comment or f"submission {submission.id}"
        status = SubmissionStatus.APPROVED
        if submission.kind is SubmissionKind.NEW_PLACE:
            data = new_place_fields(submission)
            if approval.edits is not None:
                data.update(approval.edits.model_dump(include=approval.edits.model_fields_set))
            data["status"] = approval.status
            new = NewPlace.model_validate(data)
            creation = self._editor.plan_create(
                principal, new, comment=comment, channel=Channel.SUBMISSION
            )
            place = creation.place
            decided = self._decision(principal, submission, status, place)
            transaction = self._decisions.transaction()
            transaction.create(creation)
            transaction.record_decision(decided, expected_version=submission.version)
            transaction.commit()
            return self._notify(decided, place), place
        if approval.place_version is None or submission.place_id is None:
            raise InvalidInput(
                "approving a suggestion needs place_version (the version you read)",
                field="place_version",
            )
        current = self._editor.get(principal, submission.place_id)
        data = patch_fields(submission, current)
        if approval.edits is not None:
            data.update(approval.edits.model_dump(include=approval.edits.model_fields_set))
        if not data:
            raise InvalidInput("the submission changes nothing on this place", field="edits")
        return self._apply(
            principal,
            submission,
            status,
            current=current,
            place_version=approval.place_version,
            data=data,
            comment=comment,
        )

    def merge(
        self, principal: Principal, submission_id: str, *, expected_version: int, merge: Merge
    ) -> tuple[Submission, Place]:
        """Take the picked fields of the submission into an existing place (a duplicate, or
        the place a suggestion is about): a versioned edit whose history entry and decision
        name the fields taken; the decision alone when nothing is taken."""
        submission = self._pending(principal, submission_id, expected_version)
        comment = merge.comment or f"submission {submission.id} merged"
        status = SubmissionStatus.MERGED
        current = self._editor.get(principal, merge.place_id)
        plan = merge_plan(submission, current, merge.fields)
        taken = [field.value for field in plan.fields]
        data = dict(plan.patch)
        if merge.edits is not None:
            data.update(merge.edits.model_dump(include=merge.edits.model_fields_set))
        if not data:
            # Nothing to take (the place has it all, or ``fields: []``): the decision alone,
            # still only over the version of the place the moderator read.
            self._editor.check_editable(principal, current, merge.place_version)
            decided = self._decision(principal, submission, status, current, merged_fields=taken)
            self._repository.save(decided, expected_version=submission.version)
            return self._notify(decided, current), current
        return self._apply(
            principal,
            submission,
            status,
            current=current,
            place_version=merge.place_version,
            data=data,
            comment=comment,
            merged_fields=taken,
        )

    def merge_preview(
        self, principal: Principal, submission_id: str, place_id: str | None
    ) -> MergePreview:
        """Field by field, what a merge of the submission into the place could take."""
        submission = moderated(self._repository, principal, submission_id)
        target = place_id or submission.place_id
        if target is None:
            raise InvalidInput(
                "give place_id: the place to compare this new-place submission with",
                field="place_id",
            )
        return preview(submission, self._editor.get(principal, target))

    def reject(
        self,
        principal: Principal,
        submission_id: str,
        *,
        expected_version: int,
        rejection: Rejection,
    ) -> Submission:
        submission = self._pending(principal, submission_id, expected_version)
        decided = self._decision(
            principal, submission, SubmissionStatus.REJECTED, None, reason=rejection.reason
        )
        self._repository.save(decided, expected_version=submission.version)
        return self._notify(decided, None)

    def _pending(
        self, principal: Principal, submission_id: str, expected_version: int
    ) -> Submission:
        submission = moderated(self._repository, principal, submission_id)
        decision = submission.decision
        if decision is not None and decision.notification == "pending":
            # A retried decision: its mail could not be queued the first time. Queue it now
            # (same message id: the mailer never sends it twice), then answer the conflict.
            place = self._places.get(decision.place_id) if decision.place_id else None
            self._notify(submission, place)
        if submission.version != expected_version:
            raise VersionConflict(
                f"submission {submission_id!r} is at version {submission.version}, "
                f"not {expected_version}",
                current_version=submission.version,
            )
        if submission.status is not SubmissionStatus.PENDING:
            raise Conflict(f"submission {submission_id!r} is already {submission.status.value}")
        return submission

    def _apply(
        self,
        principal: Principal,
        submission: Submission,
        status: SubmissionStatus,
        *,
        current: Place,
        place_version: int,
        data: dict[str, Any],
        comment: str,
        merged_fields: list[str] | None = None,
    ) -> tuple[Submission, Place]:
        """The edit of ``current`` (as the moderator's request read it) planned by the back
        office's editor (same rules, same history), written with the decision in one
        transaction; the decision alone when the edit leaves the place as it was."""
        change = self._editor.plan_edit(
            principal,
            current,
            expected_version=place_version,
            patch=PlacePatch.model_validate(data),
            comment=comment,
            channel=Channel.SUBMISSION,
            merged_fields=merged_fields,
        )
        place = change.place if change is not None else current
        decided = self._decision(principal, submission, status, place, merged_fields=merged_fields)
        if change is None:
            # The moderator's edits left the place as it was: the decision alone,
            # conditional on the submission's version.
            self._repository.save(decided, expected_version=submission.version)
        else:
            self._commit(change, decided, submission.version)
        return self._notify(decided, place), place

    def _commit(self, change: PlaceWrite, decided: Submission, expected_version: int) -> None:
        transaction = self._decisions.transaction()
        transaction.write(change)
        transaction.record_decision(decided, expected_version=expected_version)
        self._editor.commit(transaction, change)

    def _decision(
        self,
        principal: Principal,
        submission: Submission,
        status: SubmissionStatus,
        place: Place | None,
        *,
        reason: str | None = None,
        merged_fields: list[str] | None = None,
    ) -> Submission:
        """The submission as decided (version + 1); a decision mail is due when the
        submitter left an email (with consent, which the form requires for it) and the stage
        has a mail pipeline; otherwise the decision is only recorded (status URL)."""
        submitter = submission.submitter
        mail_due = self._notifier is not None and submitter.email is not None and submitter.consent
        decision = Decision(
            status=status,
            at=self._clock.now(),
            by=principal.subject,
            reason=reason,
            place_id=place.id if place is not None else None,
            place_version=place.version if place is not None else None,
            merged_fields=merged_fields,
            notification="pending" if mail_due else "recorded",
            mail_id=decision_mail_id(submission.id) if mail_due else None,
        )
        return submission.model_copy(
            update={"status": status, "decision": decision, "version": submission.version + 1}
        )

    def _notify(self, submission: Submission, place: Place | None) -> Submission:
        """Queue the decision mail if one is due, and record that it was (version + 1)."""
        decision = submission.decision
        email = submission.submitter.email
        if decision is None or decision.notification != "pending" or email is None:
            return submission
        name = submission.content.name or (place.name if place is not None else None)
        notice = DecisionNotice(
            message_id=decision.mail_id or decision_mail_id(submission.id),
            to=email,
            submission_id=submission.id,
            kind=submission.kind,
            status=submission.status,
            place_name=name or "",
            place_url=(
                public_url(self._site_url, place)
                if place is not None and place.status is PlaceStatus.ONLINE
                else None
            ),
            reason=decision.reason,
        )
        if self._notifier is None or not self._notifier.notify(notice):
            return submission
        notified = submission.model_copy(
            update={
                "decision": decision.model_copy(
                    update={"notification": "emailed", "notified_at": self._clock.now()}
                ),
                "version": submission.version + 1,
            }
        )
        try:
            self._repository.save(notified, expected_version=submission.version)
        except VersionConflict:
            # A concurrent retry recorded it first (the mail itself is deduplicated by id).
            return self._repository.get(submission.id)
        return notified
