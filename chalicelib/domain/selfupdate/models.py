"""Signed self-update links: what a token says, what a structure sees and may change."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, JsonValue, field_validator, model_validator

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import (
    DomainModel,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    WeeklyHours,
)
from chalicelib.domain.places.editing import PlacePatch
from chalicelib.domain.places.models import Contacts, Place
from chalicelib.domain.places.sections import (
    ALL_SECTIONS,
    SECTION_FIELDS,
    Section,
    in_page_order,
)

SCOPE = "self-update"


class LinkClaims(DomainModel):
    """What a signed link carries. ``generation``: the place's link generation when it was
    issued (revoking bumps it); ``token_id``: one id per link (rate limit, history actor)."""

    token_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    place_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    generation: int = Field(ge=1)
    scope: str
    issued_at: datetime
    expires_at: datetime
    sections: tuple[Section, ...] = Field(
        default=ALL_SECTIONS,
        min_length=1,
        description="What the link asks to check (a campaign's sections; every section for a "
        "link issued outside any campaign), in page order.",
    )

    @field_validator("sections")
    @classmethod
    def _page_order(cls, value: tuple[Section, ...]) -> tuple[Section, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a section is listed twice")
        return in_page_order(value)


class IssuedLink(DomainModel):
    place_id: str
    url: str = Field(description="The website's self-update page; the token is in the fragment.")
    token: str
    generation: int
    expires_at: datetime
    mailed: bool = Field(
        default=False,
        description="True when the link was queued for e-mail to the place's public address.",
    )


class IssueLinkBody(DomainModel):
    """Optional body of ``POST /admin/places/{id}/update-links``."""

    send: bool = Field(
        default=False,
        strict=True,  # "yes" or 1 are errors, not True
        description="Also e-mail the link to the place's public address.",
    )


class RevokedLinks(DomainModel):
    place_id: str
    generation: int = Field(description="The new generation: every earlier link is revoked.")


class ServiceView(DomainModel):
    id: str
    category: str
    name: str | None = None
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None


class SectionField(DomainModel):
    name: str = Field(description="The place field (as in the view and in a change).")
    value: JsonValue = Field(description="Its current value (as in the view).")


class SectionView(DomainModel):
    """One section the structure is asked to check, with the fields it covers."""

    id: Section
    fields: list[SectionField] = Field(
        description="The public fields the section covers, with their current values."
    )


class SelfUpdateView(DomainModel):
    """The editable subset of a place, as its structure sees it, and the sections its link
    asks it to check (only fields of those sections may change)."""

    place_id: str
    name: str
    version: int
    description: str | None
    hours: WeeklyHours
    temporary_closure: TemporaryClosure | None
    temporary_hours: TemporaryHours | None
    temporary_message: TemporaryMessage | None
    contacts: Contacts
    services: list[ServiceView]
    verified_at: datetime | None
    link_expires_at: datetime
    sections: list[SectionView] = Field(
        description="What to check, in page order (hours, temporary_info, contacts, "
        "description, services): the link's campaign's sections, or all of them for a link "
        "issued outside any campaign. A change may only touch these sections' fields; a "
        "confirmation confirms them.",
    )

    @classmethod
    def of(cls, place: Place, claims: LinkClaims) -> SelfUpdateView:
        view = cls(
            place_id=place.id,
            name=place.name,
            version=place.version,
            description=place.description,
            hours=place.hours,
            temporary_closure=place.temporary_closure,
            temporary_hours=place.temporary_hours,
            temporary_message=place.temporary_message,
            contacts=place.contacts,
            services=[
                ServiceView(
                    id=service.id,
                    category=service.category,
                    name=service.name,
                    temporary_closure=service.temporary_closure,
                    temporary_hours=service.temporary_hours,
                    temporary_message=service.temporary_message,
                )
                for service in place.services
            ],
            verified_at=place.verified_at,
            link_expires_at=claims.expires_at,
            sections=[],
        )
        # Values come from the view itself: only what the structure already sees (public).
        shown = view.model_dump(mode="json")
        sections = [
            SectionView(
                id=section,
                fields=[
                    SectionField(name=name, value=shown[name]) for name in SECTION_FIELDS[section]
                ],
            )
            for section in claims.sections
        ]
        return view.model_copy(update={"sections": sections})


SERVICE_TEMPORARY_FIELDS = ("temporary_closure", "temporary_hours", "temporary_message")


class ServiceClosure(DomainModel):
    """The temporary information of one service: a present field replaces it, ``null``
    clears it, an absent one is left as it is (at least one is needed)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None

    @model_validator(mode="after")
    def _check_not_empty(self) -> ServiceClosure:
        if not self.model_fields_set & set(SERVICE_TEMPORARY_FIELDS):
            raise InvalidInput(
                "a service change needs temporary_closure, temporary_hours or temporary_message",
                field="services",
            )
        return self

    def update(self) -> dict[str, object]:
        """The service fields this change sets (only those given)."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"id"}}


class SelfUpdateChange(DomainModel):
    """What a structure may change. A present field replaces the group; ``null`` clears a
    temporary closure, hours or message. ``place_id``, when given, must be the link's place.
    ``services`` sets the temporary closure, hours or message of the services it names
    (others unchanged)."""

    place_id: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=4000)
    hours: WeeklyHours | None = None
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None
    contacts: Contacts | None = None
    services: list[ServiceClosure] | None = Field(default=None, max_length=50)

    def to_patch(self, place: Place) -> PlacePatch:
        data = self.model_dump(include=self.model_fields_set - {"place_id", "services"})
        if self.services is not None:
            closures = {item.id: item.update() for item in self.services}
            if len(closures) != len(self.services):
                raise InvalidInput("a service is named twice", field="services.id")
            known = {service.id for service in place.services}
            for service_id in closures:
                if service_id not in known:
                    raise InvalidInput(
                        f"this place has no service {service_id!r}", field="services.id"
                    )
            data["services"] = [
                service.model_copy(update=closures[service.id])
                if service.id in closures
                else service
                for service in place.services
            ]
        return PlacePatch.model_validate(data)
