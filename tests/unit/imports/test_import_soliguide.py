"""Soliguide place JSON: the hand-written fixture (tests/fixtures/imports/soliguide.json, no
real contact details) read into places, with per-record rejections."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.hours.models import HolidayPolicy
from chalicelib.domain.imports.models import ImportFormat, RecordOutcome
from chalicelib.domain.imports.service import place_id_for
from chalicelib.domain.imports.soliguide import parse
from chalicelib.domain.places.models import AudienceKind, Price
from tests.unit.imports.support import fixture, stack

SOLIGUIDE = ImportFormat.SOLIGUIDE_JSON


def test_every_bad_record_is_rejected_with_its_field_and_the_rest_imports() -> None:
    env = stack()
    view = env.apply(env.dry_run(fixture("soliguide.json"), fmt=SOLIGUIDE, source="soliguide"))

    assert view.report is not None
    outcomes = {
        e.record: (e.outcome, [error.field for error in e.errors]) for e in view.report.entries
    }
    assert outcomes == {
        1: (RecordOutcome.CREATED, []),
        2: (RecordOutcome.REJECTED, ["places[1].position.location"]),
        3: (RecordOutcome.REJECTED, ["places[2].services_all[1].category"]),
        4: (RecordOutcome.REJECTED, ["places[3].status"]),
        5: (RecordOutcome.CREATED, []),
    }
    assert len(env.adapters.places.places) == 2


def test_a_soliguide_place_keeps_its_hours_services_closures_and_audience() -> None:
    env = stack()
    env.apply(env.dry_run(fixture("soliguide.json"), fmt=SOLIGUIDE, source="soliguide"))

    place = env.adapters.places.get(place_id_for("soliguide", "90001"))
    assert (place.location.lat, place.location.lon) == (48.8841, 2.3701)
    assert place.description == "Accueil de jour : café, douches et distribution alimentaire."
    assert [(s.start, s.end) for s in place.hours.monday] == [
        ("09:30", "12:30"),
        ("14:00", "17:30"),
    ]
    assert [(s.start, s.end) for s in place.hours.thursday] == [("22:00", "02:00")]
    assert [(s.start, s.end) for s in place.hours.friday] == [("09:30", "24:00")]
    assert place.hours.public_holidays is HolidayPolicy.CLOSED
    assert [s.category for s in place.services] == [
        "food_distribution",
        "shower",
    ]  # fountain ignored
    shower = place.services[1]
    assert shower.hours is not None and [s.start for s in shower.hours.tuesday] == ["08:00"]
    assert shower.temporary_closure is not None
    assert (shower.temporary_closure.start_date, shower.temporary_closure.end_date) == (
        date(2026, 12, 1),
        date(2026, 12, 15),
    )
    assert place.temporary_message is not None
    assert place.temporary_message.text == "Hiver — Boissons chaudes offertes"
    assert place.temporary_message.start_date == date(2026, 12, 1)
    assert place.audience.kind is AudienceKind.PREFERENTIAL
    assert [g.value for g in place.audience.genders] == ["women"]
    assert place.audience.administrative == []  # all four: no restriction
    assert place.audience.age_min == 18 and place.audience.age_max is None
    assert place.modalities.registration and place.modalities.wheelchair_access
    assert (place.modalities.price, place.modalities.price_note) == (Price.SYMBOLIC, "1 euro")
    assert place.languages == ["fr", "en", "ar"]
    assert [(p.label, p.number) for p in place.contacts.phones] == [("Accueil", "01 00 00 00 04")]
    assert place.sources[0].url == "https://soliguide.fr/fr/fiche/90001-accueil-exemple-du-canal"


def test_the_older_numeric_categories_and_temporary_hours_are_read() -> None:
    env = stack()
    env.apply(env.dry_run(fixture("soliguide.json"), fmt=SOLIGUIDE, source="soliguide"))

    place = env.adapters.places.get(place_id_for("soliguide", "90005"))
    assert [s.category for s in place.services] == ["social_grocery"]
    assert place.address.department_code == "93"
    temporary = place.temporary_hours
    assert temporary is not None
    assert (temporary.start_date, temporary.end_date) == (date(2026, 12, 21), date(2027, 1, 4))
    assert [s.start for s in temporary.hours.wednesday] == ["10:00"]


def test_a_reimport_of_soliguide_places_updates_instead_of_duplicating() -> None:
    env = stack()
    env.apply(env.dry_run(fixture("soliguide.json"), fmt=SOLIGUIDE, source="soliguide"))
    changed = fixture("soliguide.json").replace(b"Boissons chaudes offertes", b"Soupe offerte")

    view = env.dry_run(changed, fmt=SOLIGUIDE, source="soliguide")

    assert view.job.summary is not None
    assert (view.job.summary.update, view.job.summary.unchanged, view.job.summary.new) == (1, 1, 0)
    entry = next(e for e in view.report.entries if e.record == 1)  # type: ignore[union-attr]
    assert [c.field for c in entry.changes] == ["temporary_message"]


def test_a_file_that_is_not_a_list_of_places_is_a_file_error() -> None:
    parsed = parse(b'{"lieux": 3}', source="soliguide")
    assert parsed.records == []
    assert parsed.file_errors[0].field == "file"
