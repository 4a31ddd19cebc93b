"""Figures of submissions: counts by status per department, region and in total, the approval
rate and the median time to a decision."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from chalicelib.domain.auth import Principal, require_department, require_role
from chalicelib.domain.submissions.models import Counts, Figures, Submission
from chalicelib.domain.submissions.moderation import MODERATORS
from chalicelib.domain.submissions.ports import SubmissionRepository


def submission_figures(
    repository: SubmissionRepository, principal: Principal, department: str | None = None
) -> Figures:
    """The figures of the principal's territory (or of one of its departments)."""
    require_role(principal, *MODERATORS)
    if department is not None:
        require_department(principal, department)
    chosen = [
        s
        for s in repository.scan()
        if (department is None or s.department == department) and principal.covers(s.department)
    ]
    return compute_figures(chosen)


def compute_figures(submissions: Iterable[Submission]) -> Figures:
    by_department: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    total: dict[str, int] = {}
    hours: list[float] = []
    for submission in submissions:
        key = submission.status.value
        for bucket in (
            by_department.setdefault(submission.department, {}),
            by_region.setdefault(submission.region, {}),
            total,
        ):
            bucket[key] = bucket.get(key, 0) + 1
        if submission.decision is not None:
            elapsed = submission.decision.at - submission.created_at
            hours.append(elapsed.total_seconds() / 3600)
    approved = total.get("approved", 0) + total.get("merged", 0)
    decided = approved + total.get("rejected", 0)
    return Figures(
        by_department={k: Counts(**v) for k, v in sorted(by_department.items())},
        by_region={k: Counts(**v) for k, v in sorted(by_region.items())},
        total=Counts(**total),
        approval_rate=round(approved / decided, 3) if decided else None,
        median_hours_to_decision=round(statistics.median(hours), 2) if hours else None,
    )
