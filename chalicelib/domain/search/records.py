"""The compact search record: what search needs of an online place, and nothing else.

A search used to decode every candidate into a validated ``Place`` (pydantic, ~120 µs each) to
throw most of them away. The record holds only what filtering, ordering, facets, the open
filters and text matching read, and only the page's places are read and decoded in full
(``SearchRecordSource.places``).

Records are stored and read **column by column** (``encode_records``, ``RecordTable``): the
records of a batch (one search cell) as text, one line of values per field, in two groups.
The hot columns are what every search reads (identifiers, positions, names, categories and
closures); the cold ones (hours, audiences, modalities, languages, words, codes) are stored
apart, compressed, and decoded only when a filter asks for them. A search splits only the
columns it reads with C-level ``str.split`` calls instead of building every record: about a
microsecond a record, against ~6 µs for the same rows as JSON.

A record is derived from its place by ``search_record`` only, and written in the same
transaction as the place on every write path (chalicelib/adapters/dynamodb/search_cells.py),
so it never disagrees with the place it describes. Every rule it encodes is the one search
used on whole places (audience, modalities, languages, text fields); the open state is
compiled by ``chalicelib.domain.hours.compact``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import accumulate
from typing import Any, NamedTuple

from chalicelib.domain.hours.compact import (
    CompiledPeriod,
    CompiledSchedule,
    CompiledWeek,
    compile_period,
    compile_schedule,
    compile_temporary,
    compile_week,
)
from chalicelib.domain.hours.models import HolidayPolicy
from chalicelib.domain.places.models import DEFAULT_TIMEZONE, Place, PlaceStatus
from chalicelib.domain.search.models import AUDIENCE_VALUES, ModalityFilter
from chalicelib.domain.search.rules import satisfied_modalities, sort_name, welcomes
from chalicelib.domain.search.text import words

RECORD_FORMAT = "1"
"""Layout version of the stored columns, written first. A reader meeting another layout
refuses it (functions/search_backfill.py rewrites every record)."""

MODALITY_BITS: dict[ModalityFilter, int] = {
    modality: 1 << position for position, modality in enumerate(ModalityFilter)
}

# Separators no stored value can hold (ids, normalised words, codes, zone names and the JSON
# of integers never do; ``_text`` checks). Printable, so the text travels in a JSON string
# (DynamoDB's wire format) without escapes.
_VALUES = "|"  # between the values of a column
_COLUMNS = "^"  # between columns


class SearchRecord(NamedTuple):
    """One online place as search sees it (the typed view of one row of a ``RecordTable``)."""

    id: str
    version: int
    lat: float
    lon: float
    sort_name: str
    """The name's normalised words, space-separated: the order's tie-breaker and the name's
    words for text matching."""
    categories: str
    """Leaf category ids of the services, in service order without repeats, space-separated
    (a string, so a search counts facets per distinct combination)."""
    department: str
    postal_code: str
    city_code: str | None
    zone: str | None
    """The place's time zone, None for Europe/Paris (most places)."""
    closed_from: int
    """First day (``date.toordinal()``) of the place's temporary closure, 0 when none."""
    closed_until: int
    """Its last day, 0 when it lasts until lifted."""
    hours: str
    """JSON of the compiled ``[week, temporary hours]`` (``hours.compact``)."""
    services: str
    """JSON of ``[[category, own week or null, own closure or null], ...]`` per service (with a
    fourth item, its own compiled temporary hours, for a service that has some), or "" when no
    service has hours, a closure or temporary hours of its own (every service follows the
    place)."""
    excluded_audiences: str
    """Audience filter values the place does not welcome, space-separated ("" = everyone)."""
    modalities: int
    """Bits of ``MODALITY_BITS`` for the modality filters the place passes."""
    languages: str
    organisation_words: str
    text_words: str
    """Words of the description and of the services' names and descriptions, without repeats
    and without words of the name or organisation (they score higher there: dropping them
    never changes a score)."""


