"""Demo data: the 30 places of a 2020 Soliguide leaflet, and a generator of synthetic places.

``leaflet_places`` turns ``data/paris_nord_est_2020.json`` (a faithful transcription of the
"PARIS Nord-Est — Spécial Covid — Alimentation — 6 mai 2020" leaflet printed in Solinum's public
lockdown report) into ``Place`` objects. ``synthetic_places`` generates any number of plausible
places across French departments for demos, load tests and benchmarks; it never produces a real
phone number or e-mail address.

Both only build domain objects; storing them is the caller's business (``load_fresh``).

Benchmark: ``python -m devtools.demo_data --count 100000 --seed 1``.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from chalicelib.domain.hours.models import (
    WEEKDAYS,
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
    minutes_of,
)
from chalicelib.domain.places.models import (
    DEFAULT_TIMEZONE,
    Address,
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
from devtools.data.departments import (
    DEPARTMENTS,
    DEPARTMENTS_BY_CODE,
    MAX_RADIUS_KM,
    PARIS_ARRONDISSEMENTS,
    SPREAD_KM,
    AreaKind,
    Department,
)

LEAFLET_FILE = Path(__file__).resolve().parent / "data" / "paris_nord_est_2020.json"

LEAFLET_TEMPORARY_START = date(2020, 3, 17)
"""Start date of the leaflet's temporary information: the first day of the 2020 lockdown."""

_PARIS_TZ = ZoneInfo(DEFAULT_TIMEZONE)


# --------------------------------------------------------------------------------------------
# Small helpers shared by both data sets
# --------------------------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 120) -> str:
    """ASCII, lowercase, hyphen-separated; cut at a hyphen so words are not truncated."""
    # NFKD drops accents but leaves ligatures (œ in "Cœur") alone, hence the translation first.
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    # Dots join abbreviations ("D.A." gives "da") rather than separate words.
    slug = _NOT_SLUG.sub("-", ascii_text.lower().replace(".", "")).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug
        slug = slug[:max_length].strip("-")
    return slug or "lieu"


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def union_hours(hours: Iterable[WeeklyHours]) -> WeeklyHours:
    """The hours when at least one of ``hours`` is open (overlapping or touching slots merge).

    A place whose services each have their own hours is open whenever one of them is.
    The holiday policy is kept when all agree, ``unknown`` otherwise.
    """
    all_hours = list(hours)
    days: dict[str, list[TimeSlot]] = {}
    for day in WEEKDAYS:
        # (start, end, open_ended); an open-ended slot counts as running to midnight.
        intervals: list[tuple[int, int, bool]] = []
        for weekly in all_hours:
            for slot in weekly.slots(day):
                end = slot.end_minute
                intervals.append((slot.start_minute, 1440 if end is None else end, end is None))
        intervals.sort()
        merged: list[tuple[int, int, bool]] = []
        for start, end, open_ended in intervals:
            if merged and start <= merged[-1][1]:
                last_start, last_end, last_open = merged[-1]
                if end > last_end or (end == last_end and open_ended):
                    merged[-1] = (last_start, end, open_ended)
                else:
                    merged[-1] = (last_start, last_end, last_open)
            else:
                merged.append((start, end, open_ended))
        days[day.value] = [
            TimeSlot(
                start=_format_minutes(start),
                end=None
                if open_ended
                else ("24:00" if end == 1440 else _format_minutes(end % 1440)),
            )
            for start, end, open_ended in merged
        ]
    policies = {weekly.public_holidays for weekly in all_hours}
    policy = policies.pop() if len(policies) == 1 else HolidayPolicy.UNKNOWN
    return WeeklyHours.model_validate({**days, "public_holidays": policy})


def _require_aware(now: datetime) -> None:
    # created_at/updated_at are compared with aware instants elsewhere (Clock gives UTC).
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _local_today(now: datetime) -> date:
    """The demo's "today": the calendar date in Paris, which is what users of the places see."""
    return now.astimezone(_PARIS_TZ).date()


# --------------------------------------------------------------------------------------------
# The leaflet: PARIS Nord-Est, Spécial Covid, Alimentation, 6 mai 2020
# --------------------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeafletService(_Frozen):
    category: str
    name: str | None
    hours_as_printed: str | None
    hours: WeeklyHours | None


class LeafletEntry(_Frozen):
    """One numbered entry of the leaflet, as transcribed in the JSON file."""

    leaflet_number: int
    section: str
    printed: list[str]
    name: str
    organisation: str | None
    description: str | None
    address: Address
    location: GeoPoint
    phones: list[str]
    email: str | None
    hours_as_printed: str | None
    hours: WeeklyHours | None
    services: list[LeafletService]
    modalities: Modalities | None
    temporary_message: TemporaryMessage | None
    source: Source
    duplicate_of: int | None
    notes: list[str]

    @model_validator(mode="after")
    def _hours_in_one_place(self) -> LeafletEntry:
        # Either the entry prints one hours line for the place, or each service line has its own.
        with_hours = [service.hours is not None for service in self.services]
        if self.hours is None and not all(with_hours):
            raise ValueError(f"entry {self.leaflet_number}: no hours for the place nor services")
        if self.hours is not None and any(with_hours):
            raise ValueError(f"entry {self.leaflet_number}: hours on the place and on services")
        return self

    @property
    def place_id(self) -> str:
        return leaflet_place_id(self.leaflet_number)


class LeafletSource(_Frozen):
    document: str
    publisher: str
    year: int
    leaflet: str
    leaflet_date: date
    coordinates: str
    temporary_information_start: date


class LeafletDocument(_Frozen):
    source: LeafletSource
    licence: str
    format: str
    entries: list[LeafletEntry]


def leaflet_place_id(leaflet_number: int) -> str:
    return f"pne-{leaflet_number:02d}"


@cache
def load_leaflet() -> LeafletDocument:
    """The transcribed leaflet, validated against the domain models (read once)."""
    return LeafletDocument.model_validate_json(LEAFLET_FILE.read_bytes())


def leaflet_duplicates() -> dict[str, str]:
    """Place id of each entry printed twice → place id of its first printing."""
    return {
        entry.place_id: leaflet_place_id(entry.duplicate_of)
        for entry in load_leaflet().entries
        if entry.duplicate_of is not None
    }


