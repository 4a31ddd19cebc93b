"""Subscriptions, signed subscription links and weekly digests (docs/newsletters.md).

Only the minimum is stored about a subscriber: an id derived from the normalised address
with an HMAC (so the same address always finds its record, and the key never leaves the
stage), the address itself (needed to mail it, deleted with the record on unsubscription),
departments, language, status and a few instants.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import Field, JsonValue, field_validator

from chalicelib.domain.auth import DEPARTMENT_CODE
from chalicelib.domain.emails import EMAIL_PATTERN
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.mail.models import normalise_address
from chalicelib.domain.translations.languages import Language as SupportedLanguage

# Every supported language (chalicelib/domain/translations/languages.py), defined there once.
Language = SupportedLanguage
MAX_DEPARTMENTS = 20
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


class SubscriptionRequest(DomainModel):
    """``POST /subscriptions``."""

    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    departments: list[str] = Field(min_length=1, max_length=MAX_DEPARTMENTS)
    language: Language = "fr"

    @field_validator("email")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_address(value)

    @field_validator("departments")
    @classmethod
    def _departments(cls, values: list[str]) -> list[str]:
        for code in values:
            if not DEPARTMENT_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not a French department code")
        return sorted(set(values))


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # waiting for the confirmation link
    ACTIVE = "active"


class Subscriber(DomainModel):
    """One stored subscription. ``pending_*`` are what the last request asked for, applied by
    its confirmation (an active subscriber's preferences never change without one)."""

    id: str
    email: str
    status: SubscriptionStatus
    departments: list[str] = Field(default_factory=list)
    language: Language = "fr"
    pending_departments: list[str] = Field(default_factory=list)
    pending_language: Language = "fr"
    nonce: str  # of the last confirmation link: an earlier link no longer confirms
    confirm_sent_at: datetime
    created_at: datetime
    confirmed_at: datetime | None = None
    expires_at: datetime | None = None  # pending records vanish (TTL) if never confirmed
    version: int = Field(default=1, ge=1)


class TokenPurpose(StrEnum):
    CONFIRM = "newsletter-confirm"
    UNSUBSCRIBE = "newsletter-unsubscribe"


class SubscriptionClaims(DomainModel):
    subscriber_id: str = Field(min_length=1, max_length=100)
    purpose: TokenPurpose
    nonce: str | None = Field(default=None, max_length=100)
    issued_at: datetime
    expires_at: datetime


class SubscriptionView(DomainModel):
    """What confirming answers (never the address)."""

    status: SubscriptionStatus
    departments: list[str]
    language: Language


# Digest --------------------------------------------------------------------------------


class IssueWeek(DomainModel):
    """An ISO week (``2026-W48``): Monday 00:00 to the next Monday 00:00, in UTC."""

    year: int = Field(ge=2000, le=2999)
    week: int = Field(ge=1, le=53)

    @classmethod
    def parse(cls, text: str) -> IssueWeek:
        match = _WEEK.fullmatch(text)
        if match is None:
            raise InvalidInput("week must look like 2026-W48", field="week")
        year, week = int(match.group(1)), int(match.group(2))
        if not 2000 <= year <= 2999:  # the model's own bounds, said about the parameter given
            raise InvalidInput(f"{text}: the year must be between 2000 and 2999", field="week")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise InvalidInput(f"{text} is not an ISO week", field="week") from None
        return cls(year=year, week=week)

    @classmethod
    def containing(cls, day: date) -> IssueWeek:
        iso = day.isocalendar()
        return cls(year=iso.year, week=iso.week)

    @classmethod
    def before(cls, instant: datetime) -> IssueWeek:
        """The last complete week before ``instant`` (what Monday's newsletter covers)."""
        return cls.containing(instant.astimezone(UTC).date() - timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0, 0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)


class DigestPlace(DomainModel):
    id: str
    name: str
    city: str
    url: str
    detail: str | None = None  # a closure's dates and reason, a message's text...
    translations: dict[str, str] = Field(
        default_factory=dict,
        # Absent when there is none: issues without translations keep their stored shape.
        exclude_if=lambda value: not value,
        description="``detail`` in other languages (lang -> text), from current translations "
        "of its French text (docs/translations.md); a language missing here reads French.",
    )


class DigestSection(DomainModel):
    key: str
    count: int
    places: list[DigestPlace]  # at most ``MAX_PLACES_PER_SECTION``; ``count`` is the total


class DigestExport(DomainModel):
    title: str
    format: str
    url: str
    data_date: date


class Digest(DomainModel):
    """One department's week: the content of a newsletter issue, stored once."""

    issue_id: str
    department: str
    week: str
    week_start: date
    week_end: date  # inclusive (Sunday), for display
    sections: list[DigestSection]
    total: int
    exports: list[DigestExport]
    site_url: str

    def context(self) -> dict[str, JsonValue]:
        """The template context (JSON): what the mailer merges into each message."""
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return {"digest": data}


def issue_id(department: str, week: IssueWeek) -> str:
    return f"newsletter:{department}:{week.label}"
