"""A service's own temporary hours and message (issue 18, point 7) in the exports: the
data·inclusion hours string, HSDS schedules and alerts, and the leaflet."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.exports.data_inclusion import service_weekly_in_force
from chalicelib.domain.exports.models import ExportFormat
from chalicelib.domain.exports.selection import service_hours_in_force
from chalicelib.domain.hours.models import (
    HolidayPolicy,
    TemporaryHours,
    TemporaryMessage,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import Place, Service
from tests.builders import make_place
from tests.unit.exports.test_formats import _json
from tests.unit.exports.test_leaflet import _entry_of

MORNINGS = WeeklyHours(
    tuesday=[TimeSlot(start="09:00", end="12:00")], public_holidays=HolidayPolicy.CLOSED
)
EVENINGS = WeeklyHours(thursday=[TimeSlot(start="18:00", end="20:00")])
PLACE_SUMMER = TemporaryHours(
    start_date=date(2020, 5, 1),
    end_date=date(2020, 8, 31),
    hours=WeeklyHours(friday=[TimeSlot(start="10:00", end="11:00")]),
)
OWN_MAY = TemporaryHours(start_date=date(2020, 5, 4), end_date=date(2020, 5, 17), hours=EVENINGS)
OWN_MESSAGE = TemporaryMessage(
    start_date=date(2020, 5, 4), end_date=date(2020, 5, 17), text="Apporter sa serviette"
)


def place_with(**service: Any) -> Place:
    return make_place(
        "p1",
        hours=MORNINGS,
        temporary_hours=PLACE_SUMMER,
        services=[Service.model_validate({"id": "s1", "category": "seated_meal", **service})],
    )


def test_a_services_own_temporary_hours_are_the_hours_in_force_within_their_dates() -> None:
    place = place_with(temporary_hours=OWN_MAY)
    (service,) = place.services

    assert service_hours_in_force(place, service, date(2020, 5, 6)) == (EVENINGS, OWN_MAY)
    assert service_hours_in_force(place, service, date(2020, 5, 18)) == (
        PLACE_SUMMER.hours,
        PLACE_SUMMER,
    )
    # Their UNKNOWN holiday policy is the regular hours' (here the place's, CLOSED).
    assert service_weekly_in_force(place, service, date(2020, 5, 6)).public_holidays is (
        HolidayPolicy.CLOSED
    )


def test_data_inclusion_publishes_a_services_own_temporary_hours() -> None:
    document = _json(
        [place_with(temporary_hours=OWN_MAY)], ExportFormat.DATA_INCLUSION, date(2020, 5, 6)
    )

    (service,) = document["services"]
    (structure,) = document["structures"]
    assert service["horaires_accueil"] == "Th 18:00-20:00; PH off"
    assert structure["horaires_accueil"] == "Fr 10:00-11:00; PH off"  # the place's own


def test_hsds_gives_a_services_own_temporary_hours_and_message() -> None:
    place = place_with(hours=MORNINGS, temporary_hours=OWN_MAY, temporary_message=OWN_MESSAGE)
    document = _json([place], ExportFormat.HSDS, date(2020, 5, 6))

    (service,) = document["services"]
    assert service["alert"] == "Apporter sa serviette"
    dated = {
        (s["valid_from"], s["valid_to"], s["byday"], s["opens_at"])
        for s in document["schedules"]
        if "valid_from" in s
    }
    assert dated == {("2020-05-04", "2020-05-17", "TH", "18:00")}
    # Once over, they are no longer published.
    later = _json([place], ExportFormat.HSDS, date(2020, 5, 18))
    assert all("valid_from" not in s for s in later["schedules"])
    assert "alert" not in later["services"][0]


def test_the_leaflet_prints_a_services_own_temporary_hours_and_message() -> None:
    entry = _entry_of(
        place_with(name="Repas", temporary_hours=OWN_MAY, temporary_message=OWN_MESSAGE)
    )

    (line,) = entry.hours
    assert (line.label, line.text) == (
        "Repas",
        "Horaires temporaires jusqu'au 17 mai 2020 inclus : jeudi - 18h-20h",
    )
    assert entry.message == "Repas : Apporter sa serviette"
    # The place's temporary hours do not concern a service with its own.
    assert entry.temporary_hours_note is None


def test_the_leaflet_announces_a_services_temporary_hours_and_message_ahead() -> None:
    ahead_hours = OWN_MAY.model_copy(update={"start_date": date(2020, 5, 11)})
    ahead_message = OWN_MESSAGE.model_copy(update={"start_date": date(2020, 5, 8)})
    entry = _entry_of(
        place_with(name="Repas", temporary_hours=ahead_hours, temporary_message=ahead_message)
    )

    assert entry.ahead == [
        "Repas : horaires modifiés du 11 au 17 mai 2020 : jeudi - 18h-20h",
        "Repas, du 8 au 17 mai 2020 : Apporter sa serviette",
    ]
    assert entry.message is None
