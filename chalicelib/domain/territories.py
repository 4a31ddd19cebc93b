"""The department codes a place can carry (``Address.department_code``): what a national job
walks through, one department at a time."""

from __future__ import annotations

import re

DEPARTMENT_PATTERN = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"
"""Metropolitan departments (Corsica as 2A and 2B; "20" is still accepted, as on old records)
and the five overseas ones (971-976)."""

_DEPARTMENT = re.compile(DEPARTMENT_PATTERN)

DEPARTMENT_CODES: tuple[str, ...] = tuple(
    code
    for code in (
        *(f"{number:02d}" for number in range(1, 21)),
        "2A",
        "2B",
        *(f"{number:02d}" for number in range(21, 96)),
        *(str(number) for number in range(971, 977)),
    )
    if _DEPARTMENT.fullmatch(code)
)
"""Every code ``DEPARTMENT_PATTERN`` accepts, in the usual order (Corsica after 20; 103
codes)."""
