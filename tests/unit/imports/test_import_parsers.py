"""The readers alone: OpenStreetMap hours as data·inclusion writes them, CSV cells, and a
record's errors named in the file's own terms."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy
from chalicelib.domain.imports import data_inclusion
from chalicelib.domain.imports.osm_hours import parse_osm


def test_the_common_osm_forms_become_weekly_hours() -> None:
    hours = parse_osm("Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00; Fr off; PH off")

    assert hours is not None
    assert [(s.start, s.end) for s in hours.monday] == [("08:30", "12:30"), ("14:00", "17:00")]
    assert hours.friday == []  # a later rule wins, as in OSM
    assert [(s.start, s.end) for s in hours.saturday] == [("09:00", "12:00")]
    assert hours.sunday == []
    assert hours.public_holidays is HolidayPolicy.CLOSED


def test_a_day_range_may_wrap_the_week_and_24_7_is_every_day() -> None:
    wrapped = parse_osm("Sa-Mo 10:00-16:00")
    assert wrapped is not None
    open_days = [day.value for day in WEEKDAYS if wrapped.slots(day)]
    assert open_days == ["monday", "saturday", "sunday"]
    always = parse_osm("24/7")
    assert always is not None
    assert [(s.start, s.end) for s in always.wednesday] == [("00:00", "24:00")]


@pytest.mark.parametrize(
    "value",
    ["", "sunrise-sunset", "Mo-Fr 08:00-12:00; 2026 Dec 25 off", "Lu-Ve 9h-12h", "Mo 12:00-12:00"],
)
def test_anything_else_is_not_guessed_at(value: str) -> None:
    assert parse_osm(value) is None


def test_unread_hours_are_kept_as_the_hours_note() -> None:
    service = {
        "source": "x",
        "structure_id": "x--1",
        "id": "x--1-a",
        "nom": "Repas",
        "description": "Repas chaud.",
        "date_maj": "2026-01-05",
        "thematiques": ["equipement-et-alimentation--alimentation"],
        "adresse": "1 rue Fictive",
        "code_postal": "75019",
        "commune": "Paris",
        "latitude": 48.88,
        "longitude": 2.37,
        "horaires_accueil": "en hiver seulement",
    }
    parsed = data_inclusion.parse_json(json.dumps([service]).encode(), source="x")

    assert parsed.records[0].content is not None
    assert parsed.records[0].content["hours"] == {"note": "en hiver seulement"}


def test_csv_list_cells_may_be_json_arrays_or_comma_separated() -> None:
    header = (
        "source,structure_id,id,nom,description,date_maj,thematiques,publics,"
        "adresse,code_postal,commune,latitude,longitude"
    )
    place = "1 rue A,75019,Paris,48.88,2.37"
    rows = [
        "x,x--1,x--a,Repas,Repas chaud.,2026-01-05,"
        f'"[""equipement-et-alimentation--alimentation""]",femmes,{place}',
        "x,x--2,x--b,Vestiaire,Des vêtements.,2026-01-05,"
        "equipement-et-alimentation--habillement,,2 rue B,75019,Paris,48.881,2.371",
    ]
    parsed = data_inclusion.parse_csv("\n".join([header, *rows]).encode(), source="x")

    assert [r.errors for r in parsed.records] == [[], []]
    first, second = (json.loads(json.dumps(r.content)) for r in parsed.records)
    assert [s["category"] for s in first["services"]] == ["food_distribution"]
    assert first["audience"] == {"kind": "exclusive", "genders": ["women"]}
    assert [s["category"] for s in second["services"]] == ["clothing"]


def test_a_csv_without_the_v1_header_is_a_file_error() -> None:
    parsed = data_inclusion.parse_csv(b"name;lat;lon\nA;1;2\n", source="x")

    assert parsed.records == []
    assert "header row" in parsed.file_errors[0].message
