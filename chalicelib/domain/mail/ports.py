"""Ports of the mail pipeline. Adapters: chalicelib/adapters/dynamodb/mail_store.py,
chalicelib/adapters/sqs/mail_queue.py, chalicelib/adapters/ses/sender.py; tests/mail_fakes.py."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import JsonValue

from chalicelib.domain.mail.models import MailMessage, RenderedMail, SuppressionReason


class MailQueue(Protocol):
    def send(self, message: MailMessage) -> None:
        """Queue one message for the mailer."""
        ...


class MailBatchQueue(MailQueue, Protocol):
    def send_many(self, messages: list[MailMessage]) -> None:
        """Queue messages in as few calls as the queue allows (SQS: ten a call). Raises
        when any could not be queued (a retry queues them again: ids make that harmless)."""
        ...


class SharedContextSource(Protocol):
    def load(self, ref: str) -> dict[str, JsonValue] | None:
        """The content stored once under ``ref`` (``MailMessage.shared_context``), or None
        when there is none (yet)."""
        ...


class SentLedger(Protocol):
    """What the mailer sent, by message id."""

    def claim(self, message_id: str, at: datetime) -> bool:
        """Record that ``message_id`` is being sent; False when it already was (or is being
        sent by a concurrent delivery). Conditional on the id being unknown."""
        ...

    def release(self, message_id: str) -> None:
        """Forget a claim whose send failed, so that the retry may send."""
        ...

    def mark_sent(self, message_id: str, provider_id: str, at: datetime) -> None: ...


class SuppressionList(Protocol):
    def is_suppressed(self, address: str) -> bool: ...

    def suppress(self, address: str, reason: SuppressionReason, at: datetime) -> None: ...


class MailRenderer(Protocol):
    def render(self, message: MailMessage) -> RenderedMail:
        """Subject, HTML and text parts of the message's template in its locale (French
        when the template has no version in that locale)."""
        ...


class MailSender(Protocol):
    def send(self, to: str, mail: RenderedMail) -> str:
        """Send; returns the provider's message id."""
        ...


class SubscriptionCheck(Protocol):
    def is_active(self, subscription: str) -> bool:
        """Whether list mail may still go to this subscription (``MailMessage.subscription``)."""
        ...
