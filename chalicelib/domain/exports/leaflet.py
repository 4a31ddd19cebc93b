"""The printed leaflet, as data: header, sections, numbered entries and their lines.

Modelled on the 2020 "PARIS Nord-Est — Spécial Covid — Alimentation — 6 mai 2020" leaflet:
sections by category, entries numbered across the whole leaflet; each entry gives the name,
the address and district, phones, the temporary message, the hours in force on the leaflet's
date in compact French (temporary hours when active), and the public link (with a QR code).

Rules
-----
* A place appears once, in the section of its first service (in the place's order) that falls
  in the leaflet's categories. Sections are listed in the order given; empty ones are dropped.
* Within a section, entries are sorted by postal code, then name: readers look by district.
  Numbers run on across sections (1..N over the leaflet).
* Hours: when every listed service follows the place's hours, one line (the place's hours in
  force). When some have hours of their own, one line per listed service, labelled with its
  name (or its category). Temporary hours active on the date replace the regular ones, said
  with their end date; the regular hours follow as "habituellement".
* A place or service temporarily closed on the date is absent (``ClosedPlaces.OMIT``) or says
  so (``MARK``), with the reopening date when known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.exports.models import ExportSpec, LeafletSection, PaperSize
from chalicelib.domain.exports.selection import (
    SelectedPlace,
    date_fr,
    hours_in_force,
    wanted_categories,
)
from chalicelib.domain.hours.formatting import format_compact_fr
from chalicelib.domain.hours.models import TemporaryClosure, TemporaryHours
from chalicelib.domain.places.models import (
    Address,
    Audience,
    AudienceKind,
    FamilySituation,
    Gender,
    Modalities,
)
from chalicelib.domain.places.views import public_url
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

NO_HOURS_TEXT = "horaires non communiqués"
VALIDITY_DAYS = 14
"""A printed leaflet is read for about two weeks (the report's were weekly, kept longer):
changes starting in the 14 days after its date are printed on the entry."""

# City -> (postal code prefix, arrondissement from the last two digits): "Paris 19e".
_ARRONDISSEMENT_CITIES = {"paris": "750", "lyon": "6900", "marseille": "130"}


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class LeafletLine(_View):
    """One hours line: ``label`` (a service's name) is None for the place's own line."""

    label: str | None
    text: str
    closed: bool = False


class LeafletEntry(_View):
    number: int
    place_id: str
    name: str
    street: str
    district: str
    address_extra: str | None
    phones: list[str]
    email: str | None
    message: str | None
    closure: str | None
    temporary_hours_note: str | None
    hours: list[LeafletLine]
    usual_hours: str | None
    ahead: list[str] = []
    """What changes within the leaflet's validity window (``VALIDITY_DAYS`` after its date):
    a closure, temporary hours or a message that starts then ("Fermé du 24 au 26 décembre
    2026"). A leaflet lives on a wall for days; the usual hours alone would send people to a
    closed door."""
    access: list[str] = []
    """Conditions of access: who is welcome, on referral, by appointment, on registration."""
    url: str
    url_text: str


class LeafletSectionView(_View):
    title: str
    entries: list[LeafletEntry]


class Leaflet(_View):
    title: str
    subtitle: str | None
    territory: str
    territory_detail: str | None
    data_date: date
    date_text: str
    paper: PaperSize
    qr_codes: bool
    sections: list[LeafletSectionView]
    entry_count: int
    site: str
    notice: str


def arrondissement(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"


def district(address: Address) -> str:
    """``"Paris 19e"`` in Paris, Lyon and Marseille; ``"93200 Saint-Denis"`` elsewhere."""
    prefix = _ARRONDISSEMENT_CITIES.get(address.city.split()[0].casefold())
    code = address.postal_code
    if prefix == "750" and code == "75116":  # the 16th has two postal codes
        return f"{address.city.split()[0]} 16e"
    if prefix is not None and code.startswith(prefix) and 1 <= int(code[-2:]) <= 20:
        return f"{address.city.split()[0]} {arrondissement(int(code[-2:]))}"
    return f"{code} {address.city}"


def territory_detail(postal_codes: Sequence[str]) -> str | None:
    """``"3e, 4e, 19e"`` for Paris districts, else the postal codes; None for a department."""
    if not postal_codes:
        return None
    if all(code.startswith("750") and 1 <= int(code[-2:]) <= 20 for code in postal_codes):
        return ", ".join(arrondissement(int(code[-2:])) for code in postal_codes)
    return ", ".join(postal_codes)


def closure_text(closure: TemporaryClosure) -> str:
    until = (
        f"jusqu'au {date_fr(closure.end_date)} inclus"
        if closure.end_date is not None
        else "jusqu'à nouvel ordre"
    )
    reason = f" — {closure.reason}" if closure.reason else ""
    return f"Fermé temporairement {until}{reason}"


def _temporary_note(temporary: TemporaryHours) -> str:
    if temporary.end_date is None:
        return "Horaires temporaires"
    return f"Horaires temporaires jusqu'au {date_fr(temporary.end_date)} inclus"


def period_fr(start: date, end: date | None) -> str:
    """``"du 24 au 26 décembre 2026"``, ``"du 30 mars au 2 avril 2026"``, ``"à partir du 24
    décembre 2026"``, ``"le 25 décembre 2026"``."""
    if end is None:
        return f"à partir du {date_fr(start)}"
    if end == start:
        return f"le {date_fr(start)}"
    if (start.year, start.month) == (end.year, end.month):
        first = "1er" if start.day == 1 else str(start.day)
        return f"du {first} au {date_fr(end)}"
    if start.year == end.year:
        return f"du {date_fr(start).rsplit(' ', 1)[0]} au {date_fr(end)}"
    return f"du {date_fr(start)} au {date_fr(end)}"


def ahead_lines(chosen: SelectedPlace, day: date, taxonomy: Taxonomy) -> list[str]:
    """Changes starting after ``day`` and within ``VALIDITY_DAYS`` of it."""
    place = chosen.place
    last = day + timedelta(days=VALIDITY_DAYS)

    def upcoming(start: date) -> bool:
        return day < start <= last

    lines: list[str] = []
    closure = place.temporary_closure
    if closure is not None and upcoming(closure.start_date):
        reason = f" — {closure.reason}" if closure.reason else ""
        lines.append(f"Fermé {period_fr(closure.start_date, closure.end_date)}{reason}")
    for in_force in chosen.services:
        service = in_force.service
        label = service.name or taxonomy.get(service.category).fr
        own = service.temporary_closure
        if own is not None and upcoming(own.start_date):
            lines.append(f"{label} : fermé {period_fr(own.start_date, own.end_date)}")
        own_hours = service.temporary_hours
        if own_hours is not None and upcoming(own_hours.start_date):
            hours = _hours_text(format_compact_fr(own_hours.hours))
            period = period_fr(own_hours.start_date, own_hours.end_date)
            lines.append(f"{label} : horaires modifiés {period} : {hours}")
        own_message = service.temporary_message
        if own_message is not None and upcoming(own_message.start_date):
            period = period_fr(own_message.start_date, own_message.end_date)
            lines.append(f"{label}, {period} : {own_message.text}")
    temporary = place.temporary_hours
    if temporary is not None and upcoming(temporary.start_date):
        hours = _hours_text(format_compact_fr(temporary.hours))
        period = period_fr(temporary.start_date, temporary.end_date)
        lines.append(f"Horaires modifiés {period} : {hours}")
    message = place.temporary_message
    if message is not None and upcoming(message.start_date):
        lines.append(
            f"{period_fr(message.start_date, message.end_date).capitalize()} : {message.text}"
        )
    return lines


_GROUPS_FR = {
    Gender.WOMEN: "femmes",
    Gender.MEN: "hommes",
    FamilySituation.FAMILY: "familles",
    FamilySituation.PREGNANT: "femmes enceintes",
    FamilySituation.COUPLE: "couples",
    FamilySituation.ISOLATED: "personnes seules",
}


def access_lines(audience: Audience, modalities: Modalities) -> list[str]:
    """``["Réservé aux femmes, dès 18 ans", "Sur orientation"]``: what a reader must know
    before going (printed by the leaflet, issue 18)."""
    lines: list[str] = []
    if audience.kind is not AudienceKind.UNCONDITIONAL:
        groups = [_GROUPS_FR[g] for g in (*audience.genders, *audience.family) if g in _GROUPS_FR]
        if audience.age_min is not None and audience.age_max is not None:
            groups.append(f"{audience.age_min}-{audience.age_max} ans")
        elif audience.age_min is not None:
            groups.append(f"dès {audience.age_min} ans")
        elif audience.age_max is not None:
            groups.append(f"jusqu'à {audience.age_max} ans")
        if audience.other:
            groups.append(audience.other)
        if groups:
            lead = "Réservé aux" if audience.kind is AudienceKind.EXCLUSIVE else "En priorité :"
            lines.append(f"{lead} {', '.join(groups)}")
    ways = [
        text
        for wanted, text in (
            (modalities.referral_required, "sur orientation"),
            (modalities.appointment, "sur rendez-vous"),
            (modalities.registration, "sur inscription"),
        )
        if wanted
    ]
    if ways:
        lines.append(", ".join(ways).capitalize())
    return lines


def _hours_text(text: str) -> str:
    return text or NO_HOURS_TEXT


def build_leaflet(
    selected: Sequence[SelectedPlace],
    spec: ExportSpec,
    taxonomy: Taxonomy,
    base_url: str,
) -> Leaflet:
    sections = spec.sections
    section_sets = [wanted_categories(taxonomy, s.categories) for s in sections]
    grouped: list[list[SelectedPlace]] = [[] for _ in sections]
    for chosen in selected:
        index = _section_of(chosen, section_sets, taxonomy)
        if index is not None:
            grouped[index].append(chosen)

    number = 0
    views: list[LeafletSectionView] = []
    for section, members in zip(sections, grouped, strict=True):
        if not members:
            continue
        entries = []
        for chosen in members:  # already sorted by postal code and name
            number += 1
            entries.append(_entry(number, chosen, spec.data_date, taxonomy, base_url))
        views.append(LeafletSectionView(title=section.title, entries=entries))

    territory = spec.territory
    label = territory.label or (
        f"Département {territory.department}"
        if territory.department is not None
        else district_label(territory.postal_codes)
    )
    site = base_url.removeprefix("https://").removeprefix("http://").rstrip("/")
    return Leaflet(
        title=spec.title,
        subtitle=spec.subtitle,
        territory=label,
        territory_detail=territory_detail(territory.postal_codes),
        data_date=spec.data_date,
        date_text=date_fr(spec.data_date),
        paper=spec.paper,
        qr_codes=spec.qr_codes,
        sections=views,
        entry_count=number,
        site=site,
        notice=(
            f"Informations valables au {date_fr(spec.data_date)}. Les horaires peuvent changer : "
            f"vérifiez sur {site} avant de vous déplacer."
        ),
    )


def district_label(postal_codes: Sequence[str]) -> str:
    if all(code.startswith("750") for code in postal_codes):
        return "Paris"
    return "Codes postaux"


def _section_of(
    chosen: SelectedPlace, section_sets: list[frozenset[str]], taxonomy: Taxonomy
) -> int | None:
    for in_force in chosen.services:
        for index, categories in enumerate(section_sets):
            if in_force.service.category in categories:
                return index
    # A service filed under a parent category ("food") goes with its first child's section.
    for in_force in chosen.services:
        below = taxonomy.descendants(in_force.service.category)
        for index, categories in enumerate(section_sets):
            if below & categories:
                return index
    return None


def _entry(
    number: int, chosen: SelectedPlace, day: date, taxonomy: Taxonomy, base_url: str
) -> LeafletEntry:
    place = chosen.place
    url = public_url(base_url, place)
    weekly, temporary = hours_in_force(place, day)
    message = place.active_temporary_message(day)
    messages = [] if message is None else [message.text]
    for in_force in chosen.services:
        # A service's own message is printed with the place's, named after the service.
        own_message = in_force.service.active_temporary_message(day)
        if own_message is not None:
            service = in_force.service
            label = service.name or taxonomy.get(service.category).fr
            messages.append(f"{label} : {own_message.text}")
    own_hours = any(
        s.service.hours is not None or s.service.active_temporary_hours(day) is not None
        for s in chosen.services
    )

    lines: list[LeafletLine] = []
    if own_hours:
        for in_force in chosen.services:
            service = in_force.service
            label = service.name or taxonomy.get(service.category).fr
            if in_force.closure is not None and chosen.closure is None:
                lines.append(
                    LeafletLine(label=label, text=closure_text(in_force.closure), closed=True)
                )
                continue
            own_temporary = service.active_temporary_hours(day)
            if own_temporary is not None:
                # Its own temporary hours win over its hours and the place's temporary ones.
                text = _hours_text(format_compact_fr(own_temporary.hours))
                lines.append(
                    LeafletLine(label=label, text=f"{_temporary_note(own_temporary)} : {text}")
                )
                continue
            hours = weekly if service.hours is None else service.hours
            lines.append(LeafletLine(label=label, text=_hours_text(format_compact_fr(hours))))
    else:
        lines.append(LeafletLine(label=None, text=_hours_text(format_compact_fr(weekly))))

    # Temporary hours only concern the lines that follow the place's hours.
    follows_place = any(
        s.service.hours is None and s.service.active_temporary_hours(day) is None
        for s in chosen.services
    )
    show_temporary = temporary is not None and follows_place
    return LeafletEntry(
        number=number,
        place_id=place.id,
        name=place.name,
        street=place.address.street,
        district=district(place.address),
        address_extra=place.address.additional_info,
        phones=[phone.number for phone in place.contacts.phones],
        email=place.contacts.email,
        message=" — ".join(messages) or None,
        closure=None if chosen.closure is None else closure_text(chosen.closure),
        temporary_hours_note=_temporary_note(temporary)
        if show_temporary and temporary is not None
        else None,
        hours=lines,
        usual_hours=_hours_text(format_compact_fr(place.hours)) if show_temporary else None,
        ahead=ahead_lines(chosen, day, taxonomy),
        access=access_lines(place.audience, place.modalities),
        url=url,
        url_text=url.removeprefix("https://").removeprefix("http://"),
    )


def default_sections(taxonomy: Taxonomy, categories: Sequence[str]) -> list[LeafletSection]:
    """One section per leaf category asked for (a parent gives one per child), taxonomy order."""
    leaves: list[str] = []
    for category in categories:
        for candidate in taxonomy.all():
            if not candidate.children and candidate.id in taxonomy.descendants(category):
                leaves.append(candidate.id)
    unique = list(dict.fromkeys(leaves))
    return [LeafletSection(title=taxonomy.get(leaf).fr, categories=[leaf]) for leaf in unique]