# Demo-only additions, absent from the leaflet: it carries only two temporary messages, so a
# closure, a service closure and temporary hours are added to show every kind of temporary
# information the app handles. Dates are written in 2020 and shifted like the messages;
# 2020-05-11 is the end of the first lockdown.
_LOCKDOWN_END = date(2020, 5, 11)
_DEMO_CLOSURE_ENTRY = 15  # La Gabelle de Jaurès: closed for a while, with an end date
_DEMO_CLOSURE = TemporaryClosure(
    start_date=LEAFLET_TEMPORARY_START,
    end_date=_LOCKDOWN_END,
    reason="Distribution suspendue pendant la fermeture du jardin au public.",
)
_DEMO_HOURS_ENTRY = 2  # La Cantine des Pyrénées: shorter hours instead of "dès 12h30"
_DEMO_TEMPORARY_HOURS = TemporaryHours(
    start_date=LEAFLET_TEMPORARY_START,
    end_date=_LOCKDOWN_END,
    hours=WeeklyHours.model_validate(
        {
            day: [{"start": "12:30", "end": "14:30"}]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        }
    ),
)
_DEMO_SERVICE_CLOSURE_ENTRY = 24  # Restos du Cœur du 20° Soleil: meal baskets stopped
_DEMO_SERVICE_CLOSURE_SERVICE = "s2"
_DEMO_SERVICE_CLOSURE = TemporaryClosure(
    start_date=LEAFLET_TEMPORARY_START,
    end_date=None,  # until further notice: the open-ended kind of closure
    reason="Paniers-repas suspendus faute de bénévoles.",
)


_Period = TypeVar("_Period", TemporaryMessage, TemporaryClosure, TemporaryHours)


def _shift_period(period: _Period, offset: timedelta) -> _Period:
    if not offset:
        return period
    end = None if period.end_date is None else period.end_date + offset
    return period.model_copy(update={"start_date": period.start_date + offset, "end_date": end})


def leaflet_places(
    now: datetime,
    *,
    shift_dates_to: date | None = None,
    original_dates: bool = False,
) -> list[Place]:
    """The 30 leaflet entries as online places ``pne-01`` … ``pne-30``, in leaflet order.

    ``now`` (timezone-aware) is their creation, update and verification instant.

    Dates of temporary information: the leaflet's messages start on 2020-03-17 with no end, and
    the demo-only closure and temporary hours (see ``_DEMO_*``) are dated from that day too.
    All of them are moved by the same number of days, so that 2020-03-17 becomes:

    - by default, the day before ``now``'s date in Paris, so everything shows as active today;
    - ``shift_dates_to`` when given (a fixed day, for reproducible tests);
    - 2020-03-17 itself with ``original_dates=True`` (the data as it was in 2020).

    Giving both ``shift_dates_to`` and ``original_dates=True`` is a ``ValueError``.

    Entries 25 and 26 are the same place printed twice and both are returned (see
    ``leaflet_duplicates``); the second one's slug gets a ``-2`` suffix to stay unique.
    """
    _require_aware(now)
    if original_dates and shift_dates_to is not None:
        raise ValueError("shift_dates_to and original_dates=True are mutually exclusive")
    if original_dates:
        anchor = LEAFLET_TEMPORARY_START
    elif shift_dates_to is not None:
        anchor = shift_dates_to
    else:
        anchor = _local_today(now) - timedelta(days=1)
    offset = anchor - LEAFLET_TEMPORARY_START

    places: list[Place] = []
    slugs: set[str] = set()
    for entry in load_leaflet().entries:
        slug = base_slug = slugify(entry.name)
        suffix = 2
        while slug in slugs:
            slug = f"{base_slug}-{suffix}"
            suffix += 1
        slugs.add(slug)
        places.append(_leaflet_place(entry, slug=slug, now=now, offset=offset))
    return places


def _leaflet_place(entry: LeafletEntry, *, slug: str, now: datetime, offset: timedelta) -> Place:
    number = entry.leaflet_number
    services: list[Service] = []
    for index, printed in enumerate(entry.services, start=1):
        service_id = f"s{index}"
        closure = None
        if number == _DEMO_SERVICE_CLOSURE_ENTRY and service_id == _DEMO_SERVICE_CLOSURE_SERVICE:
            closure = _shift_period(_DEMO_SERVICE_CLOSURE, offset)
        services.append(
            Service(
                id=service_id,
                category=printed.category,
                name=printed.name,
                hours=printed.hours,
                temporary_closure=closure,
            )
        )
    if entry.hours is not None:
        hours = entry.hours
    else:
        hours = union_hours(service.hours for service in services if service.hours is not None)

    message = entry.temporary_message
    note = (
        "Transcrit du dépliant Soliguide « PARIS Nord-Est — Spécial Covid — Alimentation » "
        f"du 6 mai 2020 (entrée n° {number})."
    )
    closure = None
    temporary_hours = None
    if number == _DEMO_CLOSURE_ENTRY:
        closure = _shift_period(_DEMO_CLOSURE, offset)
        note += " Fermeture temporaire ajoutée pour la démo (absente du dépliant)."
    if number == _DEMO_HOURS_ENTRY:
        temporary_hours = _shift_period(_DEMO_TEMPORARY_HOURS, offset)
        note += " Horaires temporaires ajoutés pour la démo (absents du dépliant)."
    if number == _DEMO_SERVICE_CLOSURE_ENTRY:
        note += " Fermeture du service s2 ajoutée pour la démo (absente du dépliant)."

    return Place(
        id=entry.place_id,
        slug=slug,
        name=entry.name,
        description=entry.description,
        organisation=entry.organisation,
        sources=[entry.source],
        address=entry.address,
        location=entry.location,
        timezone=DEFAULT_TIMEZONE,
        services=services,
        hours=hours,
        temporary_closure=closure,
        temporary_hours=temporary_hours,
        temporary_message=None if message is None else _shift_period(message, offset),
        status=PlaceStatus.ONLINE,
        modalities=entry.modalities or Modalities(),
        contacts=Contacts(phones=[Phone(number=n) for n in entry.phones], email=entry.email),
        internal_note=note,
        created_at=now,
        updated_at=now,
        verified_at=now,
        version=1,
    )


# --------------------------------------------------------------------------------------------
# Synthetic places
# --------------------------------------------------------------------------------------------

# The generator builds each place from a handful of shared, immutable pieces (hours, audiences,
# modalities are frozen models): building them once and reusing them is what makes 100,000
# places take seconds. Every Place is still validated by its constructor.

