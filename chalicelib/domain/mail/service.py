"""Delivering queued mail exactly once per message id, and honouring bounces and complaints.

Order of a delivery: suppression check, claim (a conditional write on the id), render, send,
mark sent. A failure after the claim releases it and re-raises, so SQS redelivers and the
retry sends. Only a crash between the provider accepting the mail and the release/mark can
lose a mail (never duplicate one): a claim without ``sent`` is left for an operator, which is
the safe side for people receiving our mail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.clock import Clock
from chalicelib.domain.mail.models import (
    DeliveryOutcome,
    DeliveryStatus,
    MailMessage,
    SuppressionReason,
    normalise_address,
)
from chalicelib.domain.mail.ports import (
    MailRenderer,
    MailSender,
    SentLedger,
    SharedContextSource,
    SubscriptionCheck,
    SuppressionList,
)


class MissingSharedContext(RuntimeError):
    """A message names shared content that is not stored (yet): the record fails and SQS
    retries it, then the dead-letter queue keeps it."""


class SendPacer:
    """At most ``rate_per_second`` sends per second from one container (0: no limit).

    The mail queue's event source runs at most ``max_concurrency`` containers, so the
    stage's send rate stays under ``rate × concurrency`` (docs/newsletters.md): set it from
    the SES sending quota. ``monotonic`` and ``sleep`` are inputs so tests never sleep.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        if self._interval <= 0:
            return
        now = self._monotonic()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


class Mailer:
    def __init__(
        self,
        ledger: SentLedger,
        suppressions: SuppressionList,
        renderer: MailRenderer,
        sender: MailSender,
        clock: Clock,
        *,
        shared: SharedContextSource | None = None,
        pacer: SendPacer | None = None,
        subscriptions: SubscriptionCheck | None = None,
    ) -> None:
        self._ledger = ledger
        self._suppressions = suppressions
        self._renderer = renderer
        self._sender = sender
        self._clock = clock
        self._shared = shared
        self._pacer = pacer
        self._subscriptions = subscriptions

    def deliver(self, message: MailMessage) -> DeliveryOutcome:
        if self._suppressions.is_suppressed(message.to):
            return DeliveryOutcome(message_id=message.id, status=DeliveryStatus.SUPPRESSED)
        if message.subscription is not None and (
            self._subscriptions is None or not self._subscriptions.is_active(message.subscription)
        ):
            return DeliveryOutcome(message_id=message.id, status=DeliveryStatus.UNSUBSCRIBED)
        if not self._ledger.claim(message.id, self._clock.now()):
            return DeliveryOutcome(message_id=message.id, status=DeliveryStatus.DUPLICATE)
        try:
            rendered = self._renderer.render(self._with_shared_context(message))
            if message.list_unsubscribe is not None:
                headers = {**rendered.headers, **message.list_unsubscribe.headers()}
                rendered = rendered.model_copy(update={"headers": headers})
            if self._pacer is not None:
                self._pacer.wait()
            provider_id = self._sender.send(message.to, rendered)
        except BaseException:
            self._ledger.release(message.id)
            raise
        self._ledger.mark_sent(message.id, provider_id, self._clock.now())
        return DeliveryOutcome(
            message_id=message.id, status=DeliveryStatus.SENT, provider_id=provider_id
        )

    def _with_shared_context(self, message: MailMessage) -> MailMessage:
        """The message whose context holds the shared content too (its own keys win)."""
        if message.shared_context is None:
            return message
        shared = self._shared.load(message.shared_context) if self._shared else None
        if shared is None:
            raise MissingSharedContext(f"no shared content {message.shared_context!r}")
        return message.model_copy(update={"context": {**shared, **message.context}})


def addresses_to_suppress(notification: dict[str, Any]) -> list[tuple[str, SuppressionReason]]:
    """The addresses an SES notification (bounce or complaint, as SNS delivers it) tells us
    never to mail again. Transient bounces (mailbox full...) suppress nobody."""
    kind = notification.get("notificationType") or notification.get("eventType")
    found: list[tuple[str, SuppressionReason]] = []
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        for recipient in bounce.get("bouncedRecipients") or []:
            address = recipient.get("emailAddress") if isinstance(recipient, dict) else None
            if isinstance(address, str) and address.strip():
                found.append((normalise_address(address), SuppressionReason.BOUNCE))
    elif kind == "Complaint":
        complaint = notification.get("complaint") or {}
        for recipient in complaint.get("complainedRecipients") or []:
            address = recipient.get("emailAddress") if isinstance(recipient, dict) else None
            if isinstance(address, str) and address.strip():
                found.append((normalise_address(address), SuppressionReason.COMPLAINT))
    return found


def record_feedback(
    notification: dict[str, Any], suppressions: SuppressionList, clock: Clock
) -> int:
    """Add the notification's addresses to the suppression list; returns how many."""
    entries = addresses_to_suppress(notification)
    for address, reason in entries:
        suppressions.suppress(address, reason, clock.now())
    return len(entries)