class Field(IntEnum):
    """Position of each field, in ``SearchRecord`` and in the stored columns."""

    ID = 0
    VERSION = 1
    LAT = 2
    LON = 3
    SORT_NAME = 4
    CATEGORIES = 5
    DEPARTMENT = 6
    POSTAL_CODE = 7
    CITY_CODE = 8
    ZONE = 9
    CLOSED_FROM = 10
    CLOSED_UNTIL = 11
    HOURS = 12
    SERVICES = 13
    EXCLUDED_AUDIENCES = 14
    MODALITIES = 15
    LANGUAGES = 16
    ORGANISATION_WORDS = 17
    TEXT_WORDS = 18


assert [f.name.lower() for f in Field] == list(SearchRecord._fields)  # noqa: S101 - one order


# Building a record ---------------------------------------------------------------------------


def _unique_words(text: str, known: set[str]) -> str:
    kept: list[str] = []
    for word in words(text):
        if word not in known:
            known.add(word)
            kept.append(word)
    return " ".join(kept)


def _service_row(place: Place, index: int) -> list[Any]:
    service = place.services[index]
    week: CompiledWeek | None = None
    if service.hours is not None:
        week = compile_week(service.hours, service.hours.public_holidays is HolidayPolicy.CLOSED)
    closure: CompiledPeriod | None = compile_period(service.temporary_closure)
    if service.temporary_hours is None:
        return [service.category, week, closure]  # the common row, unchanged
    # Own temporary hours inherit the holiday policy of the regular hours the service follows.
    regular = place.hours if service.hours is None else service.hours
    return [service.category, week, closure, compile_temporary(service.temporary_hours, regular)]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def search_record(place: Place) -> SearchRecord:
    """The record of an online place (a ValueError for any other status: only online places
    are searchable, so only they have a record)."""
    if place.status is not PlaceStatus.ONLINE:
        raise ValueError(f"place {place.id!r} is {place.status.value}: it has no search record")
    name = sort_name(place)
    known = set(name.split())
    organisation = _unique_words(place.organisation or "", known)
    text = _unique_words(
        " ".join(
            [place.description or ""]
            + [f"{s.name or ''} {s.description or ''}" for s in place.services]
        ),
        known,
    )
    services = ""
    if any(
        s.hours is not None or s.temporary_closure is not None or s.temporary_hours is not None
        for s in place.services
    ):
        services = _json([_service_row(place, index) for index in range(len(place.services))])
    modalities = 0
    for modality in satisfied_modalities(place):
        modalities |= MODALITY_BITS[modality]
    address = place.address
    week, temporary, _ = compile_schedule(place.hours, place.temporary_hours, ())
    closure = compile_period(place.temporary_closure) or [0, None]
    return SearchRecord(
        id=place.id,
        version=place.version,
        lat=place.location.lat,
        lon=place.location.lon,
        sort_name=name,
        categories=" ".join(place.categories),
        department=address.department_code,
        postal_code=address.postal_code,
        city_code=address.city_code,
        zone=None if place.timezone == DEFAULT_TIMEZONE else place.timezone,
        closed_from=closure[0],
        closed_until=closure[1] or 0,
        hours=_json([week, temporary]),
        services=services,
        excluded_audiences=" ".join(
            value for value in AUDIENCE_VALUES if not welcomes(place.audience, value)
        ),
        modalities=modalities,
        languages=" ".join(place.languages),
        organisation_words=organisation,
        text_words=text,
    )


# Columns ------------------------------------------------------------------------------------

HOT_FIELDS: tuple[Field, ...] = (
    Field.ID,
    Field.VERSION,
    Field.LAT,
    Field.LON,
    Field.SORT_NAME,
    Field.CATEGORIES,
    Field.ZONE,
    Field.CLOSED_FROM,
    Field.CLOSED_UNTIL,
)
"""What every search reads: who, where, the order, the facets and the default open filter."""

COLD_FIELDS: tuple[Field, ...] = tuple(field for field in Field if field not in HOT_FIELDS)
"""What only some filters read (hours, audiences, modalities, languages, words, codes): stored
apart (compressed, in DynamoDB) and decoded only when a search asks for one of them."""

_POSITION = {
    **{field: position + 1 for position, field in enumerate(HOT_FIELDS)},
    **{field: position for position, field in enumerate(COLD_FIELDS)},
}
_GROUPS = "!"  # between the hot and the cold text of one-piece storage (``joined``)