_DAY_SETS: dict[str, tuple[int, ...]] = {
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "mon-fri": (0, 1, 2, 3, 4),
    "mon-sat": (0, 1, 2, 3, 4, 5),
    "tue-sat": (1, 2, 3, 4, 5),
    "tue-sun": (1, 2, 3, 4, 5, 6),
    "mon-wed-fri": (0, 2, 4),
    "tue-thu-sat": (1, 3, 5),
    "tue-thu": (1, 3),
    "wed-sat": (2, 5),
    "mon-thu": (0, 3),
    "fri-sat": (4, 5),
    "sat-sun": (5, 6),
}

_Slot = tuple[str, str | None]
_Spec = tuple[tuple[int, tuple[_Slot, ...]], ...]
"""Hours as (weekday index, slots) pairs: hashable, so built WeeklyHours can be cached."""


@cache
def _weekly(spec: _Spec, policy: HolidayPolicy, note: str | None = None) -> WeeklyHours:
    days: dict[str, object] = {
        WEEKDAYS[day].value: [{"start": start, "end": end} for start, end in slots]
        for day, slots in spec
    }
    return WeeklyHours.model_validate({**days, "public_holidays": policy, "note": note})


def _spec(days: str | tuple[int, ...], *slots: _Slot) -> _Spec:
    indexes = _DAY_SETS[days] if isinstance(days, str) else days
    return tuple((day, slots) for day in indexes)


def _later(hhmm: str, minutes: int) -> str:
    return _format_minutes((minutes_of(hhmm) + minutes) % 1440)


def _pattern(rng: random.Random, name: str) -> _Spec:  # noqa: PLR0911, PLR0912 - one per pattern
    """A weekly schedule of a kind, with times picked among the usual ones."""
    c = rng.choice
    if name == "mornings":
        days = c(("mon-fri", "tue-thu", "mon-wed-fri", "tue-sat"))
        return _spec(days, (c(("08:30", "09:00", "09:30")), c(("11:30", "12:00", "12:30"))))
    if name == "office":
        morning = (c(("08:30", "09:00")), c(("12:00", "12:30")))
        afternoon = (c(("13:30", "14:00")), c(("16:30", "17:00", "17:30")))
        spec = _spec("mon-fri", morning, afternoon)
        if rng.random() < 0.4:  # many town-hall services close on Wednesday afternoons
            spec = tuple((d, s[:1] if d == 2 else s) for d, s in spec)
        return spec
    if name == "afternoons":
        days = c(("mon-thu", "tue-thu", "wed-sat", "mon-wed-fri", "mon-fri"))
        return _spec(days, (c(("13:30", "14:00")), c(("16:00", "17:00", "18:00"))))
    if name == "one_half_day":
        day = rng.randrange(6)
        morning = (c(("09:00", "09:30")), "12:00")
        afternoon = (c(("14:00", "14:30")), c(("16:30", "17:00")))
        return _spec((day,), c((morning, afternoon)))
    if name == "evening":
        days = c(("daily", "tue-thu-sat", "mon-fri", "mon-wed-fri"))
        start = c(("18:30", "19:00", "19:30", "20:00"))
        return _spec(days, (start, _later(start, c((60, 90)))))
    if name == "night_shelter":
        # Crosses midnight: opens in the evening, closes the next morning.
        start = c(("18:00", "19:00", "20:00", "21:00"))
        return _spec("daily", (start, c(("07:00", "07:30", "08:00", "09:00"))))
    if name == "late_night":
        return _spec(c(("fri-sat", "daily")), ("22:00", c(("01:00", "02:00", "03:00"))))
    if name == "open_ended":
        # "dès 12h" on printed leaflets: no closing time.
        days = c(("daily", "mon-sat", "mon-fri"))
        return _spec(days, (c(("08:00", "09:00", "12:00", "18:00")), None))
    if name == "always":
        return _spec("daily", ("00:00", "24:00"))
    if name == "day_centre":
        if rng.random() < 0.35:
            days = c(("mon-fri", "daily"))
            return _spec(days, (c(("08:30", "09:00")), c(("16:00", "17:00"))))
        morning = (c(("08:30", "09:00")), c(("12:00", "12:30")))
        afternoon = (c(("13:30", "14:00")), c(("17:00", "17:30", "18:00")))
        spec = _spec("mon-fri", morning, afternoon)
        if rng.random() < 0.3:
            spec += ((5, (("09:00", "12:00"),)),)
        return spec
    if name == "breakfast":
        days = c(("daily", "mon-fri", "mon-sat"))
        return _spec(days, (c(("07:00", "07:30", "08:00")), c(("09:00", "09:30", "10:00"))))
    if name == "weekend":
        return _spec("sat-sun", (c(("10:00", "11:00")), c(("13:00", "14:00"))))
    if name == "baths":
        # Municipal baths: closed on Mondays, mornings only on Sundays.
        morning = (c(("07:30", "08:00")), "12:00")
        afternoon = ("14:00", c(("17:30", "18:00")))
        return tuple(
            (day, (morning,) if day == 6 else (morning, afternoon)) for day in _DAY_SETS["tue-sun"]
        )
    raise ValueError(f"unknown hours pattern {name!r}")


@dataclass(frozen=True, slots=True)
class _Variant:
    organisation: str | None  # "{city}" is replaced by the department's main city
    name: str  # "{area}" = city and quarter ("Bordeaux Bastide", "Paris 19e"); "{city}"; "{street}"
    category: str  # the main service


@dataclass(frozen=True, slots=True)
class _Archetype:
    """A kind of structure: who runs it, what it offers, when, and on what terms."""

    weight: float
    variants: tuple[_Variant, ...]
    extras: tuple[str, ...]
    patterns: tuple[str, ...]
    description: str
    registration: float = 0.0
    appointment: float = 0.0
    referral: float = 0.0
    symbolic_price: float = 0.0
    audiences: str = "open"


def _variants(organisation: str | None, *names_and_categories: tuple[str, str]) -> list[_Variant]:
    return [_Variant(organisation, name, category) for name, category in names_and_categories]


_RESTOS = "Restos du Cœur"
_SPF = "Secours populaire français"
_SC = "Secours Catholique"
_CRF = "Croix-Rouge française"

