"""French public holidays by department."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.hours.holidays import (
    TABLE_FIRST_YEAR,
    TABLE_LAST_YEAR,
    holiday_name,
    holidays_of_year,
    is_public_holiday,
    library_calendar,
    subdivision_for,
    subdivisions,
)


@pytest.mark.parametrize(
    ("day", "department", "expected"),
    [
        (date(2026, 5, 1), "75", "Fête du Travail"),
        (date(2026, 5, 1), None, "Fête du Travail"),
        (date(2026, 7, 14), "13", "Fête nationale"),
        (date(2026, 12, 25), "2A", "Noël"),
        (date(2026, 5, 14), "69", "Ascension"),
        (date(2026, 12, 26), "57", "Saint-Étienne"),
        (date(2026, 12, 26), "67", "Saint-Étienne"),
        (date(2026, 12, 26), "68", "Saint-Étienne"),
        (date(2026, 12, 26), "75", None),
        (date(2026, 4, 3), "57", "Vendredi saint"),
        (date(2026, 4, 3), "75", None),
        (date(2026, 5, 27), "971", "Abolition de l'esclavage"),
        (date(2026, 5, 22), "972", "Abolition de l'esclavage"),
        (date(2026, 12, 20), "974", "Abolition de l'esclavage"),
        (date(2026, 4, 27), "976", "Abolition de l'esclavage"),
        (date(2026, 5, 27), "75", None),
        (date(2026, 5, 2), "75", None),
        (date(2027, 5, 1), "75", "Fête du Travail"),
    ],
)
def test_holiday_name_depends_on_the_department(
    day: date, department: str | None, expected: str | None
) -> None:
    assert holiday_name(day, department) == expected
    assert is_public_holiday(day, department) is (expected is not None)


@pytest.mark.parametrize(
    ("department", "subdivision"),
    [
        ("57", "57"),
        ("67", "6AE"),
        ("68", "6AE"),
        ("971", "971"),
        ("972", "972"),
        ("973", "973"),
        ("974", "974"),
        ("975", "PM"),
        ("976", "976"),
        ("75", None),
        ("2B", None),
        (None, None),
    ],
)
def test_department_maps_to_library_subdivision(
    department: str | None, subdivision: str | None
) -> None:
    assert subdivision_for(department) == subdivision


def test_national_calendar_has_eleven_holidays_and_alsace_moselle_thirteen() -> None:
    assert len(holidays_of_year(2026, "75")) == 11
    assert len(holidays_of_year(2026, "57")) == 13


def test_calendars_are_cached_per_subdivision_and_year() -> None:
    assert holidays_of_year(2026, "67") is holidays_of_year(2026, "68")
    assert holidays_of_year(2026, "75") is holidays_of_year(2026, "13")
    assert holidays_of_year(2026, "75") is not holidays_of_year(2027, "75")


def test_cached_calendar_cannot_be_modified() -> None:
    calendar = holidays_of_year(2026, "75")

    with pytest.raises(TypeError):
        calendar[date(2026, 5, 2)] = "Pas un jour férié"  # type: ignore[index]


@pytest.mark.parametrize("subdivision", subdivisions())
def test_precomputed_table_is_what_the_library_computes(subdivision: str | None) -> None:
    # Fails after an upgrade of `holidays` that changes a date or a name: run
    # `python -m devtools.holiday_table` and review the diff of chalicelib/data/holidays_fr.json.
    department = {None: None, "6AE": "67", "PM": "975"}.get(subdivision, subdivision)
    for year in range(TABLE_FIRST_YEAR, TABLE_LAST_YEAR + 1):
        assert dict(holidays_of_year(year, department)) == library_calendar(subdivision, year)


def test_years_outside_the_table_come_from_the_library() -> None:
    later = TABLE_LAST_YEAR + 1
    assert holiday_name(date(later, 7, 14), "75") == "Fête nationale"
    assert dict(holidays_of_year(later, "57")) == library_calendar("57", later)
