"""Builders of valid domain objects for tests.

``make_place()`` gives a valid, online place in Paris 19e with one food distribution service;
every argument changes one aspect, and any other ``Place`` field can be given by name
(``make_place(name="Halte", languages=["fr", "en"])``). ``make_full_place()`` fills every
optional field, for round-trip tests. Dates are fixed so tests do not depend on the clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, TypedDict

from chalicelib.domain.hours.models import (
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import (
    AdministrativeSituation,
    Audience,
    AudienceKind,
    Contacts,
    FamilySituation,
    Gender,
    GeoPoint,
    Modalities,
    Phone,
    Place,
    PlaceStatus,
    Price,
    Service,
    Source,
)
from chalicelib.domain.search.geo import EARTH_RADIUS_M

FIXED_INSTANT = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
"""created_at and updated_at of built places (a Thursday, 10:30 in Paris)."""

PARIS_19 = GeoPoint(lat=48.8867, lon=2.3795)
"""Default location: Paris 19e, near the Bassin de la Villette."""

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def make_place(
    id: str = "place-1",
    *,
    lat: float = PARIS_19.lat,
    lon: float = PARIS_19.lon,
    status: PlaceStatus = PlaceStatus.ONLINE,
    department: str = "75",
    postal_code: str = "75019",
    city_code: str | None = "75119",
    city: str = "Paris",
    categories: Sequence[str] = ("food_distribution",),
    version: int = 1,
    **fields: Any,
) -> Place:
    """A valid place; online by default, since most tests want to find it.

    ``categories`` become one service each (ids ``s1``, ``s2``...). ``fields`` set any other
    Place field and win over the defaults (``services=[...]``, ``address=...``).
    """
    data: dict[str, Any] = {
        "id": id,
        "slug": _slug(id),
        "name": f"Lieu {id}",
        "address": {
            "street": "12 rue de Meaux",
            "postal_code": postal_code,
            "city": city,
            "city_code": city_code,
            "department_code": department,
        },
        "location": {"lat": lat, "lon": lon},
        "services": [
            {"id": f"s{number}", "category": category}
            for number, category in enumerate(categories, start=1)
        ],
        "status": status,
        "created_at": FIXED_INSTANT,
        "updated_at": FIXED_INSTANT,
        "version": version,
    }
    data.update(fields)
    return Place.model_validate(data)


def make_full_place(id: str = "full-1", **fields: Any) -> Place:
    """A place with every optional field set (round trips must keep all of them)."""
    weekly = WeeklyHours(
        monday=[TimeSlot(start="09:00", end="12:30"), TimeSlot(start="14:00", end="17:00")],
        wednesday=[TimeSlot(start="22:00", end="02:00")],
        saturday=[TimeSlot(start="12:00")],
        public_holidays=HolidayPolicy.CLOSED,
        note="Fermé le premier lundi du mois",
    )
    defaults: dict[str, Any] = {
        "address": {
            "street": "5 quai de la Loire",
            "additional_info": "Bâtiment B, 2e étage",
            "postal_code": "75019",
            "city": "Paris",
            "city_code": "75119",
            "department_code": "75",
            "region_code": "11",
            "country": "FR",
        },
        "description": "Accueil de jour, café, douches.",
        "organisation": "Les Restos du Cœur",
        "sources": [Source(name="soliguide", external_id="12345", url="https://example.org/1")],
        "timezone": "Europe/Paris",
        "services": [
            Service(
                id="s1",
                category="food_distribution",
                name="Colis alimentaire",
                description="Sur inscription",
                hours=WeeklyHours(tuesday=[TimeSlot(start="10:00", end="12:00")]),
                temporary_closure=TemporaryClosure(
                    start_date=date(2024, 8, 1), end_date=date(2024, 8, 31), reason="Congés"
                ),
                audience=Audience(kind=AudienceKind.EXCLUSIVE, family=[FamilySituation.FAMILY]),
                modalities=Modalities(registration=True, price=Price.SYMBOLIC, price_note="1 €"),
            ),
            Service(id="s2", category="shower"),
        ],
        "hours": weekly,
        "temporary_closure": TemporaryClosure(start_date=date(2024, 12, 24), reason="Noël"),
        "temporary_hours": TemporaryHours(
            start_date=date(2024, 7, 1), end_date=date(2024, 7, 31), hours=weekly
        ),
        "temporary_message": TemporaryMessage(start_date=date(2024, 3, 1), text="Travaux"),
        "audience": Audience(
            kind=AudienceKind.PREFERENTIAL,
            genders=[Gender.WOMEN],
            family=[FamilySituation.ISOLATED, FamilySituation.PREGNANT],
            administrative=[AdministrativeSituation.ASYLUM_SEEKER],
            age_min=18,
            age_max=99,
            other="Femmes victimes de violences",
        ),
        "modalities": Modalities(
            appointment=True,
            referral_required=True,
            wheelchair_access=True,
            animals_accepted=True,
        ),
        "languages": ["fr", "en", "ar", "lsf"],
        "contacts": Contacts(
            phones=[Phone(label="Accueil", number="+33 1 23 45 67 89")],
            email="accueil@example.org",
            website="https://example.org",
        ),
        "internal_note": "Clé chez le gardien",
        "created_by": "volunteer-sub-1",
        "verified_at": datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
        "version": 3,
    }
    defaults.update(fields)
    return make_place(
        id,
        lat=48.883456789,
        lon=2.371234567,
        **defaults,
    )


class Position(TypedDict):
    """``make_place(**position(point))``: the keyword arguments that place it at a point."""

    lat: float
    lon: float


def position(point: GeoPoint) -> Position:
    return {"lat": point.lat, "lon": point.lon}


def offset_point(origin: GeoPoint, north_m: float, east_m: float) -> GeoPoint:
    """A point about ``north_m`` metres north and ``east_m`` metres east of ``origin``
    (flat-Earth offsets: good to well under 1 % within 100 km in mainland France)."""
    metres_per_degree = 111_195.08  # 2πR / 360 with R = 6,371,008.8 m
    lat = origin.lat + north_m / metres_per_degree
    lon = origin.lon + east_m / (metres_per_degree * math.cos(math.radians(origin.lat)))
    return GeoPoint(lat=lat, lon=lon)


def destination_point(origin: GeoPoint, bearing_rad: float, distance_m: float) -> GeoPoint:
    """The point reached from ``origin`` along a great circle, on the same sphere as
    ``haversine_m`` (so ``haversine_m(origin, result)`` is ``distance_m`` up to rounding).
    Bearing in radians, clockwise from north."""
    delta = distance_m / EARTH_RADIUS_M
    phi1 = math.radians(origin.lat)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(
        bearing_rad
    )
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lambda2 = math.radians(origin.lon) + math.atan2(
        math.sin(bearing_rad) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    lon = (math.degrees(lambda2) + 180.0) % 360.0 - 180.0
    return GeoPoint(lat=math.degrees(phi2), lon=lon)


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "lieu"
