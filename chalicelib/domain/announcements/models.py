"""Announcements: the lockdown's pop-up ("Covid-19: most food distributions are moved...").

An announcement is shown from ``start_date`` to ``end_date`` (inclusive, local dates; no end
date: until removed), nationally when ``departments`` is empty, otherwise in those departments
only. ``audience`` says who it is written for.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.translations.languages import content_language_field

_DEPARTMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")

OVERSEAS_TIMEZONES: dict[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
}
"""Departments whose dates are not Paris dates (an announcement ends at local midnight)."""


class AnnouncementAudience(StrEnum):
    EVERYONE = "everyone"
    PEOPLE = "people"  # people looking for help
    PROFESSIONALS = "professionals"  # social workers, volunteers, partner structures


class AnnouncementContent(DomainModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    start_date: date
    end_date: date | None = None
    departments: list[str] = Field(
        default_factory=list, max_length=101, description="Empty: national."
    )
    audience: AnnouncementAudience = AnnouncementAudience.EVERYONE

    @field_validator("departments")
    @classmethod
    def _check_departments(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _DEPARTMENT.fullmatch(code):
                raise ValueError(f"{code!r} is not a French department code")
        return sorted(set(value))

    @model_validator(mode="after")
    def _check_dates(self) -> AnnouncementContent:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self

    @property
    def national(self) -> bool:
        return not self.departments

    def is_active(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def shown_in(self, department: str | None) -> bool:
        """National announcements show everywhere; others in their departments only."""
        return self.national or (department is not None and department in self.departments)

    def written_for(self, audience: AnnouncementAudience | None) -> bool:
        return audience is None or self.audience in (AnnouncementAudience.EVERYONE, audience)


class Announcement(AnnouncementContent):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    created_at: datetime
    updated_at: datetime
    created_by: str = Field(min_length=1, max_length=256)  # private: admin views only
    version: int = Field(default=1, ge=1)


class PublicAnnouncement(DomainModel):
    """What the website and kiosks get (no author, no bookkeeping)."""

    id: str
    title: str
    body: str
    start_date: date
    end_date: date | None
    national: bool
    departments: list[str]
    audience: AnnouncementAudience
    content_language: dict[str, str] | None = content_language_field('"title", "body"')


def public_announcement(announcement: Announcement) -> PublicAnnouncement:
    return PublicAnnouncement(
        id=announcement.id,
        title=announcement.title,
        body=announcement.body,
        start_date=announcement.start_date,
        end_date=announcement.end_date,
        national=announcement.national,
        departments=announcement.departments,
        audience=announcement.audience,
    )
