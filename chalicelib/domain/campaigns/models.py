"""Update campaigns (docs/campaigns.md): what an admin starts, the per-place targets it
tracks, and the progress figures it reports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.auth import DEPARTMENT_CODE
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.sections import Section

CAMPAIGN_ID_PATTERN = r"^[a-z0-9]{1,64}$"


CampaignSection = Section
"""What structures are asked to check: the sections their self-update page asks them to
confirm, the only ones their link lets them change, and the ones their mails name
(chalicelib/domain/places/sections.py)."""


class CampaignStatus(StrEnum):
    STARTING = "starting"  # targets, links and mails still being prepared
    RUNNING = "running"
    ENDED = "ended"  # figures frozen


class TargetState(StrEnum):
    TO_DO = "to_do"
    CONFIRMED_UNCHANGED = "confirmed_unchanged"
    UPDATED = "updated"


class MailStatus(StrEnum):
    MAILED = "mailed"
    NO_EMAIL = "no_email"  # the place had no public e-mail when the campaign started


class CampaignRequest(DomainModel):
    """The body of ``POST /admin/campaigns``."""

    name: str = Field(min_length=1, max_length=200)
    departments: tuple[str, ...] = Field(min_length=1, max_length=110)
    sections: tuple[CampaignSection, ...] = Field(min_length=1, max_length=10)
    start_date: date | None = Field(
        default=None, description="Today when absent; campaigns start when created."
    )
    end_date: date
    reminder_delay_days: int | None = Field(
        default=None,
        ge=1,
        le=90,
        description="Days without an answer before a reminder (REPERE_CAMPAIGN_REMINDER_DELAY_DAYS "
        "when absent).",
    )

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("the name must not be blank")
        return stripped

    @field_validator("departments")
    @classmethod
    def _departments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not DEPARTMENT_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not a French department code")
        return tuple(sorted(set(value)))

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: tuple[CampaignSection, ...]) -> tuple[CampaignSection, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a section is listed twice")
        return value

    @model_validator(mode="after")
    def _dates(self) -> CampaignRequest:
        if self.start_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ChannelTally(DomainModel):
    confirmed_unchanged: int = 0
    updated: int = 0


class Tally(DomainModel):
    """Figures of a set of targets (a department, or the whole campaign)."""

    total: int
    to_do: int
    confirmed_unchanged: int
    updated: int
    done_percent: float = Field(description="(confirmed_unchanged + updated) / total, in %.")
    by_channel: dict[str, ChannelTally] = Field(
        description="Per history channel (self-update, admin, batch, submission)."
    )
    mailed: int
    no_email: int
    reminders_sent: int


class CampaignProgress(DomainModel):
    overall: Tally
    departments: dict[str, Tally]
    computed_at: datetime
    frozen: bool = Field(description="True once the campaign ended: the figures never move.")


class CampaignView(DomainModel):
    """A campaign as the back office sees it."""

    id: str = Field(pattern=CAMPAIGN_ID_PATTERN)
    name: str
    departments: tuple[str, ...]
    sections: tuple[CampaignSection, ...]
    start_date: date
    end_date: date
    status: CampaignStatus
    reminder_delay_days: int = Field(ge=1)
    created_by: str
    created_at: datetime
    ended_at: datetime | None = None


class Campaign(CampaignView):
    """A stored campaign: the view plus bookkeeping."""

    fingerprint: str = Field(description="Hash of the request: a reused key must match it.")
    snapshot: CampaignProgress | None = Field(
        default=None, description="The frozen figures of an ended campaign."
    )

    def view(self) -> CampaignView:
        return CampaignView.model_validate(self.model_dump(exclude={"fingerprint", "snapshot"}))


class CampaignTarget(DomainModel):
    """One place a campaign asks to update. ``start_version``: the place's version when the
    target was written; history entries after it are the place's answers."""

    campaign_id: str
    place_id: str
    department: str
    state: TargetState = TargetState.TO_DO
    channel: str | None = None
    at: datetime | None = None
    start_version: int = Field(ge=1)
    seen_version: int = Field(ge=1, description="The version the state was computed at.")
    mail: MailStatus
    reminders: int = Field(default=0, ge=0)
    last_mailed_at: datetime | None = None
    created_at: datetime


class CampaignReport(DomainModel):
    campaign: CampaignView
    progress: CampaignProgress


class StartOutcome(DomainModel):
    report: CampaignReport
    created: bool  # False: the idempotency key named a campaign already started


class CampaignList(DomainModel):
    campaigns: list[CampaignView]


class ReminderRun(DomainModel):
    campaigns: int
    reminders_queued: int
    ended: list[str]
