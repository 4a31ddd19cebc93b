"""Admins preview a department's digest for a week before (or after) it goes out.

The API never renders templates (its package holds neither templates/ nor Jinja2): in a
deployed stage the ``newsletter-preview`` worker builds and renders the preview, invoked
synchronously by the API (``chalicelib/adapters/aws_lambda/preview.py``). Locally and in
tests the same ``DigestPreviewer`` runs in process with an injected renderer
(docs/newsletters.md, "Preview").
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.mail.models import MailMessage, RenderedMail
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.newsletters.models import Digest, IssueWeek, Language

PREVIEW_UNSUBSCRIBE_URL = "https://example.invalid/preview-unsubscribe"
"""Stands for the recipient's own unsubscription link, which only exists per recipient."""


class MessageRenderer(Protocol):
    def render(self, message: MailMessage) -> RenderedMail: ...


class NewsletterPreview(DomainModel):
    """The digest, and the mail rendered from it (None where nothing can render it: a stage
    with neither a preview worker nor an in-process renderer, see docs/newsletters.md)."""

    subject: str | None
    text: str | None
    html: str | None
    digest: Digest


class Previewer(Protocol):
    """Builds (and renders, where it can) one department's issue for a week."""

    def preview(
        self, department: str, week: IssueWeek, language: Language
    ) -> NewsletterPreview: ...


def preview_message(
    department: str, week: IssueWeek, language: Language, digest: Digest
) -> MailMessage:
    """The message the weekly run would queue, addressed to nobody."""
    return MailMessage(
        id=f"preview:{department}:{week.label}",
        template="newsletter_digest",
        to="preview@example.invalid",
        locale=language,
        context={**digest.context(), "unsubscribe_url": PREVIEW_UNSUBSCRIBE_URL},
    )


class DigestPreviewer:
    """In process: the digest, rendered by ``renderer`` when there is one (the preview
    worker's Jinja2 renderer, or the one tests and ``make run`` inject)."""

    def __init__(self, builder: DigestBuilder, renderer: MessageRenderer | None) -> None:
        self._builder = builder
        self._renderer = renderer

    def preview(self, department: str, week: IssueWeek, language: Language) -> NewsletterPreview:
        digest = self._builder.build(department, week)
        if self._renderer is None:
            return NewsletterPreview(subject=None, text=None, html=None, digest=digest)
        rendered = self._renderer.render(preview_message(department, week, language, digest))
        return NewsletterPreview(
            subject=rendered.subject, text=rendered.text, html=rendered.html, digest=digest
        )


class PreviewService:
    """Who may preview what; the previewer (in process or the worker) does the rest."""

    def __init__(self, previewer: Previewer) -> None:
        self._previewer = previewer

    def preview(
        self, principal: Principal, department: str, week: IssueWeek, language: Language = "fr"
    ) -> NewsletterPreview:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        require_department(principal, department)
        return self._previewer.preview(department, week, language)
