"""The place: a structure where people in precarity find services (food, showers, care...).

Modelled after Soliguide's place and Open Referral HSDS 3.0 (see README, "Domain model").
Private fields are listed in ``PRIVATE_FIELDS`` and never leave through a public view.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.emails import EMAIL_PATTERN
from chalicelib.domain.hours.models import (
    DomainModel,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    WeeklyHours,
)
from chalicelib.domain.territories import DEPARTMENT_PATTERN

DEFAULT_TIMEZONE = "Europe/Paris"

_DEPARTMENT = re.compile(DEPARTMENT_PATTERN)
_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
_INSEE = re.compile(r"^([0-9]{5}|2A[0-9]{3}|2B[0-9]{3})$")
_LANGUAGE = re.compile(r"^([a-z]{2}|lsf)$")
_PLACE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class PlaceStatus(StrEnum):
    DRAFT = "draft"
    ONLINE = "online"
    OFFLINE = "offline"
    PERMANENTLY_CLOSED = "permanently_closed"


class GeoPoint(DomainModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Address(DomainModel):
    street: str = Field(min_length=1, max_length=300)
    additional_info: str | None = Field(default=None, max_length=300)
    postal_code: str
    city: str = Field(min_length=1, max_length=100)
    city_code: str | None = Field(default=None, description="INSEE code of the commune")
    department_code: str
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.fullmatch(value):
            raise ValueError("postal code must be five digits")
        return value

    @field_validator("city_code")
    @classmethod
    def _city_code(cls, value: str | None) -> str | None:
        if value is not None and not _INSEE.fullmatch(value):
            raise ValueError("INSEE city code must be 5 digits, or 2A/2B and 3 digits")
        return value

    @field_validator("department_code")
    @classmethod
    def _department(cls, value: str) -> str:
        if not _DEPARTMENT.fullmatch(value):
            raise ValueError("unknown French department code")
        return value


class AudienceKind(StrEnum):
    UNCONDITIONAL = "unconditional"
    PREFERENTIAL = "preferential"
    EXCLUSIVE = "exclusive"


class Gender(StrEnum):
    WOMEN = "women"
    MEN = "men"


class FamilySituation(StrEnum):
    ISOLATED = "isolated"
    COUPLE = "couple"
    FAMILY = "family"
    PREGNANT = "pregnant"


class AdministrativeSituation(StrEnum):
    REGULAR = "regular"
    ASYLUM_SEEKER = "asylum_seeker"
    REFUGEE = "refugee"
    UNDOCUMENTED = "undocumented"


class Audience(DomainModel):
    """Who is welcome. ``unconditional``: everyone; otherwise the lists say who."""

    kind: AudienceKind = AudienceKind.UNCONDITIONAL
    genders: list[Gender] = Field(default_factory=list)
    family: list[FamilySituation] = Field(default_factory=list)
    administrative: list[AdministrativeSituation] = Field(default_factory=list)
    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)
    other: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _check_ages(self) -> Audience:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min must not exceed age_max")
        return self


class Price(StrEnum):
    FREE = "free"
    SYMBOLIC = "symbolic"
    PAID = "paid"


class Modalities(DomainModel):
    appointment: bool = False
    registration: bool = False
    referral_required: bool = False
    price: Price = Price.FREE
    price_note: str | None = Field(default=None, max_length=300)
    wheelchair_access: bool = False
    animals_accepted: bool = False


class Phone(DomainModel):
    label: str | None = Field(default=None, max_length=100)
    number: str = Field(min_length=4, max_length=30, pattern=r"^[0-9+ .()-]+$")


class Contacts(DomainModel):
    """Public contacts of the structure (a submitter's own contact is not here)."""

    phones: list[Phone] = Field(default_factory=list, max_length=10)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    website: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")


class Source(DomainModel):
    name: str = Field(min_length=1, max_length=100)
    external_id: str | None = Field(default=None, max_length=100)
    url: str | None = Field(default=None, max_length=500)


class Service(DomainModel):
    """One leaf service of a place (a shower, a food distribution...).

    Without its own hours a service follows the place's hours; its own temporary closure
    applies on top of the place's. Its own temporary hours, within their dates, win over its
    regular hours and over the place's temporary hours (``engine.schedule_for_service``); its
    own temporary message is shown with the service, beside the place's own.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    category: str = Field(description="Category id from the taxonomy (GET /categories).")
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    hours: WeeklyHours | None = None
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None
    audience: Audience | None = None
    modalities: Modalities | None = None

    def active_temporary_message(self, day: date) -> TemporaryMessage | None:
        message = self.temporary_message
        return message if message is not None and message.covers(day) else None

    def active_temporary_hours(self, day: date) -> TemporaryHours | None:
        hours = self.temporary_hours
        return hours if hours is not None and hours.covers(day) else None


class Place(DomainModel):
    id: str
    slug: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    organisation: str | None = Field(default=None, max_length=200)
    sources: list[Source] = Field(default_factory=list)

    address: Address
    location: GeoPoint
    timezone: str = DEFAULT_TIMEZONE

    services: list[Service] = Field(min_length=1, max_length=50)
    hours: WeeklyHours = Field(default_factory=WeeklyHours)
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None

    status: PlaceStatus = PlaceStatus.DRAFT
    audience: Audience = Field(default_factory=Audience)
    modalities: Modalities = Field(default_factory=Modalities)
    languages: list[str] = Field(default_factory=list, max_length=30)
    contacts: Contacts = Field(default_factory=Contacts)

    # Private: never in a public response, an export or a log line.
    internal_note: str | None = Field(default=None, max_length=4000)
    # Private: subject of the back-office account that created the place (volunteers edit
    # their own drafts only, chalicelib/domain/auth.py); None for imported places.
    created_by: str | None = Field(default=None, max_length=256)

    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = None
    version: int = Field(default=1, ge=1)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _PLACE_ID.match(value):
            raise ValueError("place id must be 1-64 letters, digits, '-' or '_'")
        return value

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _LANGUAGE.match(code):
                raise ValueError(f"{code!r} is not an ISO 639-1 code nor 'lsf'")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _check_unique_service_ids(self) -> Place:
        ids = [service.id for service in self.services]
        if len(ids) != len(set(ids)):
            raise ValueError("service ids must be unique within a place")
        return self

    @property
    def categories(self) -> list[str]:
        """The place's leaf categories, in service order, without repeats."""
        return list(dict.fromkeys(service.category for service in self.services))

    def active_temporary_message(self, day: date) -> TemporaryMessage | None:
        message = self.temporary_message
        return message if message is not None and message.covers(day) else None

    def active_temporary_hours(self, day: date) -> TemporaryHours | None:
        hours = self.temporary_hours
        return hours if hours is not None and hours.covers(day) else None

    def active_temporary_closure(self, day: date) -> TemporaryClosure | None:
        closure = self.temporary_closure
        return closure if closure is not None and closure.covers(day) else None


PRIVATE_FIELDS: frozenset[str] = frozenset({"internal_note", "created_by"})
