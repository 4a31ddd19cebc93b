"""Search counters without personal data (docs/statistics.md).

A public search becomes a ``SearchEvent``: the local day (Europe/Paris), a department, the
categories asked, the open filter, whether a free-text query was present (never the text), and
whether nothing was found. Coordinates, the free text, the client address and the user agent
never reach it, so the counters cannot hold them.

The event turns into a handful of counter names (``counter_names``), all incremented by one
atomic write (one DynamoDB UpdateItem with ADD). ``SearchStatsRecorder`` is what the API calls
after the response is computed: a failure to count is logged and measured, never raised, so a
search never fails because of its statistics.

Kept light on purpose (no pydantic model, no heavy import): it is on the public search path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

UNKNOWN_DEPARTMENT = "unknown"
ALL_DEPARTMENTS = "all"
NO_CATEGORY = "none"

# Counter names (attribute names of one counters item). Categories and departments are
# validated ids (taxonomy leaves or themes, department codes), so the names stay bounded.
SEARCHES = "searches"
LISTINGS = "listings"
WITH_TEXT = "with_text"
ZERO = "zero"
CATEGORY_PREFIX = "cat#"
OPEN_PREFIX = "open#"
ZERO_PREFIX = "zero#"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchEvent:
    day: date
    department: str
    categories: tuple[str, ...]
    open_filter: str
    has_text: bool
    zero_results: bool
    listing: bool = False  # a territory listing (/territories/{dep}/places), not /search


def counter_names(event: SearchEvent) -> list[str]:
    """The counters one search increments, each once."""
    categories = tuple(dict.fromkeys(event.categories)) or (NO_CATEGORY,)
    names = [LISTINGS if event.listing else SEARCHES, f"{OPEN_PREFIX}{event.open_filter}"]
    names += [f"{CATEGORY_PREFIX}{category}" for category in categories]
    if event.has_text:
        names.append(WITH_TEXT)
    if event.zero_results:
        # What people looked for and did not find: category x text present, per department.
        text = "q" if event.has_text else "noq"
        names.append(ZERO)
        names += [f"{ZERO_PREFIX}{category}#{text}" for category in categories]
    return names


def department_of_postal_code(code: str) -> str:
    """The department of a French postal code (Corsica: 200/201 -> 2A, 202/206 -> 2B)."""
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code[:3] in ("200", "201") else "2B"
    return code[:2]


def department_of_city_code(code: str) -> str:
    """The department of an INSEE commune code (``2A004``, ``97411``, ``75119``)."""
    if code.startswith("97"):
        return code[:3]
    return code[:2]


def search_department(
    territory_kind: str | None, territory_code: str | None, first_result_department: str | None
) -> str | None:
    """The department a search is counted in: its territory's; around a point, the
    department of the first result (the centre itself is never kept, and no reverse
    geocoding runs on the search path); None (``unknown``) for a point search with no result."""
    if territory_kind is not None and territory_code is not None:
        if territory_kind == "postal_code":
            return department_of_postal_code(territory_code)
        if territory_kind == "city_code":
            return department_of_city_code(territory_code)
        return territory_code
    return first_result_department


class SearchCounter(Protocol):
    """Where search counters go (DynamoDB: one UpdateItem with ADD per event)."""

    def record(self, event: SearchEvent) -> None: ...


class NullSearchCounter:
    """Counts nothing: counting turned off, or places that are in-memory fakes."""

    def record(self, event: SearchEvent) -> None:
        del event


class SearchStatsRecorder:
    """Builds the event at the clock's local day and hands it to the counter; never raises.

    ``on_failure`` is told the exception's class name (the API turns it into a metric).
    """

    def __init__(
        self,
        counter: SearchCounter,
        now: Callable[[], datetime],
        timezone: str = "Europe/Paris",
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self._counter = counter
        self._now = now
        self._zone = ZoneInfo(timezone)
        self._on_failure = on_failure

    def record(
        self,
        *,
        department: str | None,
        categories: Iterable[str],
        open_filter: str,
        has_text: bool,
        zero_results: bool,
        listing: bool = False,
    ) -> SearchEvent | None:
        try:
            event = SearchEvent(
                day=self._now().astimezone(self._zone).date(),
                department=department or UNKNOWN_DEPARTMENT,
                categories=tuple(categories),
                open_filter=open_filter,
                has_text=has_text,
                zero_results=zero_results,
                listing=listing,
            )
            self._counter.record(event)
        except Exception as error:
            # No request data in the line: only what failed.
            _log.warning("search_count_failed", extra={"error_type": type(error).__name__})
            if self._on_failure is not None:
                try:
                    self._on_failure(type(error).__name__)
                except Exception:
                    _log.warning("search_count_metric_failed")
            return None
        return event
