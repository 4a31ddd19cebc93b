"""Weekly hours as printed on Paris leaflets, and as OpenStreetMap opening_hours."""

from __future__ import annotations

import pytest

from chalicelib.domain.hours.formatting import format_compact_fr, format_day_fr, format_osm
from chalicelib.domain.hours.models import WEEKDAYS, HolidayPolicy, TimeSlot, WeeklyHours

_SHORT = {day.value[:3]: day for day in WEEKDAYS}


def slot(text: str) -> TimeSlot:
    """``"09:00-12:30"``, or ``"20:30+"`` for an open-ended slot."""
    if text.endswith("+"):
        return TimeSlot(start=text[:-1])
    start, end = text.split("-")
    return TimeSlot(start=start, end=end)


def week(
    spec: dict[str, list[str]], holidays: HolidayPolicy = HolidayPolicy.UNKNOWN
) -> WeeklyHours:
    """``week({"mon-fri": ["09:00-12:00"], "sun": ["20:30+"]})``; keys may list days with ','."""
    days: dict[str, list[TimeSlot]] = {}
    for key, texts in spec.items():
        for item in key.split(","):
            first, _, last = item.partition("-")
            start = WEEKDAYS.index(_SHORT[first])
            stop = WEEKDAYS.index(_SHORT[last or first])
            for day in WEEKDAYS[start : stop + 1]:
                days[day.value] = [slot(text) for text in texts]
    return WeeklyHours.model_validate({**days, "public_holidays": holidays})


LEAFLET_EXAMPLES = [
    ({"mon-sat": ["14:00-19:00"]}, "lundi-samedi - 14h-19h"),
    ({"tue,thu,sat": ["20:00-21:30"]}, "mardi, jeudi, samedi - 20h-21h30"),
    ({"mon-sun": ["17:00-18:00"]}, "tous les jours - 17h-18h"),
    ({"mon": ["20:30+"]}, "lundi - dès 20h30"),
    ({"mon-fri": ["09:00-12:30", "14:00-17:30"]}, "lundi-vendredi - 9h-12h30 - 14h-17h30"),
    (
        {"thu": ["10:30-21:00"], "sat-sun": ["10:30-15:00"]},
        "jeudi - 10h30-21h - samedi, dimanche - 10h30-15h",
    ),
    (
        {"tue-thu": ["09:00-15:00"], "fri": ["14:00-19:00"]},
        "mardi-jeudi - 9h-15h - vendredi - 14h-19h",
    ),
    (
        {"mon,wed,fri": ["20:00-21:30"], "sun": ["19:30-21:00"]},
        "lundi, mercredi, vendredi - 20h-21h30 - dimanche - 19h30-21h",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), LEAFLET_EXAMPLES)
def test_compact_french_matches_the_printed_leaflet(
    spec: dict[str, list[str]], expected: str
) -> None:
    assert format_compact_fr(week(spec)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"mon-wed,fri": ["09:00-12:00"]}, "lundi-mercredi, vendredi - 9h-12h"),
        ({"mon-tue,thu-fri": ["09:00-12:00"]}, "lundi, mardi, jeudi, vendredi - 9h-12h"),
        ({"mon,fri-sun": ["09:00-12:00"]}, "lundi, vendredi-dimanche - 9h-12h"),
        (
            {"mon-sat": ["09:00-12:00"], "sun": ["10:00-12:00"]},
            "lundi-samedi - 9h-12h - dimanche - 10h-12h",
        ),
        ({"fri": ["22:00-02:00"]}, "vendredi - 22h-2h"),
        ({"sat": ["00:00-06:00"]}, "samedi - 0h-6h"),
        ({"sat": ["18:00-24:00"]}, "samedi - 18h-24h"),
        ({"mon-sun": ["00:00-24:00"]}, "tous les jours - 0h-24h"),
        ({"wed": ["09:05-10:45"]}, "mercredi - 9h05-10h45"),
        ({"sun": ["12:00-14:00", "19:00+"]}, "dimanche - 12h-14h - dès 19h"),
    ],
)
def test_compact_french_groups_days_and_writes_hours_the_leaflet_way(
    spec: dict[str, list[str]], expected: str
) -> None:
    assert format_compact_fr(week(spec)) == expected


def test_compact_french_groups_are_ordered_by_their_first_day() -> None:
    hours = week({"mon,sun": ["19:00-21:00"], "wed": ["09:00-12:00"]})

    assert format_compact_fr(hours) == "lundi, dimanche - 19h-21h - mercredi - 9h-12h"