# Weights favour what the 2020 report found most searched and most open: food packages, food
# distributions, showers, day centres and legal aid.
_ARCHETYPES: tuple[_Archetype, ...] = (
    _Archetype(
        weight=12,
        variants=tuple(
            _variants(
                _RESTOS,
                ("Restos du Cœur — {area}", "food_packages"),
                ("Centre des Restos du Cœur de {area}", "food_packages"),
            )
        ),
        extras=(
            "food_distribution",
            "hygiene_products",
            "clothing",
            "budget_advice",
            "french_lessons",
            "legal_advice",
            "sleeping_gear",
        ),
        patterns=("mornings", "afternoons", "one_half_day"),
        description="Centre de distribution des Restos du Cœur : inscription sur justificatifs, "
        "puis distribution de denrées selon la composition du foyer.",
        registration=0.8,
    ),
    _Archetype(
        weight=5,
        variants=tuple(
            _variants(
                _RESTOS,
                ("Camion des Restos du Cœur — {area}", "food_distribution"),
                ("Point repas des Restos du Cœur — {area}", "food_distribution"),
            )
        ),
        extras=("hygiene_products", "sleeping_gear", "clothing"),
        patterns=("evening",),
        description="Distribution de repas chauds à emporter, sans inscription.",
    ),
    _Archetype(
        weight=9,
        variants=tuple(
            _variants(
                _SPF,
                ("Secours populaire — Comité de {city}", "food_packages"),
                ("Secours populaire — Antenne {area}", "food_packages"),
                ("Libre-service solidaire du Secours populaire — {area}", "social_grocery"),
            )
        ),
        extras=(
            "clothing",
            "budget_advice",
            "transport_help",
            "digital_help",
            "food_distribution",
        ),
        patterns=("afternoons", "mornings", "one_half_day", "weekend"),
        description="Aide alimentaire et vestimentaire, accès aux vacances et à la culture.",
        registration=0.6,
        symbolic_price=0.3,
    ),
    _Archetype(
        weight=7,
        variants=tuple(
            _variants(
                _SC,
                ("Secours Catholique — Accueil {area}", "day_centre"),
                ("Secours Catholique — Équipe de {city}", "social_support"),
            )
        ),
        extras=(
            "breakfast",
            "french_lessons",
            "administrative_help",
            "legal_advice",
            "clothing",
            "digital_help",
            "psychological_support",
            "shower",
        ),
        patterns=("day_centre", "mornings", "afternoons"),
        description="Accueil convivial, écoute et accompagnement dans les démarches.",
    ),
    _Archetype(
        weight=7,
        variants=tuple(
            _variants(
                _CRF,
                ("Croix-Rouge française — Unité locale de {city}", "food_distribution"),
                ("Vestiboutique de la Croix-Rouge — {area}", "clothing"),
                ("Épicerie sociale de la Croix-Rouge — {area}", "social_grocery"),
            )
        ),
        extras=("food_packages", "hygiene_products", "shower", "sleeping_gear"),
        patterns=("afternoons", "mornings", "evening", "one_half_day"),
        description="Aide alimentaire, vestiaire et orientation par les bénévoles "
        "de l'unité locale.",
        registration=0.3,
        referral=0.2,
        symbolic_price=0.2,
    ),
    _Archetype(
        weight=4,
        variants=tuple(
            _variants(
                "Armée du Salut",
                ("Armée du Salut — Centre d'hébergement {area}", "emergency_accommodation"),
                ("Soupe de nuit de l'Armée du Salut — {area}", "seated_meal"),
            )
        ),
        extras=("shower", "seated_meal", "laundry", "luggage_storage", "breakfast"),
        patterns=("night_shelter", "evening", "late_night"),
        description="Accueil de nuit et repas chaud ; orientation par le 115 pour l'hébergement.",
        referral=0.5,
        audiences="shelter",
    ),
    _Archetype(
        weight=8,
        variants=(
            *_variants("Emmaüs Solidarité", ("Accueil de jour Emmaüs — {area}", "day_centre")),
            *_variants("Emmaüs France", ("Boutique Solidarité Emmaüs — {city}", "day_centre")),
        ),
        extras=(
            "shower",
            "mail_domiciliation",
            "laundry",
            "luggage_storage",
            "phone_charging",
            "wifi",
            "breakfast",
            "rest_area",
            "toilets",
        ),
        patterns=("day_centre", "mornings"),
        description="Accueil de jour : café, douches, laverie, domiciliation et orientation.",
    ),
    _Archetype(
        weight=7,
        variants=tuple(
            _variants(
                "Ville de {city}",
                ("Bains-douches municipaux — {area}", "shower"),
                ("Bains-douches {street}", "shower"),
            )
        ),
        extras=("toilets", "hygiene_products", "laundry", "hairdresser"),
        patterns=("baths", "mornings"),
        description="Douches individuelles gratuites ; serviette et savon fournis.",
        symbolic_price=0.15,
    ),
    _Archetype(
        weight=7,
        variants=tuple(
            _variants(
                "CCAS de {city}",
                ("CCAS de {city} — {area}", "social_support"),
                ("CCAS de {city}", "mail_domiciliation"),
            )
        ),
        extras=(
            "administrative_help",
            "food_voucher",
            "budget_advice",
            "housing_advice",
            "mail_domiciliation",
            "transport_help",
        ),
        patterns=("office",),
        description="Centre communal d'action sociale : domiciliation, aides facultatives, "
        "accompagnement social.",
        appointment=0.6,
    ),
    _Archetype(
        weight=7,
        variants=(
            *_variants("La Cimade", ("Permanence de La Cimade — {city}", "legal_advice")),
            *_variants(_SC, ("Permanence droit des étrangers — {area}", "legal_advice")),
            *_variants(None, ("Point-justice — {area}", "legal_advice")),
            *_variants(
                "France terre d'asile",
                ("France terre d'asile — Plateforme de {city}", "legal_advice"),
            ),
        ),
        extras=("administrative_help", "french_lessons", "social_support", "housing_advice"),
        patterns=("one_half_day", "afternoons", "mornings"),
        description="Information juridique gratuite et confidentielle, aide aux recours.",
        appointment=0.5,
        audiences="exiles",
    ),
    _Archetype(
        weight=4,
        variants=(
            *_variants(
                "Médecins du Monde",
                (
                    "Centre de soins et d'orientation de Médecins du Monde — {city}",
                    "general_practitioner",
                ),
            ),
            *_variants(
                "Centre hospitalier de {city}",
                ("Permanence d'accès aux soins de santé (PASS) — {city}", "general_practitioner"),
            ),
            *_variants(None, ("Centre de santé solidaire — {area}", "general_practitioner")),
        ),
        extras=("dental_care", "psychological_support", "vaccination", "addiction"),
        patterns=("office", "afternoons", "mornings"),
        description="Consultations médicales gratuites sans condition de couverture sociale.",
        appointment=0.3,
    ),
    _Archetype(
        weight=8,
        variants=(
            *_variants("Banques alimentaires", ("Épicerie solidaire {area}", "social_grocery")),
            *_variants(None, ("Distribution alimentaire {area}", "food_distribution")),
            *_variants(_SPF, ("Distribution du Secours populaire — {area}", "food_distribution")),
            *_variants(_RESTOS, ("Restos du Cœur — Distribution {area}", "food_distribution")),
        ),
        extras=("food_packages", "budget_advice", "solidarity_fridge"),
        patterns=("afternoons", "evening", "open_ended", "weekend", "one_half_day"),
        description="Distribution alimentaire ouverte à toutes et tous.",
        referral=0.25,
        symbolic_price=0.25,
    ),
    _Archetype(
        weight=2,
        variants=tuple(_variants(None, ("Frigo solidaire {area}", "solidarity_fridge"))),
        extras=(),
        patterns=("always", "open_ended"),
        description="Frigo en libre-service : chacun dépose et prend ce dont il a besoin.",
    ),
    _Archetype(
        weight=3,
        variants=(
            *_variants(None, ("Petit-déjeuner solidaire — {area}", "breakfast")),
            *_variants(_SC, ("Café solidaire — {area}", "breakfast")),
        ),
        extras=("rest_area", "phone_charging", "hygiene_products"),
        patterns=("breakfast",),
        description="Petit-déjeuner chaud offert, sans inscription.",
    ),
    _Archetype(
        weight=3,
        variants=(
            *_variants("Emmaüs Connect", ("Emmaüs Connect — {city}", "digital_help")),
            *_variants(None, ("Point numérique solidaire — {area}", "computer_access")),
        ),
        extras=("computer_access", "phone_charging", "wifi", "administrative_help"),
        patterns=("afternoons", "one_half_day"),
        description="Accès à un ordinateur, recharges à prix solidaire et ateliers numériques.",
    ),
    _Archetype(
        weight=3,
        variants=(
            *_variants(_SC, ("Cours de français — {area}", "french_lessons")),
            *_variants(None, ("Atelier vélo solidaire — {area}", "bike_repair")),
            *_variants("Emmaüs France", ("Chantier d'insertion Emmaüs — {city}", "job_search")),
            *_variants(None, ("Formation et insertion — {area}", "training")),
        ),
        extras=("job_search", "training", "digital_help"),
        patterns=("afternoons", "mornings", "one_half_day"),
        description="Ateliers et accompagnement vers la formation et l'emploi.",
        registration=0.5,
    ),
    _Archetype(
        weight=2,
        variants=(
            *_variants(
                "Fondation Abbé Pierre", ("Point d'accueil logement — {city}", "housing_advice")
            ),
            *_variants(None, ("Résidence sociale — {area}", "long_term_accommodation")),
        ),
        extras=("social_support", "legal_advice", "mail_domiciliation"),
        patterns=("office", "one_half_day"),
        description="Conseil sur l'accès et le maintien dans le logement.",
        appointment=0.7,
        referral=0.3,
    ),
    _Archetype(
        weight=2,
        variants=(
            *_variants(None, ("Laverie solidaire — {area}", "laundry")),
            *_variants(None, ("Bagagerie solidaire — {city}", "luggage_storage")),
        ),
        extras=("shower", "toilets", "phone_charging"),
        patterns=("mornings", "afternoons", "day_centre"),
        description="Machines à laver et casiers, sur inscription à l'accueil.",
        registration=0.4,
    ),
)

