"""Public submissions and their moderation (docs/submissions.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.search.ports import CandidateSource
    from chalicelib.domain.submissions.ports import DecisionNotifier
    from chalicelib.domain.submissions.service import SubmissionService
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def decision_notifier(adapters: Adapters) -> DecisionNotifier | None:
    """Decision mails through the mail pipeline; None (decisions only recorded) when the
    stage has no mail queue."""
    from chalicelib.domain.submissions.notifications import MailDecisionNotifier

    queue = adapters.mail_queue
    return None if queue is None else MailDecisionNotifier(queue)


def submission_service(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    *,
    ids: IdGenerator,
    taxonomy: Taxonomy,
    candidates: CandidateSource,
) -> SubmissionService:
    from chalicelib.domain.submissions.service import (
        ClientHasher,
        IntakeLimits,
        SubmissionService,
    )

    return SubmissionService(
        adapters.submission_repository,
        places=adapters.places,
        candidates=candidates,
        geocoder=adapters.geocoder,
        limiter=adapters.rate_limiter,
        store=adapters.places,
        decisions=adapters.decision_store,
        notifier=decision_notifier(adapters),
        ids=ids,
        taxonomy=taxonomy,
        hasher=ClientHasher(settings.submissions_key()),
        clock=clock,
        site_url=settings.public_site_url,
        limits=IntakeLimits(per_hour=settings.submissions_per_hour),
    )
