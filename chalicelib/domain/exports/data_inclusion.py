"""data·inclusion schema v1: ``structures`` and ``services``.

Validated in tests with the ``data-inclusion-schema`` package (v1 ``Structure`` / ``Service``),
which is not imported here: the domain stays free of it, the API of its weight.

Mapping
-------
* place -> structure ``repere--<place id>``; each service of ours in the export's categories
  -> service ``repere--<place id>--<service id>``.
* ``thematiques``: the category's ``data_inclusion`` key in chalicelib/data/categories.json
  (hygiene has no equivalent there: such services go without thematique).
* ``horaires_accueil``: OpenStreetMap opening_hours of the hours in force on the date
  (temporary hours when active), plus ``<from>-<to> off`` for a dated closure in force or
  announced. A service closed *until further notice* on the date is left out: v1 has no status
  to say so, and regular hours would send people to a closed door.
* ``publics``: ``tous-publics`` unless the audience is exclusive, then what maps (women,
  families, exiles, young people, seniors).
* ``telephone``: the first phone, E.164 for metropolitan numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.exports.selection import (
    SelectedPlace,
    ServiceInForce,
    hours_in_force,
    service_hours_in_force,
)
from chalicelib.domain.hours.formatting import (
    format_osm,
    osm_date,
    own_ranges,
    ranges_osm,
    spilled_ranges,
)
from chalicelib.domain.hours.holidays import holiday_name
from chalicelib.domain.hours.models import HolidayPolicy, TemporaryClosure, Weekday, WeeklyHours
from chalicelib.domain.places.models import (
    AdministrativeSituation,
    Audience,
    AudienceKind,
    FamilySituation,
    Gender,
    Modalities,
    Place,
    Price,
    Service,
)
from chalicelib.domain.places.views import public_url
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

SOURCE = "repere"
SCHEMA_VERSION = "v1"
_NOT_DIGIT = re.compile(r"\D")
_OVERSEAS = ("971", "972", "973", "974", "975", "976")

Json = dict[str, Any]


def data_inclusion_document(
    selected: Sequence[SelectedPlace],
    *,
    day: date,
    taxonomy: Taxonomy,
    base_url: str,
) -> Json:
    structures: list[Json] = []
    services: list[Json] = []
    for chosen in selected:
        place = chosen.place
        kept = [s for s in chosen.services if not _closed_until_further_notice(s)]
        if not kept:
            continue
        structure = _structure(place, day, base_url)
        structures.append(structure)
        for in_force in kept:
            services.append(
                _service(place, in_force, structure, day=day, taxonomy=taxonomy, base_url=base_url)
            )
    return {
        "schema_version": SCHEMA_VERSION,
        "data_date": day.isoformat(),
        "structures": structures,
        "services": services,
    }


def _closed_until_further_notice(in_force: ServiceInForce) -> bool:
    return in_force.closure is not None and in_force.closure.end_date is None


def osm_hours(
    hours: WeeklyHours,
    closures: Sequence[TemporaryClosure],
    *,
    department_code: str | None = None,
    since: date | None = None,
) -> str | None:
    """``format_osm`` (holidays dated from ``since``) plus the closures, meaning what the
    engine means (later rules win):

    - a dated closure is ``<from>-<to> off``; the day after it, when a night slot would
      otherwise run on into it, keeps only its own slots (the engine stops a slot at a closed
      day: the closure's last night never opens);
    - a closure without end date is published closed from its first day (``<from>+ off``):
      left out, a place closed "until further notice" would be published with its usual
      hours, and people sent to a closed door.
    """
    rules = (
        [format_osm(hours, department_code=department_code, since=since)]
        if not hours.is_empty()
        else []
    )
    mornings_after: list[str] = []
    closed: list[str] = []
    for closure in closures:
        start = osm_date(closure.start_date)
        if closure.end_date is None:
            closed.append(f"{start}+ off")
            continue
        closed.append(f"{start}-{osm_date(closure.end_date)} off")
        after = closure.end_date + timedelta(days=1)
        weekday = Weekday.of(after)
        if spilled_ranges(hours, weekday):
            closed_holiday = (
                hours.public_holidays is HolidayPolicy.CLOSED
                and holiday_name(after, department_code) is not None
            )
            own = [] if closed_holiday else own_ranges(hours, weekday)
            mornings_after.append(f"{osm_date(after)} {ranges_osm(own)}")
    # Closures last: a morning after one closure that falls inside another stays closed.
    rules += mornings_after + closed
    return "; ".join(rule for rule in rules if rule) or None


def weekly_in_force(place: Place, day: date) -> WeeklyHours:
    """The weekly hours in force on ``day``, with the holiday policy the engine applies:
    temporary hours typed without one keep the place's ("fermé les jours fériés" still
    holds during them)."""
    weekly, temporary = hours_in_force(place, day)
    if temporary is not None and weekly.public_holidays is HolidayPolicy.UNKNOWN:
        return weekly.model_copy(update={"public_holidays": place.hours.public_holidays})
    return weekly


def service_weekly_in_force(place: Place, service: Service, day: date) -> WeeklyHours:
    """``weekly_in_force`` of one service: its own temporary hours when active (they win over
    its hours and the place's temporary hours), with UNKNOWN holiday policy inheriting the
    regular hours' the service follows, as the engine does."""
    weekly, temporary = service_hours_in_force(place, service, day)
    if temporary is None:
        return weekly
    regular = place.hours if service.hours is None else service.hours
    if weekly.public_holidays is HolidayPolicy.UNKNOWN:
        return weekly.model_copy(update={"public_holidays": regular.public_holidays})
    return weekly


def e164(number: str, department: str) -> str:
    """``"01 43 43 84 75"`` -> ``"+33143438475"``; other forms are kept as printed."""
    digits = _NOT_DIGIT.sub("", number)
    if number.strip().startswith("+") and digits:
        return f"+{digits}"
    if len(digits) == 10 and digits.startswith("0") and department not in _OVERSEAS:
        return f"+33{digits[1:]}"
    return number


def _local_date(place: Place) -> date:
    return place.updated_at.astimezone(ZoneInfo(place.timezone)).date()


def _name(text: str, fallback: str) -> str:
    """Between 3 and 150 characters, not ending with a dot (schema constraints)."""
    name = text.strip().rstrip(".")
    if len(name) < 3:
        name = f"{name} — {fallback}".strip(" —")
    return name[:150].rstrip(".")


def _description(text: str | None) -> str | None:
    if text is None or len(text.strip()) < 5:
        return None
    return text.strip()[:10000]


def _address(place: Place) -> Json:
    address = place.address
    return {
        "commune": address.city,
        "code_postal": address.postal_code,
        "code_insee": address.city_code,
        "adresse": address.street,
        "complement_adresse": address.additional_info,
        "longitude": place.location.lon,
        "latitude": place.location.lat,
    }


def _contacts(place: Place) -> Json:
    phones = place.contacts.phones
    return {
        "telephone": e164(phones[0].number, place.address.department_code) if phones else None,
        "courriel": place.contacts.email,
    }


def _structure(place: Place, day: date, base_url: str) -> Json:
    weekly = weekly_in_force(place, day)
    closures = [c for c in (place.temporary_closure,) if c is not None and _current(c, day)]
    return {
        "source": SOURCE,
        "id": f"{SOURCE}--{place.id}",
        "nom": _name(place.name, place.address.city),
        "date_maj": _local_date(place).isoformat(),
        "description": _description(place.description),
        "lien_source": public_url(base_url, place),
        **_address(place),
        **_contacts(place),
        "site_web": place.contacts.website,
        "horaires_accueil": osm_hours(
            weekly, closures, department_code=place.address.department_code, since=day
        ),
    }


def _current(closure: TemporaryClosure, day: date) -> bool:
    return closure.end_date is None or closure.end_date >= day


def _service(
    place: Place,
    in_force: ServiceInForce,
    structure: Json,
    *,
    day: date,
    taxonomy: Taxonomy,
    base_url: str,
) -> Json:
    service = in_force.service
    category = taxonomy.get(service.category)
    modalities = service.modalities or place.modalities
    audience = service.audience or place.audience
    weekly = service_weekly_in_force(place, service, day)
    closures = [
        c
        for c in (place.temporary_closure, service.temporary_closure)
        if c is not None and _current(c, day)
    ]
    description = _description(service.description) or _description(place.description)
    if description is None:
        description = f"{category.fr} — {place.name}"
    publics, publics_note = _publics(audience)
    return {
        "source": SOURCE,
        "structure_id": structure["id"],
        "id": f"{SOURCE}--{place.id}--{service.id}",
        "nom": _name(service.name or f"{category.fr} — {place.name}", place.name),
        "description": description,
        "lien_source": public_url(base_url, place),
        "date_maj": structure["date_maj"],
        "thematiques": [category.data_inclusion] if category.data_inclusion else None,
        "frais": "gratuit" if modalities.price is Price.FREE else "payant",
        "frais_precisions": modalities.price_note,
        "publics": publics,
        "publics_precisions": publics_note,
        "conditions_acces": _conditions(modalities),
        **_address(place),
        **_contacts(place),
        "modes_accueil": ["en-presentiel"],
        "modes_mobilisation": _mobilisation(modalities, place),
        "mobilisable_par": ["professionnels"]
        if modalities.referral_required
        else ["usagers", "professionnels"],
        "horaires_accueil": osm_hours(
            weekly, closures, department_code=place.address.department_code, since=day
        ),
    }


def _publics(audience: Audience) -> tuple[list[str] | None, str | None]:
    if audience.kind is not AudienceKind.EXCLUSIVE:
        return ["tous-publics"], audience.other
    found: list[str] = []
    if Gender.WOMEN in audience.genders:
        found.append("femmes")
    if {FamilySituation.FAMILY, FamilySituation.PREGNANT} & set(audience.family):
        found.append("familles")
    exiles = {
        AdministrativeSituation.ASYLUM_SEEKER,
        AdministrativeSituation.REFUGEE,
        AdministrativeSituation.UNDOCUMENTED,
    }
    if exiles & set(audience.administrative):
        found.append("personnes-exilees")
    if audience.age_max is not None and audience.age_max <= 25:
        found.append("jeunes")
    if audience.age_min is not None and audience.age_min >= 60:
        found.append("seniors")
    if not found:
        # Exclusive in a way v1 cannot say (men only, say): no public claimed, the precision
        # carries the restriction.
        return None, audience.other or "Public restreint"
    return found, audience.other


def _conditions(modalities: Modalities) -> str | None:
    texts = [
        text
        for flag, text in (
            (modalities.appointment, "Sur rendez-vous"),
            (modalities.registration, "Sur inscription"),
            (modalities.referral_required, "Sur orientation d'un travailleur social"),
        )
        if flag
    ]
    return "; ".join(texts) or None


def _mobilisation(modalities: Modalities, place: Place) -> list[str]:
    if not modalities.appointment:
        return ["se-presenter"]
    modes = []
    if place.contacts.phones:
        modes.append("telephoner")
    if place.contacts.email:
        modes.append("envoyer-un-courriel")
    return modes or ["se-presenter"]
