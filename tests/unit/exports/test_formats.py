"""Tabular rows, formula-injection neutralisation, HSDS 3.0, data·inclusion v1 and GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from data_inclusion.schema import v1
from jsonschema import Draft202012Validator, FormatChecker
from openpyxl import load_workbook

from chalicelib.domain.exports.content import JsonContent, TableContent, build_content
from chalicelib.domain.exports.data_inclusion import e164, osm_hours
from chalicelib.domain.exports.models import ClosedPlaces, ExportFormat, ExportSpec, Territory
from chalicelib.domain.exports.selection import SelectedPlace, select_places, wanted_categories
from chalicelib.domain.exports.tabular import COLUMNS, neutralise
from chalicelib.domain.hours.models import TemporaryClosure, TimeSlot, WeeklyHours
from chalicelib.domain.places.models import Contacts, Phone, Place
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.exports.render import FileRenderer
from tests.builders import make_full_place, make_place
from tests.unit.exports.reference import BASE_URL, LEAFLET_DATE, reference_places

TAXONOMY = default_taxonomy()
SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "hsds-3.0"
ALL_CATEGORIES = list(TAXONOMY.roots)
DAY = date(2024, 3, 14)


def _spec(export_format: ExportFormat, territory: Territory | None = None) -> ExportSpec:
    return ExportSpec(
        territory=territory or Territory(department="75"),
        categories=ALL_CATEGORIES,
        format=export_format,
        data_date=DAY,
        title="Tout",
        sections=[],
        closed=ClosedPlaces.MARK,
        qr_codes=False,
    )


def _selected(places: list[Place], day: date = DAY) -> list[SelectedPlace]:
    return select_places(
        places,
        territory=Territory(department="75"),
        wanted=wanted_categories(TAXONOMY, ALL_CATEGORIES),
        day=day,
        closed=ClosedPlaces.MARK,
    )


def _json(places: list[Place], export_format: ExportFormat, day: date = DAY) -> dict[str, Any]:
    spec = _spec(export_format).model_copy(update={"data_date": day})
    content = build_content(_selected(places, day), spec, TAXONOMY, BASE_URL)
    assert isinstance(content, JsonContent)
    document: dict[str, Any] = json.loads(FileRenderer().render(content, paper=spec.paper))
    return document


# --- formula injection -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x")', "+33 1 23", "-1+2", "@SUM(A1)", "\tx", "\rx", "＝1+1"],
)
def test_cells_a_spreadsheet_would_evaluate_get_a_leading_apostrophe(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Restos du Cœur", "", "1 rue = 2", "'déjà"])
def test_ordinary_cells_are_left_alone(value: str) -> None:
    assert neutralise(value) == value


def _evil_place() -> Place:
    return make_place(
        "evil",
        name='=HYPERLINK("http://evil.example","clic")',
        organisation="@SUM(1+1)",
        contacts=Contacts(phones=[Phone(number="+33 1 23 45 67 89")]),
        lat=48.88,
        lon=-1.5,  # a number, not text: never prefixed
    )


def _table(export_format: ExportFormat, places: list[Place]) -> bytes:
    spec = _spec(export_format)
    content = build_content(_selected(places), spec, TAXONOMY, BASE_URL)
    assert isinstance(content, TableContent)
    return FileRenderer().render(content, paper=spec.paper)


def test_csv_neutralises_formulas_and_keeps_numbers_as_numbers() -> None:
    body = _table(ExportFormat.CSV, [_evil_place()])
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets read the accents
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["organisation"] == "'@SUM(1+1)"
    assert row["phones"] == "'+33 1 23 45 67 89"
    assert row["lon"] == "-1.5"


def test_xlsx_has_no_formula_cell_and_neutralised_text() -> None:
    body = _table(ExportFormat.XLSX, [_evil_place()])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    values = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values["name"].value == '\'=HYPERLINK("http://evil.example","clic")'
    assert values["lat"].value == 48.88 and values["lat"].data_type == "n"


def test_xlsx_drops_control_characters_spreadsheets_refuse() -> None:
    body = _table(ExportFormat.XLSX, [make_place("p1", name="Halte\x0b de nuit")])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet["B2"].value == "Halte de nuit"


def test_csv_row_carries_every_column_of_a_full_place() -> None:
    place = make_full_place(verified_at=datetime(2024, 3, 1, 8, tzinfo=UTC))
    rows = list(csv.DictReader(io.StringIO(_table(ExportFormat.CSV, [place]).decode("utf-8-sig"))))
    row = rows[0]
    assert row["address"] == "5 quai de la Loire, Bâtiment B, 2e étage"
    assert row["categories"] == "Distribution alimentaire | Douche"
    assert row["temporary_closure"].startswith("Fermeture prévue à partir du 24 décembre 2024")
    assert row["temporary_message"] == "Travaux"
    assert row["last_verified"] == "2024-03-01"
    assert row["link"] == f"{BASE_URL}/fiche/full-1"


# --- HSDS 3.0 -----------------------------------------------------------------------------


@cache
def _validator(name: str, *path: str) -> Draft202012Validator:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    for key in path:
        schema = schema[key]
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _assert_hsds_valid(document: dict[str, Any]) -> None:
    checks = {
        "organizations": _validator("organization.json"),
        "services": _validator("service.json"),
        "service_at_locations": _validator("service_at_location.json"),
        "locations": _validator("service_at_location.json", "properties", "location"),
        "schedules": _validator("service.json", "properties", "schedules", "items"),
        "taxonomy_terms": _validator(
            "service.json", "properties", "attributes", "items", "properties", "taxonomy_term"
        ),
    }
    for table, validator in checks.items():
        assert document[table], f"{table} is empty"
        for item in document[table]:
            errors = sorted(validator.iter_errors(item), key=str)
            assert not errors, f"{table}: {errors[0]}"


def test_hsds_export_of_the_reference_leaflet_is_valid_hsds_3() -> None:
    document = _json(reference_places(), ExportFormat.HSDS, LEAFLET_DATE)
    _assert_hsds_valid(document)
    assert len(document["locations"]) == 30


def test_hsds_export_of_a_full_place_is_valid_and_links_its_tables() -> None:
    document = _json([make_full_place()], ExportFormat.HSDS, date(2024, 8, 10))
    _assert_hsds_valid(document)
    services = {s["id"]: s for s in document["services"]}
    locations = {loc["id"] for loc in document["locations"]}
    for link in document["service_at_locations"]:
        assert link["service_id"] in services and link["location_id"] in locations
    for schedule in document["schedules"]:
        assert schedule["service_id"] in services


def test_hsds_says_temporarily_closed_with_an_alert() -> None:
    document = _json([make_full_place()], ExportFormat.HSDS, date(2024, 8, 10))
    shower, food = sorted(document["services"], key=lambda s: s["name"])[::-1]
    assert food["status"] == "temporarily closed"  # the service's closure in August
    assert "Congés" in food["alert"]
    assert shower["status"] == "active"
    assert shower["alert"] == "Travaux"


def test_hsds_schedules_are_weekly_rules_with_temporary_validity() -> None:
    document = _json([make_full_place()], ExportFormat.HSDS, date(2024, 6, 1))
    shower = next(s for s in document["services"] if "Douche" in s["name"])
    schedules = [s for s in document["schedules"] if s["service_id"] == shower["id"]]
    regular = [s for s in schedules if "valid_from" not in s]
    assert {(s["byday"], s["opens_at"], s.get("closes_at")) for s in regular} == {
        ("MO", "09:00", "12:30"),
        ("MO", "14:00", "17:00"),
        ("WE", "22:00", "02:00"),
        ("SA", "12:00", None),
    }
    temporary = [s for s in schedules if "valid_from" in s]
    assert {(s["valid_from"], s["valid_to"]) for s in temporary} == {("2024-07-01", "2024-07-31")}
    assert all("Fermé les jours fériés." in s["notes"] for s in schedules)


def test_hsds_ids_are_stable_uuids() -> None:
    first = _json([make_full_place()], ExportFormat.HSDS)
    second = _json([make_full_place()], ExportFormat.HSDS)
    assert first["services"][0]["id"] == second["services"][0]["id"]


# --- data·inclusion v1 ---------------------------------------------------------------------


def _assert_data_inclusion_valid(document: dict[str, Any]) -> None:
    context = {"ignore_warnings": False}
    for structure in document["structures"]:
        v1.Structure.model_validate(structure, context=context)
    for service in document["services"]:
        v1.Service.model_validate(service, context=context)


def test_data_inclusion_export_of_the_reference_leaflet_is_valid_v1() -> None:
    document = _json(reference_places(), ExportFormat.DATA_INCLUSION, LEAFLET_DATE)
    _assert_data_inclusion_valid(document)
    # Entry 24's meal baskets are stopped until further notice: left out, its other service kept.
    ids = {service["id"] for service in document["services"]}
    assert "repere--pne-24--s1" in ids and "repere--pne-24--s2" not in ids
    cantine = next(s for s in document["structures"] if s["id"] == "repere--pne-02")
    assert cantine["horaires_accueil"] == "Mo-Fr 12:30-14:30"  # temporary hours in force


def test_data_inclusion_export_of_a_full_place_is_valid_v1() -> None:
    document = _json([make_full_place()], ExportFormat.DATA_INCLUSION, date(2024, 3, 14))
    _assert_data_inclusion_valid(document)
    food = next(s for s in document["services"] if s["id"].endswith("--s1"))
    assert food["thematiques"] == ["equipement-et-alimentation--alimentation"]
    assert food["publics"] == ["familles"]
    assert food["frais"] == "payant"
    # The place's closure from 24 December without end date is published: closed from then.
    assert (
        food["horaires_accueil"] == "Tu 10:00-12:00; 2024 Dec 24+ off; 2024 Aug 01-2024 Aug 31 off"
    )
    structure = document["structures"][0]
    assert structure["telephone"] == "+33123456789"


def test_every_category_maps_to_a_data_inclusion_thematique_that_exists() -> None:
    known = {thematique.value for thematique in v1.Thematique}
    for category in TAXONOMY.all():
        if category.data_inclusion is not None:
            assert category.data_inclusion in known, category.id


def test_osm_hours_add_dated_closures_as_off_rules() -> None:
    hours = WeeklyHours(monday=[TimeSlot(start="09:00", end="12:00")])
    closure = TemporaryClosure(start_date=date(2020, 3, 17), end_date=date(2020, 5, 11))
    assert osm_hours(hours, [closure]) == "Mo 09:00-12:00; 2020 Mar 17-2020 May 11 off"
    assert osm_hours(WeeklyHours(), []) is None


@pytest.mark.parametrize(
    ("number", "department", "expected"),
    [
        ("01 43 43 84 75", "75", "+33143438475"),
        ("01.43.43.84.75", "75", "+33143438475"),
        ("+33 6 12 34 56 78", "75", "+33612345678"),
        ("0262 12 34 56", "974", "0262 12 34 56"),
        ("115", "75", "115"),
    ],
)
def test_phone_numbers_become_e164_when_metropolitan(
    number: str, department: str, expected: str
) -> None:
    assert e164(number, department) == expected


# --- GeoJSON --------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_lon_lat_points() -> None:
    document = _json(reference_places(), ExportFormat.GEOJSON, LEAFLET_DATE)
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == 30
    feature = next(f for f in document["features"] if f["id"] == "pne-15")
    lon, lat = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "Point" and 2.2 < lon < 2.5 and 48.8 < lat < 48.95
    assert feature["properties"]["temporarily_closed"] is True
    assert feature["properties"]["hours_osm"] == "Mo 20:30-24:00"  # "20:30+" reads "unknown"
