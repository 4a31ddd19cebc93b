"""Delivering queued mail exactly once per message id, and honouring bounces and complaints.

Order of a delivery: suppression check, claim (a conditional write on the id), render, send,
mark sent. A failure after the claim releases it and re-raises, so SQS redelivers and the
retry sends. Only a crash between the provider accepting the mail and the release/mark can
lose a mail (never duplicate one): a claim without ``sent`` is left for an operator, which is
the safe side for people receiving our mail.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import Clock
from chalicelib.domain.mail.models import (
    DeliveryOutcome,
    DeliveryStatus,
    MailMessage,
    SuppressionReason,
    normalise_address,
)
from chalicelib.domain.mail.ports import MailRenderer, MailSender, SentLedger, SuppressionList


class Mailer:
    def __init__(
        self,
        ledger: SentLedger,
        suppressions: SuppressionList,
        renderer: MailRenderer,
        sender: MailSender,
        clock: Clock,
    ) -> None:
        self._ledger = ledger
        self._suppressions = suppressions
        self._renderer = renderer
        self._sender = sender
        self._clock = clock

    def deliver(self, message: MailMessage) -> DeliveryOutcome:
        if self._suppressions.is_suppressed(message.to):
            return DeliveryOutcome(message_id=message.id, status=DeliveryStatus.SUPPRESSED)
        if not self._ledger.claim(message.id, self._clock.now()):
            return DeliveryOutcome(message_id=message.id, status=DeliveryStatus.DUPLICATE)
        try:
            rendered = self._renderer.render(message)
            provider_id = self._sender.send(message.to, rendered)
        except BaseException:
            self._ledger.release(message.id)
            raise
        self._ledger.mark_sent(message.id, provider_id, self._clock.now())
        return DeliveryOutcome(
            message_id=message.id, status=DeliveryStatus.SENT, provider_id=provider_id
        )


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
