"""Demo data: the transcribed 2020 leaflet and the synthetic place generator."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy, WeeklyHours
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.data.departments import DEPARTMENTS, PARIS_ARRONDISSEMENTS
from devtools.demo_data import (
    LEAFLET_TEMPORARY_START,
    LeafletEntry,
    leaflet_duplicates,
    leaflet_places,
    load_leaflet,
    slugify,
    synthetic_places,
    union_hours,
)

# 09:30 UTC is 10:30 or 11:30 in Paris: the same calendar day in both.
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
TODAY = date(2025, 3, 10)

LEAF_CATEGORIES = frozenset(c.id for c in default_taxonomy().all() if not c.children)


def _by_number(places: list[Place]) -> dict[int, Place]:
    return {int(place.id.removeprefix("pne-")): place for place in places}


@pytest.fixture(scope="module")
def leaflet() -> dict[int, Place]:
    return _by_number(leaflet_places(NOW))


def _days(hours: WeeklyHours) -> dict[str, list[tuple[str, str | None]]]:
    return {
        day.value: [(slot.start, slot.end) for slot in hours.slots(day)]
        for day in WEEKDAYS
        if hours.slots(day)
    }


# --- A small reader of the leaflet's compact hours, to check every transcription -------------

_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_TIME = r"(\d{1,2})h(\d{2})?h?"  # "12h", "10h30", and the misprinted "12h30h"


def _hhmm(hours: str, minutes: str | None) -> str:
    return f"{int(hours):02d}:{minutes or '00'}"


def _printed_days(text: str) -> list[int]:
    text = text.strip()
    if text == "tous les jours":
        return list(range(7))
    if text.startswith("tous les jours sauf "):
        return [d for d in range(7) if _FR_DAYS[d] != text.removeprefix("tous les jours sauf ")]
    if text.startswith("tous les "):  # "tous les samedis"
        return [_FR_DAYS.index(text.removeprefix("tous les ").removesuffix("s"))]
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        start = _FR_DAYS.index(first)
        days.extend(range(start, _FR_DAYS.index(last) + 1) if last else [start])
    return days


def _read_printed_hours(text: str) -> dict[str, list[tuple[str, str | None]]]:
    """'mardi, jeudi - 10h-12h30 - samedi - dès 9h' → {'tuesday': [('10:00', '12:30')], ...}."""
    result: dict[str, list[tuple[str, str | None]]] = {}
    days: list[int] = []
    for part in re.split(r"\s+-\s+|\s+(?=dès )", text):
        open_ended = re.fullmatch(rf"dès {_TIME}", part)
        slot = re.fullmatch(rf"{_TIME}-{_TIME}", part)
        if open_ended:
            new: tuple[str, str | None] = (_hhmm(*open_ended.groups()), None)
        elif slot:
            groups = slot.groups()
            new = (_hhmm(groups[0], groups[1]), _hhmm(groups[2], groups[3]))
        else:
            days = _printed_days(part)
            continue
        assert days, f"time before any day in {text!r}"
        for day in days:
            result.setdefault(WEEKDAYS[day].value, []).append(new)
    return {day.value: result[day.value] for day in WEEKDAYS if day.value in result}


def _printed_text(entry: LeafletEntry) -> str:
    # Lines broken after a word-joining hyphen ("lundi-" / "vendredi") are glued back.
    text = ""
    for line in entry.printed:
        text += line if text.endswith("-") and not text.endswith(" -") else f" {line}"
    return text.strip()


def test_the_hours_reader_reads_the_printed_forms() -> None:
    assert _read_printed_hours("tous les jours dès 12h30h") == {
        day.value: [("12:30", None)] for day in WEEKDAYS
    }
    assert _read_printed_hours(
        "jeudi - 10h-12h - 13h30-16h30 - tous les samedis - 19h30-20h30"
    ) == {
        "thursday": [("10:00", "12:00"), ("13:30", "16:30")],
        "saturday": [("19:30", "20:30")],
    }


# --- The leaflet ---------------------------------------------------------------------------


def test_the_leaflet_has_thirty_numbered_entries_in_order() -> None:
    document = load_leaflet()
    assert [entry.leaflet_number for entry in document.entries] == list(range(1, 31))
    assert "Solinum" in document.source.publisher
    assert document.source.leaflet_date == date(2020, 5, 6)
    assert document.source.temporary_information_start == LEAFLET_TEMPORARY_START
    assert "démonstration" in document.licence


def test_every_leaflet_place_is_valid_online_and_stamped_now() -> None:
    places = leaflet_places(NOW)
    assert [place.id for place in places] == [f"pne-{n:02d}" for n in range(1, 31)]
    assert len({place.slug for place in places}) == 30
    for place in places:
        assert Place.model_validate(place.model_dump()) == place
        assert place.status is PlaceStatus.ONLINE
        assert place.timezone == "Europe/Paris"
        assert place.created_at == place.updated_at == place.verified_at == NOW
        assert place.version == 1
        assert place.address.city == "Paris"
        assert place.address.department_code == "75"
        assert place.address.region_code == "11"
        assert place.address.city_code == "751" + place.address.postal_code[-2:]
        assert set(place.categories) <= LEAF_CATEGORIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", place.slug)


@pytest.mark.parametrize("entry", load_leaflet().entries, ids=lambda e: f"entry-{e.leaflet_number}")
def test_transcribed_hours_match_the_printed_hours(entry: LeafletEntry) -> None:
    printed = _printed_text(entry)
    if entry.hours is not None:
        assert entry.hours_as_printed is not None
        assert entry.hours_as_printed in printed
        assert _days(entry.hours) == _read_printed_hours(entry.hours_as_printed)
    for service in entry.services:
        if service.hours is not None:
            assert service.hours_as_printed is not None
            assert service.name is not None
            assert f"{service.name} - " in printed
            assert _days(service.hours) == _read_printed_hours(service.hours_as_printed)


@pytest.mark.parametrize("entry", load_leaflet().entries, ids=lambda e: f"entry-{e.leaflet_number}")
def test_contacts_and_link_match_the_printed_text(entry: LeafletEntry) -> None:
    printed = _printed_text(entry)
    printed_phones = re.findall(r"0\d(?:\.\d\d){4}", printed)
    assert entry.phones == [number.replace(".", " ") for number in printed_phones]
    printed_emails = re.findall(r"[\w.]+@[\w.]+\.\w+", printed)
    assert ([entry.email] if entry.email else []) == printed_emails
    fiche = re.search(r"www\.soliguide\.fr/fiche/(\d+)", printed)
    assert fiche is not None
    assert entry.source.name == "soliguide"
    assert entry.source.external_id == fiche.group(1)
    assert entry.source.url == f"https://www.soliguide.fr/fiche/{fiche.group(1)}"
    assert entry.printed[0] == entry.name


def test_sample_entries_match_the_leaflet(leaflet: dict[int, Place]) -> None:
    monday_to_saturday = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    every_day = [day.value for day in WEEKDAYS]

    assert leaflet[4].name == "Restaurant solidaire Meaux"
    assert leaflet[4].contacts.phones[0].number == "01 42 41 23 30"
    assert _days(leaflet[4].hours) == {day: [("14:00", "19:00")] for day in monday_to_saturday}

    assert leaflet[10].name == "Camion des Restos du Cœur 11° Breguet-Sabin"
    assert leaflet[10].organisation == "Restos du Cœur"
    assert _days(leaflet[10].hours) == {
        day: [("20:00", "21:30")] for day in ("tuesday", "thursday", "saturday")
    }

    assert leaflet[6].name == "Soupe de nuit de l'Armée du Salut"
    assert leaflet[6].organisation == "Armée du Salut"
    assert leaflet[6].address.street == "11 rue Léon Jouhaux"  # printed "Léon Jaubert"
    assert _days(leaflet[6].hours) == {day: [("17:00", "18:00")] for day in every_day}

    assert leaflet[16].name == "D.A. Saint-Vincent-de-Paul"
    assert leaflet[16].categories == ["food_distribution"]
    assert _days(leaflet[16].hours) == {day: [("12:00", None)] for day in every_day}

    assert _days(leaflet[2].hours) == {day: [("12:30", None)] for day in every_day}
    assert _days(leaflet[1].hours) == {
        day: [("15:00", "20:00")] for day in every_day if day != "thursday"
    }
    assert _days(leaflet[3].hours) == {
        "thursday": [("10:30", "21:00")],
        "saturday": [("10:30", "15:00")],
        "sunday": [("10:30", "15:00")],
    }
    assert leaflet[1].contacts.phones[0].number == "01 43 43 84 75"
    assert leaflet[29].contacts.phones[0].number == "06 31 91 63 52"
    assert leaflet[30].contacts.email == "petitsdej@gmail.com"


def test_sections_give_the_categories(leaflet: dict[int, Place]) -> None:
    assert leaflet[1].categories == ["seated_meal"]
    assert leaflet[23].categories == ["seated_meal", "day_centre"]
    assert leaflet[27].categories == ["food_packages"]
    assert leaflet[29].categories == ["social_grocery"]
    assert leaflet[29].modalities.referral_required  # "(SUIV ORIENTATION)": sur orientation
    assert leaflet[30].categories == ["breakfast"]
    for number in range(16, 22):
        assert leaflet[number].categories == ["food_distribution"]


def test_addresses_are_the_corrected_ones(leaflet: dict[int, Place]) -> None:
    assert leaflet[29].address.postal_code == "75011"  # printed "Paris 13°"
    assert leaflet[29].address.city_code == "75111"
    assert leaflet[23].address.city_code == "75103"
    assert leaflet[12].address.additional_info == "À proximité de Cap 18 au niveau de l'Esplanade"
    assert leaflet[12].temporary_message is None
    assert leaflet[27].address.street == "18 rue Boy-Zelenski"


def test_services_printed_on_their_own_lines_have_their_hours(leaflet: dict[int, Place]) -> None:
    soleil = leaflet[24]
    assert [(s.category, s.name) for s in soleil.services] == [
        ("food_packages", "Distribution de denrées alimentaires"),
        ("food_distribution", "Distribution supplémentaire de paniers-repas"),
    ]
    assert soleil.services[0].hours is not None
    assert _days(soleil.services[0].hours) == {
        "tuesday": [("13:00", "16:00")],
        "thursday": [("10:00", "12:00"), ("13:30", "16:30")],
    }
    # The place is open whenever one of its services is.
    assert _days(soleil.hours) == {
        "monday": [("11:00", "13:00")],
        "tuesday": [("11:00", "16:00")],
        "wednesday": [("11:00", "13:00")],
        "thursday": [("10:00", "13:00"), ("13:30", "16:30")],
        "friday": [("11:00", "13:00")],
        "saturday": [("19:30", "20:30")],
    }
    villette = leaflet[25]
    assert _days(villette.hours)["tuesday"] == [("10:00", "13:00")]
    assert _days(villette.hours)["monday"] == [("11:00", "13:00")]


def test_entries_25_and_26_are_the_same_place_printed_twice(leaflet: dict[int, Place]) -> None:
    first, second = leaflet[25], leaflet[26]
    assert first.location == second.location
    assert first.address == second.address
    assert first.name == second.name
    assert first.sources == second.sources
    assert first.id != second.id
    assert first.slug != second.slug
    assert leaflet_duplicates() == {"pne-26": "pne-25"}


def test_temporary_information_is_active_on_the_demo_day(leaflet: dict[int, Place]) -> None:
    yesterday = TODAY - timedelta(days=1)
    messages = {n: p.temporary_message for n, p in leaflet.items() if p.temporary_message}
    assert set(messages) == {1, 29}
    assert messages[1].text.startswith(
        "70 places au lieu de 140 pour respecter les consignes d'affluence - "
    )
    assert messages[29].text == "1 personne à la fois pour 15 minutes maximum"
    assert all(m.start_date == yesterday and m.end_date is None for m in messages.values())
    # Every kind of temporary information shows up in the demo, and is active today.
    assert leaflet[15].active_temporary_closure(TODAY) is not None
    assert leaflet[15].temporary_closure is not None
    assert leaflet[15].temporary_closure.reason
    assert leaflet[2].active_temporary_hours(TODAY) is not None
    assert leaflet[1].active_temporary_message(TODAY) is not None
    closed_services = [s for p in leaflet.values() for s in p.services if s.temporary_closure]
    assert len(closed_services) == 1
    assert closed_services[0].temporary_closure is not None
    assert closed_services[0].temporary_closure.end_date is None


def test_the_demo_day_is_the_date_in_paris() -> None:
    # 23:30 UTC on the 9th is already the 10th in Paris: messages start on the 9th.
    late = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)
    message = _by_number(leaflet_places(late))[1].temporary_message
    assert message is not None
    assert message.start_date == date(2025, 3, 9)


def test_original_dates_keep_2020() -> None:
    places = _by_number(leaflet_places(NOW, original_dates=True))
    message, closure = places[29].temporary_message, places[15].temporary_closure
    assert message is not None
    assert closure is not None
    assert message.start_date == LEAFLET_TEMPORARY_START == date(2020, 3, 17)
    assert message.end_date is None
    assert (closure.start_date, closure.end_date) == (date(2020, 3, 17), date(2020, 5, 11))
    assert places[29].active_temporary_message(TODAY) is not None  # no end date
    assert places[15].active_temporary_closure(TODAY) is None


def test_shift_dates_to_moves_every_date_by_the_same_offset() -> None:
    places = _by_number(leaflet_places(NOW, shift_dates_to=date(2024, 1, 1)))
    message, closure = places[1].temporary_message, places[15].temporary_closure
    assert message is not None
    assert closure is not None
    assert message.start_date == date(2024, 1, 1)
    assert closure.start_date == date(2024, 1, 1)
    assert closure.end_date == date(2024, 1, 1) + (date(2020, 5, 11) - date(2020, 3, 17))


def test_leaflet_places_reject_conflicting_or_naive_arguments() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        leaflet_places(NOW, shift_dates_to=date(2024, 1, 1), original_dates=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        leaflet_places(datetime(2025, 3, 10, 9, 30))  # naive on purpose


# --- Helpers --------------------------------------------------------------------------------


def test_slugify_is_ascii_lowercase_and_hyphenated() -> None:
    assert slugify("Camion des Restos du Cœur 11° Breguet-Sabin") == (
        "camion-des-restos-du-coeur-11-breguet-sabin"
    )
    assert slugify("D.A. Notre-Dame-de-Lourde") == "da-notre-dame-de-lourde"
    assert slugify("P'tits Déj' Solidaires") == "p-tits-dej-solidaires"
    assert slugify("É" * 10 + " abc", max_length=5) == "eeeee"
    assert len(slugify("mot " * 100)) <= 120


def test_union_hours_merges_overlapping_and_touching_slots() -> None:
    a = WeeklyHours.model_validate(
        {"monday": [{"start": "09:00", "end": "12:00"}], "friday": [{"start": "20:00"}]}
    )
    b = WeeklyHours.model_validate(
        {
            "monday": [{"start": "11:00", "end": "13:00"}, {"start": "14:00", "end": "15:00"}],
            "friday": [{"start": "18:00", "end": "21:00"}],
            "saturday": [{"start": "22:00", "end": "02:00"}],
        }
    )
    c = WeeklyHours.model_validate({"monday": [{"start": "13:00", "end": "14:00"}]})
    union = union_hours([a, b, c])
    assert _days(union) == {
        "monday": [("09:00", "15:00")],
        "friday": [("18:00", None)],
        "saturday": [("22:00", "02:00")],
    }
    assert union.public_holidays is HolidayPolicy.UNKNOWN


# --- Synthetic places ----------------------------------------------------------------------

FRANCE_BOX = (41.3, -5.2, 51.1, 9.6)  # metropolitan France with Corsica


@pytest.fixture(scope="module")
def synthetic() -> list[Place]:
    return list(synthetic_places(4000, seed=42, now=NOW))


def test_generator_is_deterministic_for_a_seed() -> None:
    first = [p.model_dump() for p in synthetic_places(300, seed=7, now=NOW)]
    again = [p.model_dump() for p in synthetic_places(300, seed=7, now=NOW)]
    other = [p.model_dump() for p in synthetic_places(300, seed=8, now=NOW)]
    assert first == again
    assert first != other
    # Asking for more places extends the same sequence.
    longer = [p.model_dump() for p in synthetic_places(400, seed=7, now=NOW)]
    assert longer[:300] == first


def test_generator_produces_the_requested_count_with_unique_ids(synthetic: list[Place]) -> None:
    assert len(synthetic) == 4000
    assert [p.id for p in synthetic[:2]] == ["syn-42-000000", "syn-42-000001"]
    assert len({p.id for p in synthetic}) == 4000
    assert len({p.slug for p in synthetic}) == 4000
    assert list(synthetic_places(0, seed=1, now=NOW)) == []


def test_generated_places_are_valid(synthetic: list[Place]) -> None:
    for place in synthetic:
        assert Place.model_validate(place.model_dump()) == place
        assert set(place.categories) <= LEAF_CATEGORIES
        assert 1 <= len(place.services) <= 4
        assert place.created_at <= place.updated_at <= NOW
        if place.verified_at is not None:
            assert place.updated_at <= place.verified_at <= NOW
        for service in place.services:
            if service.hours is not None:  # a service is open only when its place is
                for day in WEEKDAYS:
                    assert set(service.hours.slots(day)) <= set(place.hours.slots(day))


def test_generated_addresses_are_consistent(synthetic: list[Place]) -> None:
    lat_min, lon_min, lat_max, lon_max = FRANCE_BOX
    for place in synthetic:
        address = place.address
        assert lat_min <= place.location.lat <= lat_max
        assert lon_min <= place.location.lon <= lon_max
        department = address.department_code
        assert address.postal_code.startswith("20" if department == "2A" else department)
        assert address.city_code is not None
        assert address.city_code.startswith(department)
        if department == "75":
            arrondissement = int(address.postal_code[-2:])
            assert 1 <= arrondissement <= 20
            assert address.city_code == f"751{arrondissement:02d}"
            assert 48.81 <= place.location.lat <= 48.91
            assert 2.22 <= place.location.lon <= 2.47


def test_generator_keeps_to_the_requested_departments() -> None:
    places = list(synthetic_places(500, seed=3, now=NOW, departments=["48", "2A", "75"]))
    assert {p.address.department_code for p in places} == {"48", "2A", "75"}
    lozere = [p for p in places if p.address.department_code == "48"]
    assert all(p.address.city == "Mende" and p.address.region_code == "76" for p in lozere)
    corsica = [p for p in places if p.address.department_code == "2A"]
    assert all(p.address.city_code == "2A004" for p in corsica)


def test_generator_checks_its_arguments_at_the_call() -> None:
    with pytest.raises(ValueError, match="unknown"):
        synthetic_places(10, seed=1, now=NOW, departments=["75", "99"])
    with pytest.raises(ValueError, match="departments"):
        synthetic_places(10, seed=1, now=NOW, departments=[])
    with pytest.raises(ValueError, match="negative"):
        synthetic_places(-1, seed=1, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        synthetic_places(1, seed=1, now=datetime(2025, 3, 10))  # naive on purpose


def test_generator_mixes_statuses(synthetic: list[Place]) -> None:
    statuses = Counter(p.status for p in synthetic)
    assert set(statuses) == set(PlaceStatus)
    assert 0.9 <= statuses[PlaceStatus.ONLINE] / len(synthetic) <= 0.98


def test_generator_mixes_temporary_information(synthetic: list[Place]) -> None:
    n = len(synthetic)
    messages = [p.temporary_message for p in synthetic if p.temporary_message]
    closures = [p.temporary_closure for p in synthetic if p.temporary_closure]
    temporary_hours = [p.temporary_hours for p in synthetic if p.temporary_hours]
    assert 0.12 <= len(messages) / n <= 0.18
    assert 0.06 <= len(closures) / n <= 0.10
    assert 0.035 <= len(temporary_hours) / n <= 0.065
    assert any(c.end_date is None for c in closures)
    assert any(c.end_date is not None for c in closures)
    # Mostly active today, with some over and some to come.
    active = [m for m in messages if m.covers(TODAY)]
    assert 0.6 <= len(active) / len(messages) <= 0.85
    assert any(m.start_date > TODAY for m in messages)
    assert any(m.end_date is not None and m.end_date < TODAY for m in messages)
    assert any(s.temporary_closure for p in synthetic for s in p.services)


def test_generator_varies_hours_audiences_and_languages(synthetic: list[Place]) -> None:
    slots = [slot for p in synthetic for day in WEEKDAYS for slot in p.hours.slots(day)]
    assert any(slot.crosses_midnight for slot in slots)
    assert any(slot.end is None for slot in slots)
    assert {p.hours.public_holidays for p in synthetic} == set(HolidayPolicy)
    assert len({p.audience.kind for p in synthetic}) == 3
    assert any(p.modalities.appointment for p in synthetic)
    assert any(p.modalities.registration for p in synthetic)
    assert len({tuple(p.languages) for p in synthetic}) > 5


def test_generator_favours_the_most_needed_services(synthetic: list[Place]) -> None:
    counts = Counter(category for p in synthetic for category in p.categories)
    top = {category for category, _ in counts.most_common(6)}
    assert {"food_distribution", "food_packages", "shower", "day_centre", "legal_advice"} <= top


def test_generated_contacts_cannot_reach_anyone(synthetic: list[Place]) -> None:
    fiction = ("01 99 00", "02 61 91", "03 53 01", "04 65 71", "05 36 49", "06 39 98")
    for place in synthetic:
        assert place.contacts.phones
        assert all(phone.number.startswith(fiction) for phone in place.contacts.phones)
        if place.contacts.email is not None:
            assert place.contacts.email.endswith(".example.org")


def test_department_table() -> None:
    codes = [d.code for d in DEPARTMENTS]
    assert len(codes) == len(set(codes)) >= 30
    required = {"75", "93", "94", "92", "78", "33", "44", "67", "69", "13", "59", "31", "34"}
    assert required | {"48", "23", "57", "29", "35"} <= set(codes)
    for department in DEPARTMENTS:
        assert department.city_code.startswith(department.code)
        assert department.weight > 0
        assert FRANCE_BOX[0] <= department.lat <= FRANCE_BOX[2]
        assert FRANCE_BOX[1] <= department.lon <= FRANCE_BOX[3]
        if department.clip is not None:
            lat_min, lon_min, lat_max, lon_max = department.clip
            assert lat_min < lat_max
            assert lon_min < lon_max
    assert [a.number for a in PARIS_ARRONDISSEMENTS] == list(range(1, 21))