def _text(value: object) -> str:
    if value is None or (type(value) is int and value == 0):
        return ""  # no city code, no zone, no closure, no modality: the shortest value
    text = repr(value) if isinstance(value, float) else str(value)
    if _VALUES in text or _COLUMNS in text or _GROUPS in text:
        raise ValueError(f"a search record value holds a separator: {text!r}")
    return text


@dataclass(frozen=True)
class RecordBatch:
    """The stored text of some records (one search cell, one place): ``hot`` holds the
    columns every search reads, ``cold()`` gives the others when a search needs one (in
    DynamoDB it decompresses them).

    Around a point, an index may say how far from the centre the batch's places can be
    (``nearest_m`` to ``farthest_m``, safe bounds): a batch wholly within the radius is
    counted without measuring its places, and the page is looked for in the nearest
    batches first."""

    hot: str
    cold: Callable[[], str]
    nearest_m: float = 0.0
    farthest_m: float = math.inf

    @classmethod
    def joined(cls, text: str) -> RecordBatch:
        """A batch stored in one piece (``encode_joined``: the search record of one place)."""
        hot, cold = text.split(_GROUPS)
        return cls(hot, lambda: cold)


class Span(NamedTuple):
    """The rows ``start`` to ``end`` (excluded) of a table, from one batch."""

    start: int
    end: int
    nearest_m: float
    farthest_m: float


def encode_records(records: Sequence[SearchRecord]) -> tuple[str, str]:
    """The records as text, column by column: (hot columns, cold columns). At least one."""
    if not records:
        raise ValueError("no records to encode")
    columns = [_VALUES.join(map(_text, column)) for column in zip(*records, strict=True)]
    hot = _COLUMNS.join([RECORD_FORMAT, *(columns[field] for field in HOT_FIELDS)])
    return hot, _COLUMNS.join(columns[field] for field in COLD_FIELDS)


def encode_joined(records: Sequence[SearchRecord]) -> str:
    """``encode_records`` in one string (``RecordBatch.joined`` reads it)."""
    return _GROUPS.join(encode_records(records))


