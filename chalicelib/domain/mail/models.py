"""Mail messages as the API queues them and the mailer sends them (docs/selfupdate.md).

The API never sends mail: it puts a ``MailMessage`` on the mail queue. The mailer worker
(functions/mailer.py) renders the message's template and sends it, once per ``id``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, JsonValue, field_validator

from chalicelib.domain.emails import EMAIL_PATTERN
from chalicelib.domain.hours.models import DomainModel


def normalise_address(address: str) -> str:
    """The form an address is compared and stored in (suppression list): trimmed, lower case."""
    return address.strip().lower()


class ListUnsubscribe(DomainModel):
    """One-click unsubscription of list mail (RFC 2369 ``List-Unsubscribe`` and RFC 8058
    ``List-Unsubscribe-Post``). ``url`` is an HTTPS URI answering a POST with the body
    ``List-Unsubscribe=One-Click``; ``mailto`` an optional second way."""

    url: str = Field(max_length=2000, pattern=r"^https?://[^\s<>]+$")
    mailto: str | None = Field(default=None, max_length=500, pattern=r"^mailto:[^\s<>]+$")

    def headers(self) -> dict[str, str]:
        targets = [f"<{self.url}>"] + ([f"<{self.mailto}>"] if self.mailto else [])
        return {
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }


class MailMessage(DomainModel):
    """One e-mail to one recipient. ``id`` is chosen by the producer and deterministic
    (campaign + place, link + generation...): queuing twice or a redelivery never sends twice.

    ``shared_context`` names content stored once for many messages (a newsletter issue:
    ``newsletter:<department>:<week>``) that the mailer loads and merges under the message's
    own ``context``, so 30,000 queued messages do not each carry the digest.
    ``list_unsubscribe`` adds the one-click unsubscription headers (list mail only), and
    ``subscription`` names the subscription the mailer checks is still active.
    All optional: producers that do not know them are unchanged."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.:#-]{1,200}$")
    template: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    to: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    locale: str = Field(default="fr", pattern=r"^[a-z]{2}$")
    context: dict[str, JsonValue] = Field(default_factory=dict)
    shared_context: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:#-]{1,200}$")
    list_unsubscribe: ListUnsubscribe | None = None
    # List mail: the subscription the message is for, checked again when sending, so an
    # address unsubscribed after the message was queued gets nothing.
    subscription: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,100}$")

    @field_validator("to")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_address(value)


class RenderedMail(DomainModel):
    subject: str = Field(min_length=1, max_length=300)
    html: str
    text: str
    # Extra headers (List-Unsubscribe...). Senders that receive none send a simple mail.
    headers: dict[str, str] = Field(default_factory=dict)


class DeliveryStatus(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"  # already sent (a redelivery, or the producer queued it twice)
    SUPPRESSED = "suppressed"  # the address bounced or complained: never mailed again
    UNSUBSCRIBED = "unsubscribed"  # list mail whose subscription ended after it was queued


class DeliveryOutcome(DomainModel):
    message_id: str
    status: DeliveryStatus
    provider_id: str | None = None


class SuppressionReason(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
