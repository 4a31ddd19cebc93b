"""Public views of a place: what the website, kiosks and partners may see.

Built field by field from the domain model (never by dumping it and deleting keys), so a field
added to ``Place`` stays private until someone decides to publish it here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.hours.engine import (
    DayHours,
    HoursState,
    OpenStatus,
    schedule_for_place,
    schedule_for_service,
    state_at,
)
from chalicelib.domain.hours.formatting import (
    END_OF_DAY,
    format_compact_fr,
    format_osm,
    format_today_fr,
)
from chalicelib.domain.hours.models import (
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import (
    Audience,
    Contacts,
    GeoPoint,
    Modalities,
    Phone,
    Place,
    Service,
    Source,
)
from chalicelib.domain.taxonomy.taxonomy import Taxonomy
from chalicelib.domain.translations.languages import content_language_field


class View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _content_language() -> Any:
    return content_language_field(
        '"description", "temporary_message.text", "services.<id>.description"...'
    )


class PublicAddress(View):
    street: str
    additional_info: str | None
    postal_code: str
    city: str
    city_code: str | None
    department_code: str
    country: str


class DayHoursView(View):
    date: date
    text: str  # compact French, e.g. "9h-12h30 - 14h-17h30", "jusqu'à 9h" or "fermé"
    slots: list[TimeSlot]
    carried_over_until: str | None = Field(
        default=None,
        description=(
            "An opening begun the day before and still going at midnight (an overnight "
            'slot) ends at this local time ("HH:MM"; "24:00": it lasts the whole day).'
        ),
    )
    source: str  # regular | temporary | holiday_closed | temporarily_closed
    holiday: str | None


class HoursView(View):
    text_fr: str
    osm: str
    weekly: WeeklyHours


class TemporaryHoursView(View):
    start_date: date
    end_date: date | None
    text_fr: str
    weekly: WeeklyHours


class OpenState(View):
    status: OpenStatus
    open_now: bool
    closes_at: datetime | None
    next_opening: datetime | None
    today: DayHoursView


class CategoryRef(View):
    id: str
    fr: str
    en: str
    label: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,  # absent from French answers
        description="The label in the answer's language (lang=, Accept-Language).",
    )


class PlaceSummary(View):
    """One search result, or one entry of a department listing."""

    id: str
    slug: str
    name: str
    organisation: str | None
    address: PublicAddress
    location: GeoPoint
    distance_m: int | None
    categories: list[str]
    status: OpenStatus
    open_now: bool
    closes_at: datetime | None = Field(
        description="When an open place closes (null when closed, or open past the horizon)."
    )
    next_opening: datetime | None
    today: DayHoursView
    phone: Phone | None = Field(
        description="The structure's first public phone: what a kiosk shows beside a result."
    )
    temporary_message: TemporaryMessage | None
    temporary_hours: TemporaryHoursView | None
    temporary_closure: TemporaryClosure | None
    url: str
    content_language: dict[str, str] | None = _content_language()


class ServiceView(View):
    id: str
    category: CategoryRef
    name: str | None
    description: str | None
    hours: HoursView | None
    temporary_closure: TemporaryClosure | None
    temporary_hours: TemporaryHoursView | None = Field(
        description="The service's own temporary hours while current (they win over its "
        "regular hours and over the place's temporary hours); null otherwise."
    )
    temporary_message: TemporaryMessage | None = Field(
        description="The service's own temporary message while current (the place's is on "
        "the place)."
    )
    audience: Audience | None
    modalities: Modalities | None
    state: OpenState


class PlaceDetail(View):
    """The full public record of a place (GET /places/{id})."""

    id: str
    slug: str
    name: str
    description: str | None
    organisation: str | None
    address: PublicAddress
    location: GeoPoint
    timezone: str
    services: list[ServiceView]
    hours: HoursView
    temporary_closure: TemporaryClosure | None
    temporary_hours: TemporaryHoursView | None
    temporary_message: TemporaryMessage | None
    state: OpenState
    audience: Audience
    modalities: Modalities
    languages: list[str]
    contacts: Contacts
    sources: list[Source]
    updated_at: datetime
    verified_at: datetime | None
    url: str
    content_language: dict[str, str] | None = _content_language()


def public_url(base_url: str, place: Place) -> str:
    return f"{base_url.rstrip('/')}/fiche/{place.slug}"


def _address(place: Place) -> PublicAddress:
    address = place.address
    return PublicAddress(
        street=address.street,
        additional_info=address.additional_info,
        postal_code=address.postal_code,
        city=address.city,
        city_code=address.city_code,
        department_code=address.department_code,
        country=address.country,
    )


def _carried_until(today: DayHours) -> str | None:
    carried = today.carried_over
    if carried is None:
        return None
    if carried.end.date() > today.day:
        return END_OF_DAY
    return carried.end.strftime("%H:%M")


def _hours(hours: WeeklyHours, place: Place, day: date) -> HoursView:
    osm = format_osm(hours, department_code=place.address.department_code, since=day)
    return HoursView(text_fr=format_compact_fr(hours), osm=osm, weekly=hours)


def _temporary_hours(owner: Place | Service, day: date) -> TemporaryHoursView | None:
    active: TemporaryHours | None = owner.active_temporary_hours(day)
    if active is None:
        return None
    return TemporaryHoursView(
        start_date=active.start_date,
        end_date=active.end_date,
        text_fr=format_compact_fr(active.hours),
        weekly=active.hours,
    )


def open_state(state: HoursState) -> OpenState:
    today = state.today
    carried_until = _carried_until(today)
    return OpenState(
        status=state.status,
        open_now=state.open_now,
        closes_at=state.closes_at,
        next_opening=state.next_opening,
        today=DayHoursView(
            date=today.day,
            text=format_today_fr(list(today.slots), carried_until),
            slots=list(today.slots),
            carried_over_until=carried_until,
            source=today.source,
            holiday=today.holiday,
        ),
    )


def local_date(place: Place, at: datetime) -> date:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(place.timezone)).date()


def place_summary(
    place: Place,
    *,
    at: datetime,
    base_url: str,
    distance_m: float | None = None,
    state: HoursState | None = None,
) -> PlaceSummary:
    current = state if state is not None else state_at(schedule_for_place(place), at)
    shown = open_state(current)
    day = local_date(place, at)
    return PlaceSummary(
        id=place.id,
        slug=place.slug,
        name=place.name,
        organisation=place.organisation,
        address=_address(place),
        location=place.location,
        distance_m=None if distance_m is None else round(distance_m),
        categories=place.categories,
        status=shown.status,
        open_now=shown.open_now,
        closes_at=shown.closes_at,
        next_opening=shown.next_opening,
        today=shown.today,
        phone=place.contacts.phones[0] if place.contacts.phones else None,
        temporary_message=place.active_temporary_message(day),
        temporary_hours=_temporary_hours(place, day),
        temporary_closure=place.active_temporary_closure(day),
        url=public_url(base_url, place),
    )


def _service_view(place: Place, service: Service, taxonomy: Taxonomy, at: datetime) -> ServiceView:
    category = taxonomy.get(service.category)
    day = local_date(place, at)
    return ServiceView(
        id=service.id,
        category=CategoryRef(id=category.id, fr=category.fr, en=category.en),
        name=service.name,
        description=service.description,
        hours=None if service.hours is None else _hours(service.hours, place, day),
        temporary_closure=service.temporary_closure,
        temporary_hours=_temporary_hours(service, day),
        temporary_message=service.active_temporary_message(day),
        audience=service.audience,
        modalities=service.modalities,
        state=open_state(state_at(schedule_for_service(place, service), at)),
    )


def _current_or_upcoming_closure(place: Place, day: date) -> TemporaryClosure | None:
    # The place page announces a closure before it starts: people plan their week.
    closure = place.temporary_closure
    if closure is None or (closure.end_date is not None and closure.end_date < day):
        return None
    return closure


def place_detail(place: Place, *, at: datetime, base_url: str, taxonomy: Taxonomy) -> PlaceDetail:
    day = local_date(place, at)
    return PlaceDetail(
        id=place.id,
        slug=place.slug,
        name=place.name,
        description=place.description,
        organisation=place.organisation,
        address=_address(place),
        location=place.location,
        timezone=place.timezone,
        services=[_service_view(place, s, taxonomy, at) for s in place.services],
        hours=_hours(place.hours, place, day),
        temporary_closure=_current_or_upcoming_closure(place, day),
        temporary_hours=_temporary_hours(place, day),
        temporary_message=place.active_temporary_message(day),
        state=open_state(state_at(schedule_for_place(place), at)),
        audience=place.audience,
        modalities=place.modalities,
        languages=place.languages,
        contacts=place.contacts,
        sources=place.sources,
        updated_at=place.updated_at,
        verified_at=place.verified_at,
        url=public_url(base_url, place),
    )
