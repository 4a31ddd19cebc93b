"""Newsletters: subscriptions, the weekly digest and its previews (docs/newsletters.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition.lazy import required
from chalicelib.composition.mail import mail_queue

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.service import ExportService
    from chalicelib.domain.newsletters.digest import DigestBuilder
    from chalicelib.domain.newsletters.ports import LatestExports
    from chalicelib.domain.newsletters.preview import MessageRenderer, Previewer, PreviewService
    from chalicelib.domain.newsletters.sending import NewsletterRun
    from chalicelib.domain.newsletters.subscriptions import (
        SubscriptionLinks,
        SubscriptionService,
    )


def links(settings: Settings) -> SubscriptionLinks:
    from chalicelib.domain.newsletters.subscriptions import SubscriptionLinks

    return SubscriptionLinks(
        confirm_page=settings.newsletter_confirm_page_url,
        unsubscribe_page=settings.newsletter_unsubscribe_page_url,
        api_url=settings.newsletter_api_url,
        unsubscribe_mailto=settings.newsletter_unsubscribe_mailto,
    )


def subscription_service(
    settings: Settings, adapters: Adapters, clock: Clock
) -> SubscriptionService:
    from datetime import timedelta

    from chalicelib.domain.newsletters.subscriptions import (
        SubscriberIds,
        SubscriptionPolicy,
        SubscriptionService,
    )

    return SubscriptionService(
        adapters.subscriber_store,
        adapters.subscription_codec,
        mail_queue(adapters),
        SubscriberIds(settings.newsletter_key()),
        clock,
        links=links(settings),
        policy=SubscriptionPolicy(
            confirm_days=settings.newsletter_confirm_days,
            unsubscribe_days=settings.newsletter_unsubscribe_days,
            cooldown=timedelta(minutes=settings.newsletter_confirm_cooldown_minutes),
            per_client_per_hour=settings.newsletter_subscribe_per_client_per_hour,
        ),
        # The submissions' fixed-window counter (keys are namespaced per feature).
        limiter=adapters.rate_limiter,
    )


def latest_exports(settings: Settings, exports: ExportService) -> LatestExports:
    from chalicelib.domain.newsletters.digest import ExportListLinks

    return ExportListLinks(exports, settings.newsletter_api_url)


def digest_builder(settings: Settings, adapters: Adapters, exports: LatestExports) -> DigestBuilder:
    from chalicelib.domain.newsletters.digest import DigestBuilder

    return DigestBuilder(
        adapters.places,
        exports,
        site_url=settings.public_site_url,
        translations=adapters.translations,
    )


def previewer(settings: Settings, adapters: Adapters, builder: DigestBuilder) -> Previewer:
    """Who builds and renders the API's previews (docs/newsletters.md, "Preview"): the
    ``newsletter-preview`` worker when ``REPERE_NEWSLETTER_PREVIEW_FUNCTION`` names it (deployed
    stages, ``make run``), else in process with the adapters' ``newsletter_renderer`` (local
    tools, tests), else the digest alone. The API never imports a template renderer: its
    package holds neither templates/ nor Jinja2 (tests/infra/test_packages.py)."""
    function = settings.newsletter_preview_function
    if function is not None:
        from chalicelib.adapters.aws_lambda.preview import LambdaPreviewer

        return LambdaPreviewer(adapters.lambda_client, function)
    return rendering_previewer(builder, adapters.newsletter_renderer)


def rendering_previewer(builder: DigestBuilder, renderer: MessageRenderer | None) -> Previewer:
    """Builds the digest and renders it in this process (the preview worker's own renderer)."""
    from chalicelib.domain.newsletters.preview import DigestPreviewer

    return DigestPreviewer(builder, renderer)


def preview_service(previewer: Previewer) -> PreviewService:
    from chalicelib.domain.newsletters.preview import PreviewService

    return PreviewService(previewer)


def newsletter_run(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    builder: DigestBuilder,
    subscriptions: SubscriptionService,
) -> NewsletterRun:
    from chalicelib.domain.newsletters.sending import NewsletterRun

    return NewsletterRun(
        builder,
        adapters.issue_store,
        adapters.subscriber_store,
        required(
            adapters.newsletter_queue, "REPERE_MAIL_QUEUE_URL is not set: mail cannot be queued"
        ),
        links=links(settings),
        unsubscribe_token=subscriptions.unsubscribe_token,
        clock=clock,
    )