_SERVICE_NAMES: dict[str, tuple[str, ...]] = {
    "food_packages": ("Colis alimentaires", "Distribution de denrées"),
    "food_distribution": ("Repas à emporter", "Distribution de repas chauds", "Paniers-repas"),
    "shower": ("Douches",),
    "day_centre": ("Accueil de jour",),
    "legal_advice": ("Permanence juridique", "Droit des étrangers", "Accès aux droits"),
    "mail_domiciliation": ("Domiciliation",),
    "clothing": ("Vestiaire", "Vestiboutique"),
    "french_lessons": ("Ateliers de français",),
    "breakfast": ("Petit-déjeuner",),
    "emergency_accommodation": ("Hébergement d'urgence", "Mise à l'abri"),
}

_STREETS: tuple[str, ...] = (
    "rue de la République", "rue Jean Jaurès", "avenue Jean Jaurès", "rue Victor Hugo",
    "boulevard Gambetta", "rue Pasteur", "rue de la Gare", "place de la Mairie",
    "rue du Général Leclerc", "avenue du Général de Gaulle", "rue Jules Ferry", "rue Voltaire",
    "rue de la Paix", "rue Émile Zola", "rue Anatole France", "rue Carnot", "rue des Écoles",
    "rue du Moulin", "rue de l'Église", "place du Marché", "rue Paul Bert", "rue Jean Moulin",
    "avenue de la Libération", "rue du 8 Mai 1945", "rue Aristide Briand", "rue Danton",
    "rue Saint-Martin", "rue des Lilas", "rue Gabriel Péri", "rue Pierre Curie",
    "rue de la Liberté", "avenue Foch", "rue du Château", "impasse des Tilleuls",
    "rue Louise Michel", "rue Olympe de Gouges", "rue Lucie Aubrac", "allée des Acacias",
)  # fmt: skip
_ADDRESS_COMPLEMENTS: tuple[str, ...] = (
    "Entrée par la cour", "Au fond de la cour, 1er étage", "Sous le porche",
    "Salle paroissiale", "Local associatif, rez-de-chaussée", "À côté de la mairie",
    "Bâtiment B", "Sonner à l'interphone « Accueil »",
)  # fmt: skip
_GENERIC_QUARTERS: tuple[str, ...] = (
    "Centre",
    "Centre-ville",
    "Gare",
    "Nord",
    "Sud",
    "Est",
    "Ouest",
)

