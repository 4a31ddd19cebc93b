"""Open Referral HSDS 3.0: Repère's own export imported into an empty stack and exported again
gives the same document, ids aside; foreign or broken records are rejected per location."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain.exports.hsds import hsds_document
from chalicelib.domain.exports.models import ClosedPlaces, Territory
from chalicelib.domain.exports.selection import select_places
from chalicelib.domain.hours.models import (
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.imports.models import ImportFormat, ImportStatus, RecordOutcome
from chalicelib.domain.places.editing import slug_of
from chalicelib.domain.places.models import Contacts, Phone, Place, PlaceStatus, Service
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_full_place, make_place
from tests.unit.imports.support import stack

DAY = date(2024, 3, 14)
AT = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)  # the builders' updated_at
BASE_URL = "https://repere.example.org"
HSDS = ImportFormat.HSDS_JSON


def originals() -> list[Place]:
    full = make_full_place("full-1", verified_at=None, status=PlaceStatus.ONLINE)
    full = full.model_copy(update={"slug": slug_of(full.name), "name": "Accueil du Canal"})
    full = full.model_copy(update={"slug": slug_of(full.name)})
    baths = make_place(
        "baths-1",
        name="Bains douches Ourcq",
        lat=48.8890,
        lon=2.3800,
        categories=("shower", "laundry"),
        hours=WeeklyHours(
            tuesday=[TimeSlot(start="08:00", end="12:00")],
            saturday=[TimeSlot(start="20:00", end="24:00")],
        ),
        temporary_closure=TemporaryClosure(
            start_date=date(2024, 3, 1), end_date=date(2024, 3, 31), reason="Travaux"
        ),
        contacts=Contacts(
            phones=[Phone(number="01 00 00 00 03")],
            email="bains@example.org",
            website="https://example.org/bains",
        ),
    )
    baths = baths.model_copy(update={"slug": slug_of(baths.name)})
    night = make_place(
        "night-1",
        name="Maraude de nuit",
        lat=48.8700,
        lon=2.3600,
        organisation="Association Exemple",
        services=[
            Service(id="a", category="breakfast", name="Petit-déjeuner"),
            Service(
                id="b",
                category="sleeping_gear",
                hours=WeeklyHours(friday=[TimeSlot(start="21:00")]),
                # Its own winter hours and message (issue 18.7) travel through HSDS too.
                temporary_hours=TemporaryHours(
                    start_date=date(2024, 3, 1),
                    end_date=date(2024, 3, 31),
                    hours=WeeklyHours(friday=[TimeSlot(start="19:00", end="23:00")]),
                ),
                temporary_message=TemporaryMessage(
                    start_date=date(2024, 3, 1),
                    end_date=date(2024, 3, 31),
                    text="Distribution avancée à 19 h en mars",
                ),
            ),
        ],
        hours=WeeklyHours(monday=[TimeSlot(start="07:00", end="09:00")]),
    )
    night = night.model_copy(
        update={
            "slug": slug_of(night.name),
            # The place's message and a service's own share that service's HSDS alert.
            "temporary_message": TemporaryMessage(
                start_date=date(2024, 3, 1), text="Maraude renforcée pendant le plan grand froid"
            ),
        }
    )
    return [full, baths, night]


def export(places: list[Place]) -> dict[str, Any]:
    taxonomy = default_taxonomy()
    selected = select_places(
        places,
        territory=Territory(france=True),
        wanted=frozenset(c.id for c in taxonomy.all()),
        day=DAY,
        closed=ClosedPlaces.MARK,
    )
    return hsds_document(selected, day=DAY, taxonomy=taxonomy, base_url=BASE_URL)


def ids_aside(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every id replaced by what it names (an organization's name, a
    location's name, a service's location and name...), so links are still compared."""
    label: dict[str, str] = {}
    for item in document["organizations"]:
        label[item["id"]] = f"organization:{item['name']}"
    for item in document["locations"]:
        label[item["id"]] = f"location:{item['name']}"
    location_of = {
        link["service_id"]: label[link["location_id"]] for link in document["service_at_locations"]
    }
    for item in document["services"]:
        label[item["id"]] = f"service:{location_of[item['id']]}/{item['name']}"
    for link in document["service_at_locations"]:
        label[link["id"]] = f"link:{label[link['service_id']]}"
    for item in document["taxonomy_terms"]:
        label[item["id"]] = f"term:{item['code']}"

    def scrub(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items() if k not in {"external_identifier"}}
        if isinstance(value, list):
            return sorted((scrub(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, str) and key is not None and (key == "id" or key.endswith("_id")):
            return label.get(value, "<own id>")  # ids of addresses, phones, schedules...
        return value

    return {table: scrub(rows) for table, rows in document.items()}


def test_the_hsds_export_round_trips_through_an_import_into_an_empty_stack() -> None:
    before = export(originals())
    env = stack()
    env.clock.set(AT)

    view = env.dry_run(json.dumps(before).encode(), fmt=HSDS, source="repere", status="online")
    assert view.report is not None
    assert [e.outcome for e in view.report.entries] == [RecordOutcome.NEW] * 3, view.report
    env.apply(view)
    after = export(list(env.adapters.places.places.values()))

    assert ids_aside(after) == ids_aside(before)
    assert after["locations"][0]["id"] != before["locations"][0]["id"]  # really new places


def test_importing_the_same_export_again_changes_nothing() -> None:
    document = json.dumps(export(originals())).encode()
    env = stack()
    env.clock.set(AT)
    env.apply(env.dry_run(document, fmt=HSDS, source="repere", status="online"))

    again = env.dry_run(document, fmt=HSDS, source="repere", status="online")
    assert again.job.summary is not None
    assert (again.job.summary.unchanged, again.job.summary.new) == (3, 0)


def test_a_location_without_coordinates_or_known_category_is_rejected_alone() -> None:
    document = export(originals())
    del document["locations"][0]["latitude"]
    for term in document["taxonomy_terms"]:
        if term["code"] == "shower":
            term["code"] = "douche-chaude"
    env = stack()

    view = env.dry_run(json.dumps(document).encode(), fmt=HSDS)

    assert view.job.status is ImportStatus.READY
    assert view.report is not None
    outcomes = {e.name: (e.outcome, [x.field for x in e.errors]) for e in view.report.entries}
    shower_location = next(
        n for n, (o, fields) in outcomes.items() if any(".attributes" in (f or "") for f in fields)
    )
    assert outcomes[shower_location][0] is RecordOutcome.REJECTED
    rejected = [e for e in view.report.entries if e.outcome is RecordOutcome.REJECTED]
    assert {e.record for e in rejected} >= {1}
    assert rejected[0].errors[0].field == "locations[0].latitude"
    assert any(e.outcome is RecordOutcome.NEW for e in view.report.entries)


def test_a_file_without_locations_is_a_file_error() -> None:
    view = stack().dry_run(b'{"services": []}', fmt=HSDS)

    assert view.job.status is ImportStatus.FAILED
    assert view.job.file_errors[0].field == "file"
