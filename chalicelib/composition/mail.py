"""The mail pipeline and self-update links (docs/selfupdate.md, docs/mail.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition.lazy import LazyMailQueue, required

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.mail.ports import MailRenderer
    from chalicelib.domain.mail.service import Mailer, SendPacer
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.selfupdate.service import SelfUpdateService


def mail_queue(adapters: Adapters) -> LazyMailQueue:
    """The mail queue, resolved at the first send (issuing a link without mailing it, or
    reading a campaign, needs no queue URL) and kept."""
    return LazyMailQueue(
        lambda: required(
            adapters.mail_queue, "REPERE_MAIL_QUEUE_URL is not set: mail cannot be queued"
        )
    )


def self_update_service(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    ids: IdGenerator,
    editor: PlaceEditor,
) -> SelfUpdateService:
    from chalicelib.domain.selfupdate.service import SelfUpdateService

    return SelfUpdateService(
        editor,
        adapters.places,
        adapters.link_state,
        adapters.link_codec,
        clock,
        ids=ids,
        page_url=settings.self_update_page_url,
        link_days=settings.self_update_link_days,
        writes_per_hour=settings.self_update_writes_per_hour,
        mail=mail_queue(adapters),
    )


def mailer(adapters: Adapters, clock: Clock, renderer: MailRenderer, pacer: SendPacer) -> Mailer:
    """What the mailer worker delivers a batch with (it brings the renderer and the pacer)."""
    from chalicelib.domain.mail.service import Mailer

    return Mailer(
        adapters.sent_ledger,
        adapters.suppression_list,
        renderer,
        adapters.mail_sender,
        clock,
        shared=adapters.mail_shared_context,
        subscriptions=adapters.subscription_check,
        pacer=pacer,
    )