class RecordTable:
    """Search records read column by column from stored batches: a column is split, across
    every batch, the first time a search asks for it; cold columns are not even decoded
    until then.

    Reading a 30 km search means thousands of batches of a few records each, so nothing is
    done batch by batch in Python that C can do for all of them at once: the batches' hot
    texts are joined and split once, and a column is the join of its pieces, split once.
    """

    def __init__(self, batches: Iterable[RecordBatch] = ()) -> None:
        listed = list(batches)
        self._init(
            [batch.hot for batch in listed],
            lambda: [batch.cold() for batch in listed],
            [batch.nearest_m for batch in listed],
            [batch.farthest_m for batch in listed],
        )

    @classmethod
    def from_texts(
        cls,
        hots: list[str],
        colds: Callable[[], list[str]],
        nearest_m: list[float],
        farthest_m: list[float],
    ) -> RecordTable:
        """A table of batches given as parallel lists (``RecordBatch``'s fields): what an
        index reading thousands of batches builds, without an object per batch."""
        table = cls.__new__(cls)
        table._init(hots, colds, nearest_m, farthest_m)
        return table

    def _init(
        self,
        hots: list[str],
        colds: Callable[[], list[str]],
        nearest_m: list[float],
        farthest_m: list[float],
    ) -> None:
        width = len(HOT_FIELDS) + 1
        parts = _COLUMNS.join(hots).split(_COLUMNS) if hots else []
        if len(parts) != width * len(hots) or parts[::width].count(RECORD_FORMAT) != len(hots):
            found = next((text[:10] for text in hots if not text.startswith(RECORD_FORMAT)), "")
            raise ValueError(
                f"search records of layout {found!r}, expected {RECORD_FORMAT}: "
                "run the search backfill (functions/search_backfill.py)"
            )
        self._hot = parts
        self._colds = colds
        self._cold: list[str] | None = None
        self._columns: dict[Field, list[str]] = {}
        if not len(hots) == len(nearest_m) == len(farthest_m):
            raise ValueError("one distance bound per batch, on either side")
        rows = [ids.count(_VALUES) + 1 for ids in parts[_POSITION[Field.ID] :: width]]
        ends = list(accumulate(rows))
        starts = [end - count for end, count in zip(ends, rows, strict=True)]
        self.spans: list[Span] = list(map(Span, starts, ends, nearest_m, farthest_m))
        self._length = ends[-1] if ends else 0

    @classmethod
    def of(cls, records: Sequence[SearchRecord]) -> RecordTable:
        """A table of these records, through their stored form."""
        if not records:
            return cls()
        return cls([RecordBatch.joined(encode_joined(records))])

    def __len__(self) -> int:
        return self._length

    def column(self, field: Field) -> list[str]:
        """The values of one field for every record, as stored ("" for none or zero)."""
        found = self._columns.get(field)
        if found is None:
            if field in HOT_FIELDS:
                pieces = self._hot[_POSITION[field] :: len(HOT_FIELDS) + 1]
            else:
                if self._cold is None:
                    texts = self._colds() if self.spans else []
                    self._cold = _COLUMNS.join(texts).split(_COLUMNS) if texts else []
                    if len(self._cold) != len(COLD_FIELDS) * len(self.spans):
                        raise ValueError("search records whose cold columns do not match")
                pieces = self._cold[_POSITION[field] :: len(COLD_FIELDS)]
            found = _VALUES.join(pieces).split(_VALUES) if pieces else []
            self._columns[field] = found
        return found

    def record(self, index: int) -> SearchRecord:
        """The typed record at ``index`` (tests, candidates; search reads the columns)."""
        values = [self.column(field)[index] for field in Field]
        return SearchRecord(
            id=values[Field.ID],
            version=int(values[Field.VERSION]),
            lat=float(values[Field.LAT]),
            lon=float(values[Field.LON]),
            sort_name=values[Field.SORT_NAME],
            categories=values[Field.CATEGORIES],
            department=values[Field.DEPARTMENT],
            postal_code=values[Field.POSTAL_CODE],
            city_code=values[Field.CITY_CODE] or None,
            zone=values[Field.ZONE] or None,
            closed_from=int(values[Field.CLOSED_FROM] or 0),
            closed_until=int(values[Field.CLOSED_UNTIL] or 0),
            hours=values[Field.HOURS],
            services=values[Field.SERVICES],
            excluded_audiences=values[Field.EXCLUDED_AUDIENCES],
            modalities=int(values[Field.MODALITIES] or 0),
            languages=values[Field.LANGUAGES],
            organisation_words=values[Field.ORGANISATION_WORDS],
            text_words=values[Field.TEXT_WORDS],
        )

    def records(self) -> list[SearchRecord]:
        return [self.record(index) for index in range(len(self))]


# Schedules ----------------------------------------------------------------------------------


def place_closures(closed_from: str, closed_until: str) -> list[CompiledPeriod]:
    """The place's closure as a compiled period list, from its stored column values."""
    if not closed_from:
        return []
    return [[int(closed_from), int(closed_until) if closed_until else None]]


def record_schedule(hours: str, closed_from: str, closed_until: str) -> CompiledSchedule:
    """The place's compiled schedule (``engine.schedule_for_place``)."""
    week, temporary = json.loads(hours)
    return [week, temporary, place_closures(closed_from, closed_until)]


def service_schedules(
    table: RecordTable, row: int, wanted: frozenset[str]
) -> list[CompiledSchedule]:
    """The compiled schedules of the record's services in the wanted categories
    (``engine.schedule_for_service``: own hours keep none of the place's temporary hours, own
    temporary hours win over both; the place's closure always applies on top of the
    service's own)."""
    categories = table.column(Field.CATEGORIES)[row]
    services = table.column(Field.SERVICES)[row]
    hours = table.column(Field.HOURS)[row]
    closed_from = table.column(Field.CLOSED_FROM)[row]
    closed_until = table.column(Field.CLOSED_UNTIL)[row]
    if not services:
        if wanted.isdisjoint(categories.split()):
            return []
        return [record_schedule(hours, closed_from, closed_until)]
    place_week, place_temporary = json.loads(hours)
    closures = place_closures(closed_from, closed_until)
    schedules: list[CompiledSchedule] = []
    for service in json.loads(services):
        category, week, closure = service[:3]
        if category not in wanted:
            continue
        own = closures if closure is None else [*closures, closure]
        schedule = [place_week, place_temporary, own] if week is None else [week, None, own]
        if len(service) > 3:
            schedule.append(service[3])  # its own temporary hours (compact: 4th element)
        schedules.append(schedule)
    return schedules
