"""Place → OpenSearch document (pure functions: no client, no clock read).

A document carries everything a search filters, scores or sorts on, precomputed here with the
same domain functions the DynamoDB backend runs at query time, so both backends give the same
answers by construction:

* ``words_*``: the normalised words of each searchable field (``rules.text_fields``), as
  keyword arrays; the text query matches them exactly, by prefix or one edit away, like
  ``rules.text_score``. The French-analysed text fields (``name``...) serve ad hoc queries
  (OpenSearch Dashboards, highlighting), not the ranking.
* ``audiences`` / ``modalities``: the audience and modality filter values the place passes
  (``rules.welcomes`` / ``rules.satisfied_modalities``).
* Time, as ranges of instants (``date_range``), so "is it true at this instant" is one range
  query, whatever the place's time zone:
  - ``closed``: the place's temporary closure, from local midnight of its first day to local
    midnight after its last (open-ended without an end date). No horizon: always exact.
  - ``open``: the opening intervals (``hours.engine.open_intervals``) of the hours window.
  - ``open_today``: for each local day D of the window that has an opening, the instants of D
    from which an opening of D is still to come: [midnight of D, end of D's last opening), cut
    at the next midnight. open=today at instant t is exactly "t is in ``open_today``".
  - ``hours_window``: the instants for which ``open`` and ``open_today`` are exact; a search for
    open=now/today outside it is answered from DynamoDB (see ``search.py``).
  - ``services`` (nested): the same per service (``schedule_for_service``), with the category and
    its ancestors, because with a category filter the matching services decide.
* ``place``: the public place (private fields removed), stored but not indexed: a search builds
  its results from it without reading DynamoDB.

A place that is not online becomes a *tombstone*: id, version and status only. Tombstones keep
the place's version in the index forever (OpenSearch forgets deleted documents' versions after
``index.gc_deletes``, 60 s), so an older stream record delivered late can never bring back a
place that went offline or was removed.

Local midnights use ``local_instant`` (first instant at which the wall clock reads 00:00); a
local date is then "the instants from its midnight to the next". That holds in every French
time zone (no DST change crosses midnight there); a zone whose clocks go back across midnight
would see an hour of the next day counted twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.hours.engine import (
    Interval,
    Schedule,
    local_instant,
    open_intervals,
    schedule_for_place,
    schedule_for_service,
)
from chalicelib.domain.hours.models import TemporaryClosure
from chalicelib.domain.places.models import PRIVATE_FIELDS, Place, PlaceStatus, Service
from chalicelib.domain.search.models import AUDIENCE_VALUES
from chalicelib.domain.search.rules import (
    satisfied_modalities,
    sort_name,
    text_fields,
    welcomes,
)
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

ONLINE = PlaceStatus.ONLINE.value
REMOVED = "removed"
"""Status of the tombstone of a place deleted from the table."""

_ONE_DAY = timedelta(days=1)

DateRange = dict[str, str]


def iso(instant: datetime) -> str:
    """An instant as OpenSearch reads it: UTC, millisecond precision, truncated.

    Every bound we index is a whole second, so truncating the searched instant to the
    millisecond keeps ``start <= t < end`` exact.
    """
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def hours_window(at: datetime, days: int) -> tuple[datetime, datetime]:
    """The instants whose opening intervals a document indexed at ``at`` carries: from the UTC
    midnight before ``at`` minus one day, for ``days`` days (so a place indexed at 23:59 is
    still exact for open=today just after midnight in any time zone)."""
    utc = at.astimezone(UTC)
    start = datetime(utc.year, utc.month, utc.day, tzinfo=UTC) - _ONE_DAY
    return start, start + timedelta(days=days)


def place_document(place: Place, taxonomy: Taxonomy, *, at: datetime, days: int) -> dict[str, Any]:
    """The document of a place: a searchable one when online, else a tombstone."""
    if place.status is not PlaceStatus.ONLINE:
        return tombstone(place.id, place.version, place.status.value)
    window_start, window_end = hours_window(at, days)
    place_schedule = schedule_for_place(place)
    place_times = _times(place_schedule, window_start, window_end)
    words = text_fields(place, taxonomy)
    address = place.address
    document: dict[str, Any] = {
        "id": place.id,
        "version": place.version,
        "status": ONLINE,
        "location": {"lat": place.location.lat, "lon": place.location.lon},
        "department": address.department_code,
        "postal_code": address.postal_code,
        "timezone": place.timezone,
        "categories": place.categories,
        "category_paths": _paths(place.categories, taxonomy),
        "audiences": [value for value in AUDIENCE_VALUES if welcomes(place.audience, value)],
        "modalities": sorted(modality.value for modality in satisfied_modalities(place)),
        "languages": list(place.languages),
        "name": place.name,
        "organisation": place.organisation or "",
        "description": " ".join(
            [place.description or ""]
            + [f"{s.name or ''} {s.description or ''}" for s in place.services]
        ).strip(),
        "category_labels": [
            label for category in place.categories for label in taxonomy.labels(category)
        ],
        "words_name": words["name"],
        "words_organisation": words["organisation"],
        "words_category": words["category"],
        "words_description": words["description"],
        "name_sort": sort_name(place),
        "closed": _closure_ranges(place_schedule),
        "open": place_times.open,
        "open_today": place_times.open_today,
        "hours_window": place_times.window,
        "services": [
            _service(
                place,
                service,
                taxonomy,
                place_schedule=place_schedule,
                place_times=place_times,
                window=(window_start, window_end),
            )
            for service in place.services
        ],
        "place": place.model_dump(mode="json", exclude=set(PRIVATE_FIELDS)),
    }
    if address.city_code is not None:
        document["city_code"] = address.city_code
    return document


def tombstone(place_id: str, version: int, status: str) -> dict[str, Any]:
    """What stays of a place that is not online: enough to order versions, nothing to find."""
    return {"id": place_id, "version": version, "status": status}


def _paths(categories: list[str], taxonomy: Taxonomy) -> list[str]:
    return list(
        dict.fromkeys(ancestor for leaf in categories for ancestor in taxonomy.ancestors(leaf))
    )


class _Times:
    def __init__(self, open_: list[DateRange], open_today: list[DateRange], window: DateRange):
        self.open = open_
        self.open_today = open_today
        self.window = window


def _times(schedule: Schedule, window_start: datetime, window_end: datetime) -> _Times:
    intervals = open_intervals(schedule, window_start, window_end)
    zone = schedule.zone
    first_day = window_start.astimezone(zone).date()
    last_day = window_end.astimezone(zone).date()
    full_days: list[tuple[date, datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        midnight = local_instant(day, 0, zone)
        next_midnight = local_instant(day + _ONE_DAY, 0, zone)
        if midnight >= window_start and next_midnight <= window_end:
            full_days.append((day, midnight, next_midnight))
        day += _ONE_DAY
    open_today: list[DateRange] = []
    for _, midnight, next_midnight in full_days:
        last_end = _last_end_within(intervals, midnight, next_midnight)
        if last_end is not None:
            open_today.append({"gte": iso(midnight), "lt": iso(last_end)})
    if full_days:
        valid = {"gte": iso(full_days[0][1]), "lt": iso(full_days[-1][2])}
    else:  # a window shorter than a day: nothing is exact (days >= 2 prevents it)
        valid = {"gte": iso(window_start), "lt": iso(window_start)}
    return _Times(
        open_=[{"gte": iso(interval.start), "lt": iso(interval.end)} for interval in intervals],
        open_today=open_today,
        window=valid,
    )


def _last_end_within(intervals: list[Interval], start: datetime, end: datetime) -> datetime | None:
    """The end of the last opening that overlaps [start, end), cut at ``end``."""
    last: datetime | None = None
    for interval in intervals:
        interval_start = interval.start.astimezone(UTC)
        interval_end = interval.end.astimezone(UTC)
        if interval_start < end and interval_end > start:
            cut = min(interval_end, end)
            last = cut if last is None or cut > last else last
    return last


def _closure_ranges(schedule: Schedule) -> list[DateRange]:
    return [_closure_range(closure, schedule) for closure in schedule.closures]


def _closure_range(closure: TemporaryClosure, schedule: Schedule) -> DateRange:
    zone = schedule.zone
    closed: DateRange = {"gte": iso(local_instant(closure.start_date, 0, zone))}
    if closure.end_date is not None:
        closed["lt"] = iso(local_instant(closure.end_date + _ONE_DAY, 0, zone))
    return closed


def _service(
    place: Place,
    service: Service,
    taxonomy: Taxonomy,
    *,
    place_schedule: Schedule,
    place_times: _Times,
    window: tuple[datetime, datetime],
) -> dict[str, Any]:
    schedule = schedule_for_service(place, service)
    # Most services follow the place: same schedule, same intervals (computed once).
    times = place_times if schedule == place_schedule else _times(schedule, *window)
    return {
        "id": service.id,
        "category_paths": _paths([service.category], taxonomy),
        "closed": _closure_ranges(schedule),
        "open": times.open,
        "open_today": times.open_today,
    }