_MESSAGES: tuple[str, ...] = (
    "Accueil limité à 20 personnes à la fois : venez tôt.",
    "Distribution exceptionnelle le samedi pendant les vacances scolaires.",
    "Apportez un sac ou un cabas pour les colis.",
    "Nouveau : permanence d'une assistante sociale le mardi matin.",
    "Travaux : entrée provisoire par la porte arrière.",
    "Inscriptions pour la campagne d'hiver ouvertes à l'accueil.",
    "Canicule : distribution d'eau et salle rafraîchie aux heures d'ouverture.",
    "Plan grand froid : ouverture prolongée, couvertures disponibles.",
    "Fermeture exceptionnelle à 16h le vendredi.",
    "Masque recommandé dans la salle d'attente.",
    "Douches uniquement sur inscription le matin même.",
    "Pièce d'identité non obligatoire.",
)
_CLOSURE_REASONS: tuple[str | None, ...] = (
    "Travaux de rénovation", "Congés annuels", "Manque de bénévoles", "Dégât des eaux",
    "Déménagement en cours", "Local inaccessible", "Inventaire", None, None,
)  # fmt: skip
_HOURS_NOTES: tuple[str, ...] = (
    "Fermé la deuxième quinzaine d'août.",
    "Horaires réduits pendant les vacances scolaires.",
    "Arriver 15 minutes avant la fermeture au plus tard.",
)
_LANGUAGE_SETS: tuple[tuple[list[str], float], ...] = (
    (["fr"], 45), (["fr", "en"], 18), ([], 10), (["fr", "en", "ar"], 8), (["fr", "ar"], 6),
    (["fr", "es"], 3), (["fr", "en", "ps", "fa"], 3), (["fr", "ro"], 2), (["fr", "uk", "ru"], 2),
    (["fr", "lsf"], 1), (["fr", "en", "ti"], 2),
)  # fmt: skip

# Numbers ARCEP keeps out of service for fiction (plan national de numérotation, § 2.5.12), so
# a synthetic place never shows anyone's real phone number; the first two digits follow the
# region as real landlines do, and 06 39 98 is the mobile range.
_FICTION_PREFIX_BY_REGION: dict[str, str] = {
    "11": "01 99 00",
    "24": "02 61 91", "28": "02 61 91", "52": "02 61 91", "53": "02 61 91",
    "27": "03 53 01", "32": "03 53 01", "44": "03 53 01",
    "84": "04 65 71", "93": "04 65 71", "94": "04 65 71",
    "75": "05 36 49", "76": "05 36 49",
}  # fmt: skip
_FICTION_PREFIX_BY_DEPARTMENT = {"34": "04 65 71", "48": "04 65 71"}  # eastern Occitanie is 04
_FICTION_MOBILE = "06 39 98"


def _audience_pool() -> dict[str, tuple[tuple[Audience, float], ...]]:
    everyone = Audience()
    women = Audience(kind=AudienceKind.EXCLUSIVE, genders=[Gender.WOMEN])
    return {
        "open": (
            (everyone, 80),
            (Audience(kind=AudienceKind.PREFERENTIAL, family=[FamilySituation.FAMILY]), 5),
            (
                Audience(
                    kind=AudienceKind.EXCLUSIVE,
                    age_min=18,
                    age_max=25,
                    other="Jeunes de 18 à 25 ans",
                ),
                4,
            ),
            (Audience(kind=AudienceKind.PREFERENTIAL, age_min=60), 3),
            (women, 4),
            (Audience(kind=AudienceKind.PREFERENTIAL, family=[FamilySituation.ISOLATED]), 4),
        ),
        "shelter": (
            (Audience(kind=AudienceKind.EXCLUSIVE, genders=[Gender.MEN], age_min=18), 30),
            (women, 20),
            (
                Audience(
                    kind=AudienceKind.EXCLUSIVE,
                    family=[FamilySituation.FAMILY, FamilySituation.PREGNANT],
                ),
                15,
            ),
            (
                Audience(kind=AudienceKind.PREFERENTIAL, other="Personnes orientées par le 115"),
                20,
            ),
            (everyone, 15),
        ),
        "exiles": (
            (everyone, 50),
            (
                Audience(
                    kind=AudienceKind.PREFERENTIAL,
                    administrative=[
                        AdministrativeSituation.ASYLUM_SEEKER,
                        AdministrativeSituation.REFUGEE,
                    ],
                ),
                30,
            ),
            (
                Audience(
                    kind=AudienceKind.EXCLUSIVE,
                    administrative=[AdministrativeSituation.UNDOCUMENTED],
                ),
                10,
            ),
            (
                Audience(kind=AudienceKind.EXCLUSIVE, age_max=17, other="Mineurs non accompagnés"),
                10,
            ),
        ),
    }


@cache
def _modalities(
    *,
    registration: bool,
    appointment: bool,
    referral: bool,
    price: Price,
    wheelchair: bool,
    animals: bool,
) -> Modalities:
    note = "Participation symbolique (10 % du prix)" if price is Price.SYMBOLIC else None
    return Modalities(
        registration=registration,
        appointment=appointment,
        referral_required=referral,
        price=price,
        price_note=note,
        wheelchair_access=wheelchair,
        animals_accepted=animals,
    )


