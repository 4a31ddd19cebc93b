"""Mail messages as the API queues them and the mailer sends them (docs/selfupdate.md).

The API never sends mail: it puts a ``MailMessage`` on the mail queue. The mailer worker
(functions/mailer.py) renders the message's template and sends it, once per ``id``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, JsonValue, field_validator

from chalicelib.domain.hours.models import DomainModel

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def normalise_address(address: str) -> str:
    """The form an address is compared and stored in (suppression list): trimmed, lower case."""
    return address.strip().lower()


class MailMessage(DomainModel):
    """One e-mail to one recipient. ``id`` is chosen by the producer and deterministic
    (campaign + place, link + generation...): queuing twice or a redelivery never sends twice."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.:#-]{1,200}$")
    template: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    to: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    locale: str = Field(default="fr", pattern=r"^[a-z]{2}$")
    context: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("to")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_address(value)


class RenderedMail(DomainModel):
    subject: str = Field(min_length=1, max_length=300)
    html: str
    text: str


class DeliveryStatus(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"  # already sent (a redelivery, or the producer queued it twice)
    SUPPRESSED = "suppressed"  # the address bounced or complained: never mailed again


class DeliveryOutcome(DomainModel):
    message_id: str
    status: DeliveryStatus
    provider_id: str | None = None


class SuppressionReason(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


class Suppression(DomainModel):
    address: str
    reason: SuppressionReason
    at: datetime
