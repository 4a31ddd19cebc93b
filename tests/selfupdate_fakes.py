"""In-memory fakes of the mail pipeline and self-update link ports."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.mail.models import (
    MailMessage,
    RenderedMail,
    SuppressionReason,
    normalise_address,
)


class InMemoryMailQueue:
    def __init__(self) -> None:
        self.messages: list[MailMessage] = []

    def send(self, message: MailMessage) -> None:
        self.messages.append(message)


class InMemorySentLedger:
    def __init__(self) -> None:
        self.claims: dict[str, str] = {}

    def claim(self, message_id: str, at: datetime) -> bool:
        if message_id in self.claims:
            return False
        self.claims[message_id] = "sending"
        return True

    def release(self, message_id: str) -> None:
        if self.claims.get(message_id) == "sending":
            del self.claims[message_id]

    def mark_sent(self, message_id: str, provider_id: str, at: datetime) -> None:
        self.claims[message_id] = "sent"


class InMemorySuppressionList:
    def __init__(self) -> None:
        self.addresses: dict[str, SuppressionReason] = {}

    def is_suppressed(self, address: str) -> bool:
        return normalise_address(address) in self.addresses

    def suppress(self, address: str, reason: SuppressionReason, at: datetime) -> None:
        self.addresses[normalise_address(address)] = reason


class RecordingMailSender:
    """Keeps what it was asked to send; ``fail_next`` makes the next send raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, RenderedMail]] = []
        self.fail_next = False

    def send(self, to: str, mail: RenderedMail) -> str:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("the provider is unreachable")
        self.sent.append((to, mail))
        return f"provider-{len(self.sent)}"


class InMemoryLinkStateStore:
    def __init__(self) -> None:
        self.generations: dict[str, int] = {}
        self.counters: dict[tuple[str, str], int] = {}

    def generation(self, place_id: str) -> int:
        return self.generations.get(place_id, 1)

    def revoke(self, place_id: str, at: datetime) -> int:
        self.generations[place_id] = self.generation(place_id) + 1
        return self.generations[place_id]

    def count_write(self, token_id: str, place_id: str, hour: str, limit: int) -> bool:
        key = (token_id, hour)
        if self.counters.get(key, 0) >= limit:
            return False
        self.counters[key] = self.counters.get(key, 0) + 1
        return True
