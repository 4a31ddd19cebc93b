"""Submissions: a proposed new place or a proposed change to a place, from the public.

The submitter's own contact (``Submitter``) and the hashed client address are private: they
appear in the moderation view only, never in a public response, an export or a log line.
``SubmissionStatusView`` is all the public ever sees of a submission.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.emails import EMAIL_PATTERN
from chalicelib.domain.hours.models import DomainModel, WeeklyHours
from chalicelib.domain.places.models import Contacts, GeoPoint
from chalicelib.domain.submissions.status import SubmissionStatus

_POSTAL_CODE = re.compile(r"^[0-9]{5}$")


def department_of_postal_code(postal_code: str) -> str:
    """The department of a French postal code (Corsica: 200xx/201xx → 2A, else 2B)."""
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if postal_code[2] in "01" else "2B"
    return postal_code[:2]


class SubmissionKind(StrEnum):
    NEW_PLACE = "new_place"
    SUGGESTION = "suggestion"


class SubmittedAddress(DomainModel):
    """A full postal address as the public writes it (the department follows from it)."""

    street: str = Field(min_length=1, max_length=300)
    additional_info: str | None = Field(default=None, max_length=300)
    postal_code: str
    city: str = Field(min_length=1, max_length=100)

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.fullmatch(value):
            raise ValueError("postal code must be five digits")
        return value

    @property
    def department(self) -> str:
        return department_of_postal_code(self.postal_code)


class SubmittedContent(DomainModel):
    """What the public proposes about a place; every field optional here (a suggestion
    changes some of them; ``NewPlaceForm`` requires name, address and categories)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    organisation: str | None = Field(default=None, max_length=200)
    address: SubmittedAddress | None = None
    location: GeoPoint | None = None
    categories: list[str] | None = Field(default=None, min_length=1, max_length=20)
    hours: WeeklyHours | None = None
    contacts: Contacts | None = Field(
        default=None, description="Public contacts of the structure (published if approved)."
    )


class Submitter(DomainModel):
    """Who proposes. Private: shown to moderators only, and only with consent."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, min_length=4, max_length=30, pattern=r"^[0-9+ .()-]+$")
    consent: bool = False

    @model_validator(mode="after")
    def _needs_consent(self) -> Submitter:
        if (self.name or self.email or self.phone) and not self.consent:
            raise ValueError("consent is needed to keep your name, email or phone")
        return self


class SubmissionForm(DomainModel):
    """Common to both forms: the content, who proposes, a note for the moderators, and the
    honeypot (``website``: hidden in the form; people leave it empty, robots fill it)."""

    content: SubmittedContent
    submitter: Submitter = Field(default_factory=Submitter)
    message: str | None = Field(default=None, max_length=2000)
    website: str | None = Field(default=None, max_length=500)


class NewPlaceForm(SubmissionForm):
    @model_validator(mode="after")
    def _required(self) -> NewPlaceForm:
        for name in ("name", "address", "categories"):
            if getattr(self.content, name) is None:
                raise ValueError(f"content.{name} is required")
        return self


class SuggestionForm(SubmissionForm):
    content: SubmittedContent = Field(default_factory=SubmittedContent)

    @model_validator(mode="after")
    def _not_empty(self) -> SuggestionForm:
        if not self.content.model_fields_set and not self.message:
            raise ValueError("the suggestion changes nothing: give a field or a message")
        return self


class DuplicateCandidate(DomainModel):
    kind: Literal["place", "submission"]
    id: str
    name: str
    distance_m: float
    score: float = Field(description="Name similarity, 0-100 (normalised, accent-insensitive).")


class Decision(DomainModel):
    status: SubmissionStatus
    at: datetime
    by: str = Field(description="Subject of the moderator.")
    reason: str | None = Field(default=None, max_length=1000)
    place_id: str | None = None
    place_version: int | None = None
    merged_fields: list[str] | None = Field(
        default=None,
        description="A merge: the submission's fields it took into the place (those picked "
        "that changed it; `[]` when it took none).",
    )
    notification: Literal["recorded", "pending", "emailed"] = Field(
        default="recorded",
        description=(
            "How the submitter learns it: `recorded` (status URL only: no email or no "
            "consent), `pending` (a mail is due but could not be queued yet), `emailed` "
            "(queued for the mailer)."
        ),
    )
    mail_id: str | None = Field(
        default=None, description="Id of the decision mail (`submission:<id>:decision`)."
    )
    notified_at: datetime | None = None


class Submission(DomainModel):
    id: str
    kind: SubmissionKind
    status: SubmissionStatus = SubmissionStatus.PENDING
    department: str
    region: str
    place_id: str | None = Field(default=None, description="The place a suggestion is about.")
    content: SubmittedContent
    location: GeoPoint | None = Field(default=None, description="Given, or geocoded.")
    geocoded: bool = False
    city_code: str | None = None
    message: str | None = None
    submitter: Submitter
    client_hash: str = Field(description="HMAC of the client address (private).")
    duplicates: list[DuplicateCandidate] = Field(default_factory=list)
    created_at: datetime
    decision: Decision | None = None
    version: int = Field(default=1, ge=1)


class SubmissionStatusView(DomainModel):
    """The public status of a submission (what the status URL answers): nothing private."""

    id: str
    kind: SubmissionKind
    status: SubmissionStatus
    created_at: datetime
    decided_at: datetime | None
    reason: str | None
    place_id: str | None

    @classmethod
    def of(cls, submission: Submission) -> SubmissionStatusView:
        decision = submission.decision
        return cls(
            id=submission.id,
            kind=submission.kind,
            status=submission.status,
            created_at=submission.created_at,
            decided_at=decision.at if decision else None,
            reason=decision.reason if decision else None,
            place_id=decision.place_id if decision else None,
        )


class Receipt(DomainModel):
    id: str
    status: SubmissionStatus
    status_url: str
    duplicate_of_earlier: bool = Field(
        description="True when the same payload had already been received (idempotency)."
    )


class GeocodeResult(DomainModel):
    location: GeoPoint
    city_code: str | None = None


class Counts(DomainModel):
    pending: int = 0
    approved: int = 0
    rejected: int = 0
    merged: int = 0


class Figures(DomainModel):
    by_department: dict[str, Counts]
    by_region: dict[str, Counts]
    total: Counts
    approval_rate: float | None = Field(description="(approved + merged) / decided; null if none.")
    median_hours_to_decision: float | None


class QueuePosition(DomainModel):
    """Where a page of the queue ended: the last submission's (created_at, id)."""

    created_at: datetime
    id: str


class QueuePage(DomainModel):
    submissions: list[Submission]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class DecisionNotice(DomainModel):
    """What the submitter is told of a decision (private: it carries their address)."""

    message_id: str
    to: str
    submission_id: str
    kind: SubmissionKind
    status: SubmissionStatus
    place_name: str
    place_url: str | None = None
    reason: str | None = None