_LEGAL_BY_APPOINTMENT = Modalities(appointment=True)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Lookups built once: cumulative weights for ``random.choices`` and shared objects."""

    archetype_weights: tuple[float, ...]
    audiences: dict[str, tuple[tuple[Audience, ...], tuple[float, ...]]]
    languages: tuple[tuple[list[str], ...], tuple[float, ...]]
    source_name: str = "synthetic"


_T = TypeVar("_T")


def _pick(rng: random.Random, items: Sequence[_T], cum_weights: Sequence[float]) -> _T:
    """``rng.choices(items, cum_weights=...)[0]``, without its per-call checks and list."""
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]


# Names, organisations and cities repeat a lot across synthetic places; a bounded cache keeps
# slugify (a Unicode normalisation per call) out of the profile.
_slug = lru_cache(maxsize=8192)(slugify)


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return tuple(out)


@cache
def _tables() -> _Tables:
    audiences = {
        key: (tuple(a for a, _ in pool), _cumulative(w for _, w in pool))
        for key, pool in _audience_pool().items()
    }
    return _Tables(
        archetype_weights=_cumulative(a.weight for a in _ARCHETYPES),
        audiences=audiences,
        languages=(
            tuple(languages for languages, _ in _LANGUAGE_SETS),
            _cumulative(w for _, w in _LANGUAGE_SETS),
        ),
    )


def synthetic_places(
    count: int,
    *,
    seed: int,
    now: datetime,
    departments: Sequence[str] | None = None,
) -> Iterator[Place]:
    """``count`` plausible places, the same ones for the same arguments.

    Places are spread over the departments of ``devtools/data/departments.py`` in proportion
    to their population (only ``departments`` when given: codes such as ``"75"``, ``"2A"``).
    Ids are ``syn-{seed}-{index:06d}``; the first ``n`` places do not depend on ``count``.
    Temporary information is dated around ``now``'s date in Paris: most of it is active
    today, some is over and some is still to come.

    Arguments are checked at the call, not at the first ``next()``.
    """
    _require_aware(now)
    if count < 0:
        raise ValueError("count must not be negative")
    if departments is None:
        chosen = DEPARTMENTS
    else:
        unknown = sorted(set(departments) - DEPARTMENTS_BY_CODE.keys())
        if unknown or not departments:
            known = ", ".join(sorted(DEPARTMENTS_BY_CODE))
            raise ValueError(f"unknown or no departments {unknown}; known: {known}")
        chosen = tuple(DEPARTMENTS_BY_CODE[code] for code in dict.fromkeys(departments))
    return _generate(count, seed, now, chosen)


def _generate(
    count: int, seed: int, now: datetime, departments: tuple[Department, ...]
) -> Iterator[Place]:
    rng = random.Random(seed)
    tables = _tables()
    department_weights = _cumulative(d.weight for d in departments)
    today = _local_today(now)
    # A negative seed would put a double hyphen in slugs.
    seed_part = str(seed) if seed >= 0 else f"m{-seed}"
    for index in range(count):
        department = _pick(rng, departments, department_weights)
        yield _synthetic_place(
            rng,
            tables,
            place_id=f"syn-{seed}-{index:06d}",
            slug_suffix=f"{seed_part}-{index}",
            department=department,
            now=now,
            today=today,
        )


def _point(rng: random.Random, department: Department) -> tuple[float, float]:
    """A point scattered around the department's centre, kept on land and near the centre."""
    spread = SPREAD_KM[department.kind]
    max_radius = MAX_RADIUS_KM[department.kind]
    km_per_lon_degree = 111.32 * math.cos(math.radians(department.lat))
    clip = department.clip
    dx = dy = 0.0
    for _ in range(8):
        dx, dy = rng.gauss(0.0, spread), rng.gauss(0.0, spread)
        lat, lon = department.lat + dy / 111.32, department.lon + dx / km_per_lon_degree
        inside = clip is None or (clip[0] <= lat <= clip[2] and clip[1] <= lon <= clip[3])
        if inside and math.hypot(dx, dy) <= max_radius:
            return round(lat, 5), round(lon, 5)
    # Rare: pull the last draw halfway back to the centre, then into the clip box.
    lat, lon = department.lat + dy / 222.64, department.lon + dx / (2 * km_per_lon_degree)
    if clip is not None:
        lat, lon = min(max(lat, clip[0]), clip[2]), min(max(lon, clip[1]), clip[3])
    return round(lat, 5), round(lon, 5)


def _paris_arrondissement(lat: float, lon: float) -> int:
    # Nearest centre (equirectangular distance is plenty at this scale).
    scale = math.cos(math.radians(48.86))
    return min(
        PARIS_ARRONDISSEMENTS,
        key=lambda a: (a.lat - lat) ** 2 + ((a.lon - lon) * scale) ** 2,
    ).number


def _phone(rng: random.Random, department: Department) -> str:
    if rng.random() < 0.2:
        prefix = _FICTION_MOBILE
    else:
        prefix = _FICTION_PREFIX_BY_DEPARTMENT.get(
            department.code, _FICTION_PREFIX_BY_REGION.get(department.region_code, "01 99 00")
        )
    return f"{prefix} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def _period_dates(
    rng: random.Random, today: date, *, open_ended: float, min_days: int, max_days: int
) -> tuple[date, date | None]:
    """Mostly active today; about one in six is over and one in eight is still to come."""
    roll = rng.random()
    if roll < 0.16:  # over
        start = today - timedelta(days=rng.randint(max_days + 1, max_days + 60))
        return start, start + timedelta(days=rng.randint(min_days, max_days))
    if roll < 0.28:  # to come
        start = today + timedelta(days=rng.randint(1, 21))
    else:
        start = today - timedelta(days=rng.randint(0, 30))
    if rng.random() < open_ended:
        return start, None
    end = start + timedelta(days=rng.randint(min_days, max_days))
    return start, max(end, today) if start <= today else end


