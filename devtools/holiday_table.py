"""Regenerate chalicelib/data/holidays_fr.json from the `holidays` library.

The API answers holiday questions from this precomputed table: building a calendar with the
library costs ~170 ms of CPU on the first request of a container (import and computation), the
table ~1 ms. tests/unit/hours/test_holidays.py checks that the table equals the library for
every calendar and year it holds, so upgrading `holidays` without running this fails the tests.

    .venv/bin/python -m devtools.holiday_table
"""

from __future__ import annotations

import json

from chalicelib.domain.hours.holidays import (
    TABLE_FILE,
    TABLE_FIRST_YEAR,
    TABLE_LAST_YEAR,
    library_calendar,
    subdivisions,
)


def build_table() -> dict[str, object]:
    calendars: dict[str, dict[str, str]] = {}
    for subdivision in subdivisions():
        days: dict[str, str] = {}
        for year in range(TABLE_FIRST_YEAR, TABLE_LAST_YEAR + 1):
            for day, name in sorted(library_calendar(subdivision, year).items()):
                days[day.isoformat()] = name
        calendars[subdivision or ""] = days
    return {
        "source": "holidays (PyPI), country FR, language fr; devtools/holiday_table.py",
        "first_year": TABLE_FIRST_YEAR,
        "last_year": TABLE_LAST_YEAR,
        "calendars": calendars,
    }


def main() -> None:
    text = json.dumps(build_table(), ensure_ascii=False, indent=0, sort_keys=True)
    TABLE_FILE.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {TABLE_FILE}")


if __name__ == "__main__":
    main()