def test_compact_french_days_with_the_same_slots_in_another_order_are_grouped() -> None:
    hours = WeeklyHours(
        monday=[slot("09:00-12:00"), slot("14:00-17:00")],
        tuesday=[slot("14:00-17:00"), slot("09:00-12:00")],
    )

    assert format_compact_fr(hours) == "lundi, mardi - 9h-12h - 14h-17h"


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (HolidayPolicy.CLOSED, "lundi-vendredi - 9h-17h - fermé les jours fériés"),
        (HolidayPolicy.OPEN, "lundi-vendredi - 9h-17h"),
        (HolidayPolicy.UNKNOWN, "lundi-vendredi - 9h-17h"),
    ],
)
def test_compact_french_mentions_holidays_only_when_closed(
    policy: HolidayPolicy, expected: str
) -> None:
    assert format_compact_fr(week({"mon-fri": ["09:00-17:00"]}, policy)) == expected


def test_compact_french_every_day_closed_on_holidays() -> None:
    hours = week({"mon-sun": ["17:00-18:00"]}, HolidayPolicy.CLOSED)

    assert format_compact_fr(hours) == "tous les jours - 17h-18h - fermé les jours fériés"


@pytest.mark.parametrize("policy", list(HolidayPolicy))
def test_empty_week_formats_as_empty_string(policy: HolidayPolicy) -> None:
    assert format_compact_fr(WeeklyHours(public_holidays=policy)) == ""
    assert format_osm(WeeklyHours(public_holidays=policy)) == ""


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (["09:00-12:30", "14:00-17:30"], "9h-12h30 - 14h-17h30"),
        (["14:00-17:30", "09:00-12:30"], "9h-12h30 - 14h-17h30"),
        (["20:30+"], "dès 20h30"),
        (["22:00-02:00"], "22h-2h"),
        ([], "fermé"),
    ],
)
def test_format_day_fr_writes_one_day(slots: list[str], expected: str) -> None:
    assert format_day_fr([slot(text) for text in slots]) == expected


@pytest.mark.parametrize(
    ("spec", "policy", "expected"),
    [
        ({"mon-sat": ["14:00-19:00"]}, HolidayPolicy.UNKNOWN, "Mo-Sa 14:00-19:00"),
        ({"tue,thu,sat": ["20:00-21:30"]}, HolidayPolicy.UNKNOWN, "Tu,Th,Sa 20:00-21:30"),
        (
            {"mon-fri": ["09:00-12:30", "14:00-17:30"]},
            HolidayPolicy.UNKNOWN,
            "Mo-Fr 09:00-12:30,14:00-17:30",
        ),
        # Split at midnight, explicit end of day: what OSM readers and the engine agree on
        # (tests/unit/hours/test_osm_agreement.py).
        ({"fri": ["22:00-02:00"]}, HolidayPolicy.UNKNOWN, "Fr 22:00-24:00; Sa 00:00-02:00"),
        ({"mon": ["20:30+"]}, HolidayPolicy.UNKNOWN, "Mo 20:30-24:00"),
        (
            {"thu": ["10:30-21:00"], "sat-sun": ["10:30-15:00"]},
            HolidayPolicy.UNKNOWN,
            "Th 10:30-21:00; Sa,Su 10:30-15:00",
        ),
        ({"mon-wed,fri": ["09:00-12:00"]}, HolidayPolicy.UNKNOWN, "Mo-We,Fr 09:00-12:00"),
        ({"mon-sun": ["17:00-18:00"]}, HolidayPolicy.UNKNOWN, "Mo-Su 17:00-18:00"),
        ({"sat": ["18:00-24:00"]}, HolidayPolicy.UNKNOWN, "Sa 18:00-24:00"),
        ({"mon-fri": ["09:00-17:00"]}, HolidayPolicy.CLOSED, "Mo-Fr 09:00-17:00; PH off"),
        ({"mon-fri": ["09:00-17:00"]}, HolidayPolicy.OPEN, "Mo-Fr 09:00-17:00"),
        (
            {"mon,wed,fri": ["20:00-21:30"], "sun": ["19:30-21:00"]},
            HolidayPolicy.CLOSED,
            "Mo,We,Fr 20:00-21:30; Su 19:30-21:00; PH off",
        ),
    ],
)
def test_osm_opening_hours(
    spec: dict[str, list[str]], policy: HolidayPolicy, expected: str
) -> None:
    assert format_osm(week(spec, policy)) == expected