def _synthetic_place(  # noqa: PLR0912, PLR0915 - one straight recipe, clearer in one piece
    rng: random.Random,
    tables: _Tables,
    *,
    place_id: str,
    slug_suffix: str,
    department: Department,
    now: datetime,
    today: date,
) -> Place:
    archetype = _pick(rng, _ARCHETYPES, tables.archetype_weights)
    variant = rng.choice(archetype.variants)
    city = department.city

    lat, lon = _point(rng, department)
    if department.kind is AreaKind.PARIS:
        number = _paris_arrondissement(lat, lon)
        postal_code, city_code = f"750{number:02d}", f"751{number:02d}"
        area = f"Paris {number}{'er' if number == 1 else 'e'}"
    else:
        postal_code, city_code = rng.choice(department.postal_codes), department.city_code
        area = f"{city} {rng.choice(department.quarters or _GENERIC_QUARTERS)}"
    street = rng.choice(_STREETS)
    number_in_street = rng.randint(1, 150)
    street_line = f"{number_in_street}{' bis' if rng.random() < 0.06 else ''} {street}"
    complement = rng.choice(_ADDRESS_COMPLEMENTS) if rng.random() < 0.12 else None

    name = variant.name.format(area=area, city=city, street=street.split(" ", 1)[1])
    organisation = None if variant.organisation is None else variant.organisation.format(city=city)

    # Services: the archetype's main one, then up to three of its usual extras.
    extra_count = _pick(rng, (0, 1, 2, 3), (40, 70, 90, 100))
    extra_count = min(extra_count, len(archetype.extras))
    categories = [variant.category]
    for category in rng.sample(archetype.extras, extra_count):
        if category not in categories:
            categories.append(category)

    policy = _pick(
        rng, (HolidayPolicy.UNKNOWN, HolidayPolicy.CLOSED, HolidayPolicy.OPEN), (50, 85, 100)
    )
    spec = _pattern(rng, rng.choice(archetype.patterns))
    note = rng.choice(_HOURS_NOTES) if rng.random() < 0.05 else None
    hours = _weekly(spec, policy, note)

    services: list[Service] = []
    for position, category in enumerate(categories, start=1):
        service_hours = None
        if position > 1 and len(spec) > 1 and rng.random() < 0.25:
            # A service offered on some of the place's days only (a subset keeps the place's
            # hours their union).
            kept = tuple(sorted(rng.sample(range(len(spec)), rng.randint(1, len(spec) - 1))))
            service_hours = _weekly(tuple(spec[i] for i in kept), policy)
        service_closure = None
        if rng.random() < 0.02:
            start, end = _period_dates(rng, today, open_ended=0.5, min_days=7, max_days=60)
            service_closure = TemporaryClosure(
                start_date=start, end_date=end, reason=rng.choice(_CLOSURE_REASONS)
            )
        names = _SERVICE_NAMES.get(category)
        services.append(
            Service(
                id=f"s{position}",
                category=category,
                name=rng.choice(names) if names and rng.random() < 0.5 else None,
                hours=service_hours,
                temporary_closure=service_closure,
                modalities=_LEGAL_BY_APPOINTMENT
                if category == "legal_advice" and rng.random() < 0.3
                else None,
            )
        )

    audiences, audience_weights = tables.audiences[archetype.audiences]
    audience = _pick(rng, audiences, audience_weights)
    symbolic = rng.random() < archetype.symbolic_price
    modalities = _modalities(
        registration=rng.random() < archetype.registration,
        appointment=rng.random() < archetype.appointment,
        referral=rng.random() < archetype.referral,
        price=Price.SYMBOLIC if symbolic else Price.FREE,
        wheelchair=rng.random() < 0.45,
        animals=rng.random() < 0.2,
    )
    language_sets, language_weights = tables.languages
    languages = list(_pick(rng, language_sets, language_weights))

    phones = [Phone(number=_phone(rng, department))]
    if rng.random() < 0.15:
        phones.append(Phone(label="Permanence", number=_phone(rng, department)))
    domain = f"{_slug(organisation or name, 40)}.example.org"  # reserved domain: no real inbox
    email = f"contact.{_slug(city, 30)}@{domain}" if rng.random() < 0.6 else None
    website = f"https://{domain}/{_slug(city, 30)}" if rng.random() < 0.3 else None

    message = closure = temporary_hours = None
    if rng.random() < 0.15:
        start, end = _period_dates(rng, today, open_ended=0.4, min_days=7, max_days=90)
        message = TemporaryMessage(start_date=start, end_date=end, text=rng.choice(_MESSAGES))
    if rng.random() < 0.08:
        start, end = _period_dates(rng, today, open_ended=0.35, min_days=3, max_days=60)
        closure = TemporaryClosure(
            start_date=start, end_date=end, reason=rng.choice(_CLOSURE_REASONS)
        )
    if rng.random() < 0.05:
        start, end = _period_dates(rng, today, open_ended=0.0, min_days=7, max_days=60)
        temporary_spec = _pattern(rng, rng.choice(archetype.patterns))
        temporary_hours = TemporaryHours(
            start_date=start, end_date=end, hours=_weekly(temporary_spec, policy)
        )

    roll = rng.random()
    if roll < 0.02:
        status = PlaceStatus.DRAFT
    elif roll < 0.035:
        status = PlaceStatus.OFFLINE
    elif roll < 0.05:
        status = PlaceStatus.PERMANENTLY_CLOSED
    else:
        status = PlaceStatus.ONLINE

    # Whole seconds between creation and now, like timestamps written by the API.
    age = rng.randint(86_400, 1500 * 86_400)
    created_at = now - timedelta(seconds=age)
    updated_at = created_at + timedelta(seconds=int(age * rng.random()))
    since_update = int((now - updated_at).total_seconds())
    verified_at = (
        updated_at + timedelta(seconds=int(since_update * rng.random()))
        if rng.random() < 0.85
        else None
    )
    version = 1 if updated_at == created_at else rng.randint(1, 9)

    return Place(
        id=place_id,
        slug=f"{_slug(name, 90)}-{slug_suffix}",
        name=name,
        description=archetype.description if rng.random() < 0.7 else None,
        organisation=organisation,
        sources=[Source(name=tables.source_name, external_id=place_id)],
        address=Address(
            street=street_line,
            additional_info=complement,
            postal_code=postal_code,
            city=city,
            city_code=city_code,
            department_code=department.code,
            region_code=department.region_code,
        ),
        location=GeoPoint(lat=lat, lon=lon),
        timezone=DEFAULT_TIMEZONE,
        services=services,
        hours=hours,
        temporary_closure=closure,
        temporary_hours=temporary_hours,
        temporary_message=message,
        status=status,
        audience=audience,
        modalities=modalities,
        languages=languages,
        contacts=Contacts(phones=phones, email=email, website=website),
        internal_note="Lieu fictif généré pour la démo." if rng.random() < 0.05 else None,
        created_at=created_at,
        updated_at=updated_at,
        verified_at=verified_at,
        version=version,
    )


# --------------------------------------------------------------------------------------------
# Command line: a quick benchmark and a JSON-lines dump
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate Repère demo places.")
    parser.add_argument("--count", type=int, default=10_000, help="synthetic places to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--department", action="append", help="restrict to these departments")
    parser.add_argument("--jsonl", type=Path, help="also write leaflet + synthetic places here")
    args = parser.parse_args(argv)

    now = datetime.now(UTC)
    started = time.perf_counter()
    places = leaflet_places(now)
    places.extend(
        synthetic_places(args.count, seed=args.seed, now=now, departments=args.department)
    )
    elapsed = time.perf_counter() - started
    print(f"{len(places)} places in {elapsed:.2f} s", file=sys.stderr)
    if args.jsonl is not None:
        with args.jsonl.open("w", encoding="utf-8") as out:
            for place in places:
                out.write(place.model_dump_json())
                out.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
