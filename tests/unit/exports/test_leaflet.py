"""The leaflet as data: the 2020 reference leaflet and the rules behind it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.exports.leaflet import (
    Leaflet,
    LeafletEntry,
    build_leaflet,
    default_sections,
    district,
    period_fr,
    territory_detail,
)
from chalicelib.domain.exports.models import ClosedPlaces, ExportFormat, LeafletSection
from chalicelib.domain.exports.selection import date_fr, select_places, wanted_categories
from chalicelib.domain.hours.models import (
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import (
    Address,
    Audience,
    AudienceKind,
    Gender,
    Modalities,
    Place,
)
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place
from tests.unit.exports.reference import (
    BASE_URL,
    CLOSED_ENTRY,
    LEAFLET_DATE,
    SECTIONS,
    expected_hours_lines,
    printed_sections,
    reference_places,
    reference_spec,
)

TAXONOMY = default_taxonomy()


def _leaflet(closed: ClosedPlaces = ClosedPlaces.MARK) -> Leaflet:
    spec = reference_spec(ExportFormat.PDF, closed)
    selected = select_places(
        reference_places(),
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=spec.data_date,
        closed=spec.closed,
    )
    return build_leaflet(selected, spec, TAXONOMY, BASE_URL)


@pytest.fixture(scope="module")
def leaflet() -> Leaflet:
    return _leaflet()


def test_reference_leaflet_has_the_printed_header(leaflet: Leaflet) -> None:
    assert leaflet.title == "Alimentation"
    assert leaflet.subtitle == "Urgence sociale — Spécial Covid"
    assert leaflet.territory == "PARIS Nord-Est"
    assert leaflet.territory_detail == "3e, 4e, 7e, 10e, 11e, 19e, 20e"
    assert leaflet.date_text == "6 mai 2020"


def test_reference_leaflet_has_the_printed_sections_in_order_with_their_entries(
    leaflet: Leaflet,
) -> None:
    assert [s.title for s in leaflet.sections] == [title for title, _, _ in SECTIONS]
    assert [len(s.entries) for s in leaflet.sections] == [23, 5, 1, 1]
    expected = printed_sections()
    for section in leaflet.sections:
        for entry in section.entries:
            assert expected[entry.place_id] == section.title, entry.name


def test_reference_leaflet_numbers_its_30_entries_across_sections(leaflet: Leaflet) -> None:
    numbers = [entry.number for section in leaflet.sections for entry in section.entries]
    assert numbers == list(range(1, 31))
    assert leaflet.entry_count == 30
    assert leaflet.sections[1].entries[0].number == 24  # numbering runs on after 23 entries


def test_entries_of_a_section_are_sorted_by_postal_code_then_name(leaflet: Leaflet) -> None:
    places = {place.id: place for place in reference_places()}
    for section in leaflet.sections:
        codes = [places[entry.place_id].address.postal_code for entry in section.entries]
        assert codes == sorted(codes)
    first = leaflet.sections[0].entries[0]
    assert (first.name, first.district) == ("Accueil de jour Le Carreau du Temple", "Paris 3e")


def test_each_entry_prints_the_hours_line_of_the_leaflet(leaflet: Leaflet) -> None:
    expected = expected_hours_lines()
    for section in leaflet.sections:
        for entry in section.entries:
            lines = [
                f"{line.label} - {line.text}" if line.label else line.text for line in entry.hours
            ]
            assert lines == expected[entry.place_id], entry.name


def test_temporary_hours_in_force_replace_the_usual_ones_and_say_until_when(
    leaflet: Leaflet,
) -> None:
    entry = _by_id(leaflet, "pne-02")
    assert entry.temporary_hours_note == "Horaires temporaires jusqu'au 11 mai 2020 inclus"
    assert [line.text for line in entry.hours] == ["lundi-vendredi - 12h30-14h30"]
    assert entry.usual_hours == "tous les jours - dès 12h30"


def test_a_place_closed_on_the_date_is_marked_with_its_reopening(leaflet: Leaflet) -> None:
    entry = _by_id(leaflet, f"pne-{CLOSED_ENTRY}")
    assert entry.closure == (
        "Fermé temporairement jusqu'au 11 mai 2020 inclus — Distribution suspendue pendant la "
        "fermeture du jardin au public."
    )


def test_closed_places_and_services_are_left_out_by_default() -> None:
    leaflet = _leaflet(ClosedPlaces.OMIT)
    ids = [entry.place_id for section in leaflet.sections for entry in section.entries]
    assert f"pne-{CLOSED_ENTRY}" not in ids
    assert leaflet.entry_count == 29
    assert [e.number for s in leaflet.sections for e in s.entries] == list(range(1, 30))
    baskets = _by_id(leaflet, "pne-24")
    assert [line.label for line in baskets.hours] == ["Distribution de denrées alimentaires"]


def test_the_temporary_message_of_the_day_is_printed(leaflet: Leaflet) -> None:
    assert _by_id(leaflet, "pne-29").message == "1 personne à la fois pour 15 minutes maximum"
    assert _by_id(leaflet, "pne-01").message is not None
    assert _by_id(leaflet, "pne-03").message is None


def test_entries_carry_address_phone_and_public_link(leaflet: Leaflet) -> None:
    entry = _by_id(leaflet, "pne-04")
    assert entry.street == "72 rue de Meaux"
    assert entry.district == "Paris 19e"
    assert entry.phones == ["01 42 41 23 30"]
    assert entry.url == f"{BASE_URL}/fiche/restaurant-solidaire-meaux"
    assert entry.url_text == "repere.example.org/fiche/restaurant-solidaire-meaux"


def test_a_message_not_yet_or_no_longer_in_force_is_not_printed() -> None:
    spec = reference_spec()
    place = make_place(
        "p1",
        categories=("seated_meal",),
        temporary_message=TemporaryMessage(
            start_date=date(2020, 5, 7), text="Fermé demain exceptionnellement"
        ),
    )
    selected = select_places(
        [place],
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=LEAFLET_DATE,
        closed=ClosedPlaces.MARK,
    )
    leaflet = build_leaflet(selected, spec, TAXONOMY, BASE_URL)
    assert leaflet.sections[0].entries[0].message is None


def test_a_place_without_hours_says_so_rather_than_printing_nothing() -> None:
    spec = reference_spec()
    place = make_place("p1", categories=("seated_meal",), hours=WeeklyHours())
    selected = select_places(
        [place],
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=LEAFLET_DATE,
        closed=ClosedPlaces.MARK,
    )
    entry = build_leaflet(selected, spec, TAXONOMY, BASE_URL).sections[0].entries[0]
    assert entry.hours[0].text == "horaires non communiqués"


def test_an_open_ended_closure_says_until_further_notice() -> None:
    spec = reference_spec()
    place = make_place(
        "p1",
        categories=("seated_meal",),
        temporary_closure=TemporaryClosure(start_date=date(2020, 5, 1)),
    )
    selected = select_places(
        [place],
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=LEAFLET_DATE,
        closed=ClosedPlaces.MARK,
    )
    entry = build_leaflet(selected, spec, TAXONOMY, BASE_URL).sections[0].entries[0]
    assert entry.closure == "Fermé temporairement jusqu'à nouvel ordre"


def test_empty_sections_are_dropped_and_take_no_number() -> None:
    spec = reference_spec()
    spec = spec.model_copy(
        update={
            "sections": [
                LeafletSection(title="Petits déjeuners", categories=["breakfast"]),
                *spec.sections,
            ]
        }
    )
    place = make_place("p1", categories=("food_packages",))
    selected = select_places(
        [place],
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=LEAFLET_DATE,
        closed=ClosedPlaces.MARK,
    )
    leaflet = build_leaflet(selected, spec, TAXONOMY, BASE_URL)
    assert [s.title for s in leaflet.sections] == ["Colis alimentaire"]
    assert leaflet.sections[0].entries[0].number == 1


def test_default_sections_are_one_per_leaf_category_in_taxonomy_order() -> None:
    sections = default_sections(TAXONOMY, ["food"])
    assert [s.categories for s in sections][:3] == [
        ["seated_meal"],
        ["food_distribution"],
        ["food_packages"],
    ]
    assert sections[0].title == "Restauration assise"
    assert len(default_sections(TAXONOMY, ["food", "seated_meal"])) == len(sections)


@pytest.mark.parametrize(
    ("postal_code", "city", "expected"),
    [
        ("75019", "Paris", "Paris 19e"),
        ("75001", "Paris", "Paris 1er"),
        ("69003", "Lyon", "Lyon 3e"),
        ("13001", "Marseille", "Marseille 1er"),
        ("93200", "Saint-Denis", "93200 Saint-Denis"),
        ("75116", "Paris", "Paris 16e"),
        ("75021", "Paris", "75021 Paris"),
    ],
)
def test_district_names_arrondissements_of_the_three_cities(
    postal_code: str, city: str, expected: str
) -> None:
    address = Address(
        street="1 rue X", postal_code=postal_code, city=city, department_code=postal_code[:2]
    )
    assert district(address) == expected


def test_territory_detail_lists_paris_districts_or_postal_codes() -> None:
    assert territory_detail(["75001", "75019"]) == "1er, 19e"
    assert territory_detail(["93200", "93210"]) == "93200, 93210"
    assert territory_detail([]) is None


def test_french_dates_say_premier_for_the_first() -> None:
    assert date_fr(date(2020, 5, 1)) == "1er mai 2020"
    assert date_fr(date(2020, 8, 15)) == "15 août 2020"


def _by_id(leaflet: Leaflet, place_id: str):  # type: ignore[no-untyped-def]
    return next(e for s in leaflet.sections for e in s.entries if e.place_id == place_id)


def _entry_of(place: Place, day: date = LEAFLET_DATE) -> LeafletEntry:
    spec = reference_spec()
    selected = select_places(
        [place],
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=day,
        closed=ClosedPlaces.MARK,
    )
    return build_leaflet(selected, spec, TAXONOMY, BASE_URL).sections[0].entries[0]


def test_what_starts_within_the_validity_window_is_printed_ahead() -> None:
    """Issue 18: a leaflet of 6 May lives on a wall for days; a closure from 8 to 10 May,
    temporary hours from 12 May and a message from 7 May are printed on the entry; what
    starts after the window (VALIDITY_DAYS) or already began is not an "ahead" line."""
    place = make_place(
        "p1",
        categories=("seated_meal",),
        temporary_closure=TemporaryClosure(
            start_date=date(2020, 5, 8), end_date=date(2020, 5, 10), reason="pont"
        ),
        temporary_hours=TemporaryHours(
            start_date=date(2020, 5, 12),
            end_date=date(2020, 6, 2),
            hours=WeeklyHours(monday=[TimeSlot(start="10:00", end="12:00")]),
        ),
        temporary_message=TemporaryMessage(start_date=date(2020, 5, 7), text="Colis seulement"),
    )
    entry = _entry_of(place)
    assert entry.ahead == [
        "Fermé du 8 au 10 mai 2020 — pont",
        "Horaires modifiés du 12 mai au 2 juin 2020 : lundi - 10h-12h",
        "À partir du 7 mai 2020 : Colis seulement",
    ]
    later = place.model_copy(
        update={
            "temporary_closure": TemporaryClosure(start_date=LEAFLET_DATE + timedelta(days=15)),
            "temporary_hours": None,
            "temporary_message": None,
        }
    )
    assert _entry_of(later).ahead == []


def test_access_conditions_are_printed() -> None:
    place = make_place(
        "p1",
        categories=("seated_meal",),
        audience=Audience(kind=AudienceKind.EXCLUSIVE, genders=[Gender.WOMEN], age_min=18),
        modalities=Modalities(referral_required=True, appointment=True),
    )
    assert _entry_of(place).access == [
        "Réservé aux femmes, dès 18 ans",
        "Sur orientation, sur rendez-vous",
    ]
    assert _entry_of(make_place("p2", categories=("seated_meal",))).access == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 12, 24), date(2026, 12, 26), "du 24 au 26 décembre 2026"),
        (date(2026, 3, 30), date(2026, 4, 2), "du 30 mars au 2 avril 2026"),
        (date(2026, 12, 30), date(2027, 1, 2), "du 30 décembre 2026 au 2 janvier 2027"),
        (date(2026, 12, 25), date(2026, 12, 25), "le 25 décembre 2026"),
        (date(2026, 12, 24), None, "à partir du 24 décembre 2026"),
        (date(2026, 5, 1), date(2026, 5, 3), "du 1er au 3 mai 2026"),
    ],
)
def test_periods_read_as_printed(start: date, end: date | None, expected: str) -> None:
    assert period_fr(start, end) == expected
