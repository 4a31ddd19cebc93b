"""The moderation queue: pages of submissions of a territory, oldest first, the drafts beside
them, one submission read by a moderator."""

from __future__ import annotations

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.places.editing import ListRequest, PlaceEditor
from chalicelib.domain.places.listing import AdminPlaceSummary
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.submissions.hashing import QueueCursors
from chalicelib.domain.submissions.models import QueuePage, QueuePosition, Submission
from chalicelib.domain.submissions.ports import SubmissionRepository
from chalicelib.domain.submissions.status import SubmissionStatus

MODERATORS = (Role.ADMIN, Role.TERRITORY_MODERATOR)


def moderated(
    repository: SubmissionRepository, principal: Principal, submission_id: str
) -> Submission:
    """One submission, for a moderator of its territory."""
    require_role(principal, *MODERATORS)
    submission = repository.get(submission_id)
    require_department(principal, submission.department)
    return submission


class ModerationQueue:
    def __init__(
        self, repository: SubmissionRepository, *, editor: PlaceEditor, cursors: QueueCursors
    ) -> None:
        self._repository = repository
        self._editor = editor
        self._cursors = cursors

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
        require_role(principal, *MODERATORS)
        after = self._cursors.decode(cursor, status, department) if cursor else None
        # One more than the page: whether a next page exists, without a second read.
        if department is not None:
            require_department(principal, department)
            found = self._repository.by_status(status, department, limit + 1, after=after)
        elif principal.is_admin:
            found = self._repository.by_status(status, None, limit + 1, after=after)
        else:
            found = []
            for code in principal.departments:
                found.extend(self._repository.by_status(status, code, limit + 1, after=after))
            found.sort(key=lambda s: (s.created_at, s.id))
        page = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = page[-1]
            position = QueuePosition(created_at=last.created_at, id=last.id)
            next_cursor = self._cursors.encode(position, status, department)
        return QueuePage(submissions=page, next_cursor=next_cursor)

    def drafts(
        self, principal: Principal, *, department: str | None, limit: int
    ) -> list[AdminPlaceSummary]:
        """Drafts of the territory (volunteers' work awaiting publication), shown beside the
        submissions; they are published through the back office (PATCH status online)."""
        require_role(principal, *MODERATORS)
        listing = ListRequest(status=PlaceStatus.DRAFT, department=department, limit=limit)
        return self._editor.list(principal, listing).places

    def get(self, principal: Principal, submission_id: str) -> Submission:
        return moderated(self._repository, principal, submission_id)
