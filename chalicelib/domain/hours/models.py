"""Opening-hours value objects: weekly hours, time slots and dated temporary information.

Times are local wall-clock times in the place's time zone, written ``"HH:MM"``. A slot whose end
is earlier than its start crosses midnight (``22:00``-``02:00``); ``"24:00"`` ends a slot at
midnight; a slot without an end ("dès 12h" on the printed leaflets) is open until the end of
its day for the purpose of computing open/closed.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @classmethod
    def of(cls, day: date) -> Weekday:
        return WEEKDAYS[day.weekday()]


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


class HolidayPolicy(StrEnum):
    """What a place does on French public holidays."""

    OPEN = "open"  # regular hours of that weekday apply
    CLOSED = "closed"
    UNKNOWN = "unknown"  # regular hours are assumed, and the uncertainty is shown


@lru_cache(maxsize=2048)
def minutes_of(hhmm: str) -> int:
    """Minutes since midnight of an ``HH:MM`` string (``24:00`` gives 1440).

    Cached: a place's validators and the hours engine ask it ~40 times a place, and a day has
    only 1,441 valid values (a bad one raises, and exceptions are not cached)."""
    if hhmm == "24:00":
        return 1440
    match = _HHMM.fullmatch(hhmm)
    if match is None:
        raise ValueError(f"not a time of day in HH:MM form: {hhmm!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


class DomainModel(BaseModel):
    """Base for domain models: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class TimeSlot(DomainModel):
    start: str = Field(description="Opening time, HH:MM local time.", examples=["09:00"])
    end: str | None = Field(
        default=None,
        description="Closing time, HH:MM local time; earlier than start crosses midnight; "
        "24:00 is midnight; absent means open-ended (printed as 'dès 12h').",
        examples=["12:30"],
    )

    @field_validator("start")
    @classmethod
    def _check_start(cls, value: str) -> str:
        if value == "24:00":
            raise ValueError("a slot cannot start at 24:00")
        minutes_of(value)
        return value

    @field_validator("end")
    @classmethod
    def _check_end(cls, value: str | None) -> str | None:
        if value is not None:
            minutes_of(value)
        return value

    @model_validator(mode="after")
    def _check_not_empty(self) -> TimeSlot:
        whole_day = self.start == "00:00" and self.end == "24:00"
        if (
            self.end is not None
            and minutes_of(self.end) % 1440 == self.start_minute
            and not whole_day
        ):
            raise ValueError("a slot must not start and end at the same time")
        return self

    @property
    def start_minute(self) -> int:
        return minutes_of(self.start)

    @property
    def end_minute(self) -> int | None:
        """End in minutes after the start day's midnight (> 1440 when crossing midnight)."""
        if self.end is None:
            return None
        end = minutes_of(self.end)
        return end if end > self.start_minute else end + 1440

    @property
    def crosses_midnight(self) -> bool:
        end = self.end_minute
        return end is not None and end > 1440


DaySlots = Annotated[list[TimeSlot], Field(max_length=6)]


class WeeklyHours(DomainModel):
    """Regular hours: per weekday, the slots of that day (empty list = closed that day)."""

    monday: DaySlots = Field(default_factory=list)
    tuesday: DaySlots = Field(default_factory=list)
    wednesday: DaySlots = Field(default_factory=list)
    thursday: DaySlots = Field(default_factory=list)
    friday: DaySlots = Field(default_factory=list)
    saturday: DaySlots = Field(default_factory=list)
    sunday: DaySlots = Field(default_factory=list)
    public_holidays: HolidayPolicy = HolidayPolicy.UNKNOWN
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _check_day_slots_do_not_overlap(self) -> WeeklyHours:
        for day in WEEKDAYS:
            slots = sorted(self.slots(day), key=lambda s: s.start_minute)
            for before, after in pairwise(slots):
                before_end = before.end_minute if before.end_minute is not None else 1440
                if before_end > after.start_minute:
                    raise ValueError(f"{day.value}: slots {before.start} and {after.start} overlap")
        return self

    def slots(self, day: Weekday) -> list[TimeSlot]:
        slots: list[TimeSlot] = getattr(self, day.value)
        return slots

    def is_empty(self) -> bool:
        return all(not self.slots(day) for day in WEEKDAYS)


class DatedPeriod(DomainModel):
    """Inclusive local dates; no end date means 'until lifted'."""

    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _check_order(self) -> DatedPeriod:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class TemporaryClosure(DatedPeriod):
    reason: str | None = Field(default=None, max_length=500)


class TemporaryHours(DatedPeriod):
    hours: WeeklyHours


class TemporaryMessage(DatedPeriod):
    text: str = Field(min_length=1, max_length=1000)
