"""The scheduled workers under `make run`: EventBridge Scheduler's part, played by one thread.

The schedules are those of infra/registry.py (``Schedule`` triggers: expression, time zone,
event), the one source the stack is built from too. ``next_run`` evaluates the expressions
EventBridge Scheduler accepts in the forms we use: ``cron(minutes hours day-of-month month
day-of-week year)`` with ``*``, ``?``, numbers, names (JAN, MON), lists, ranges and ``/``
steps (not ``L``, ``W`` or ``#``, refused), and ``rate(n minutes|hours|days)``, counted from
the stack's start as a schedule's from its creation. Cron fields are read in the schedule's
time zone, so 05:00 in Paris stays 05:00 across the DST change. A local time the spring change
skips runs at the same wall-clock time after the shift (one hour later), an hour repeated in
autumn runs once; none of our schedules falls between 02:00 and 03:00.

``LocalScheduler`` runs each due job in its own thread, as Lambda would (a slow reindex never
delays the newsletters), with the event the schedule delivers (``time``: the scheduled
instant), and prints one line per run. A run missed while the stack was stopped is not
caught up: start it by hand (`make invoke FN=<worker>`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}
DAYS = {
    name: number
    for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)
}
"""EventBridge numbers days of the week 1 (Sunday) to 7 (Saturday)."""

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_SEARCH_DAYS = 366 * 8  # a 29 February on a given weekday can be years away


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if spec == "*":
            start, end = low, high
        else:
            first, _, last = spec.partition("-")
            start = _value(first, names)
            end = _value(last, names) if last else (high if step_text else start)
        if not (low <= start <= high and low <= end <= high) or step < 1 or start > end:
            raise ValueError(f"{part!r} is out of {low}..{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not supported here (L, W and # are not)")
    return int(text)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: "?" or "*", any day of the month
    months: frozenset[int]
    weekdays: frozenset[int] | None  # EventBridge numbering, None: any
    years: frozenset[int] | None

    @classmethod
    def parse(cls, fields: str) -> Cron:
        parts = fields.split()
        if len(parts) != 6:
            raise ValueError(f"cron({fields}) needs six fields")
        minute, hour, day, month, weekday, year = parts
        if (day == "?") == (weekday == "?"):
            raise ValueError(f"cron({fields}): exactly one of day-of-month, day-of-week is '?'")
        return cls(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            days=None if day in ("?", "*") else _field(day, 1, 31),
            months=_field(month, 1, 12, MONTHS),
            weekdays=None if weekday in ("?", "*") else _field(weekday, 1, 7, DAYS),
            years=None if year == "*" else _field(year, 1970, 2199),
        )

    def matches_day(self, day: date) -> bool:
        weekday = day.isoweekday() % 7 + 1  # Monday 1 → 2, Sunday 7 → 1
        return (
            day.month in self.months
            and (self.days is None or day.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
            and (self.years is None or day.year in self.years)
        )


def next_run(
    expression: str, after: datetime, timezone: str, start: datetime | None = None
) -> datetime:
    """The first instant (UTC) strictly after ``after`` (aware) at which ``expression`` fires,
    read in ``timezone``; ``start`` anchors rate expressions (default: ``after``)."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    rate = _RATE.match(expression)
    if rate:
        unit = {"minute": 60, "hour": 3600, "day": 86400}[rate.group(2).rstrip("s")]
        period = timedelta(seconds=int(rate.group(1)) * unit)
        if period <= timedelta(0):
            raise ValueError(f"{expression}: the rate must be positive")
        anchor = start or after
        elapsed = max(after - anchor, timedelta(0))
        return (anchor + period * (elapsed // period + 1)).astimezone(UTC)
    cron = _CRON.match(expression)
    if not cron:
        raise ValueError(f"{expression!r} is neither cron(...) nor rate(...)")
    rule = Cron.parse(cron.group(1))
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if not rule.matches_day(day):
            continue
        for hour in sorted(rule.hours):
            for minute in sorted(rule.minutes):
                wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                # In UTC: a time the spring change skips moves an hour on, and an hour the
                # autumn change repeats is its first occurrence (fold 0), compared exactly.
                candidate = wall.astimezone(UTC)
                if candidate > after:
                    return candidate
    raise ValueError(f"{expression} never fires within {_SEARCH_DAYS} days of {after}")


@dataclass(frozen=True)
class Job:
    """One schedule of infra/registry.py and the worker it invokes."""

    schedule: str
    worker: str
    expression: str
    timezone: str
    event: dict[str, Any]
    description: str


def registry_jobs() -> list[Job]:
    from infra.registry import WORKERS
    from infra.spec import Schedule

    return [
        Job(
            schedule=trigger.name,
            worker=worker.name,
            expression=trigger.expression,
            timezone=trigger.timezone,
            event=trigger.event,
            description=trigger.description,
        )
        for worker in WORKERS
        for trigger in worker.triggers
        if isinstance(trigger, Schedule)
    ]


Invoke = Callable[[str, dict[str, Any]], Any]


class LocalScheduler:
    """Checks every ``interval`` seconds which jobs are due (``now`` is injected: tests step a
    fixed clock) and invokes each due job once, in a thread of its own."""

    def __init__(
        self,
        jobs: Iterable[Job],
        invoke: Invoke,
        now: Callable[[], datetime],
        interval: float = 10.0,
    ) -> None:
        self._jobs = list(jobs)
        self._invoke = invoke
        self._now = now
        self._interval = interval
        self._started = now()
        self._due = {job.schedule: self._next(job, self._started) for job in self._jobs}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-schedule", daemon=True)

    def _next(self, job: Job, after: datetime) -> datetime:
        return next_run(job.expression, after, job.timezone, start=self._started)

    def next_runs(self) -> dict[str, datetime]:
        return dict(self._due)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.tick()

    def tick(self) -> list[threading.Thread]:
        """Start every job due by now; returns their threads."""
        from devtools.invoke import scheduled_event

        now = self._now()
        started: list[threading.Thread] = []
        for job in self._jobs:
            due = self._due[job.schedule]
            if due > now:
                continue
            self._due[job.schedule] = self._next(job, now)
            event = scheduled_event(job.event, due)
            thread = threading.Thread(
                target=self._call, args=(job, event), name=f"job-{job.worker}", daemon=True
            )
            thread.start()
            started.append(thread)
        return started

    def _call(self, job: Job, event: dict[str, Any]) -> None:
        try:
            answer = self._invoke(job.worker, event)
        except Exception as error:  # a console line, never a dead scheduler
            print(f"schedule {job.schedule}: {job.worker} failed: {type(error).__name__}: {error}")
            return
        print(f"schedule {job.schedule}: {job.worker} -> {_summary(answer)}")


def _summary(answer: Any) -> str:
    text = repr(answer)
    return text if len(text) <= 200 else text[:197] + "..."


def start_local_schedule() -> LocalScheduler:
    """The registry's schedules, invoked in this process (`make run`). The reindex needs an
    OpenSearch cluster: without REPERE_OPENSEARCH_ENDPOINT it is left out, as it has nothing
    to rebuild (searches read DynamoDB)."""
    import os

    from devtools.invoke import run_worker

    jobs = registry_jobs()
    if not os.environ.get("REPERE_OPENSEARCH_ENDPOINT"):
        print("schedule daily-reindex: left out, no OpenSearch (searches read DynamoDB)")
        jobs = [job for job in jobs if job.worker != "reindex"]
    scheduler = LocalScheduler(jobs, run_worker, lambda: datetime.now(UTC))
    for job in jobs:
        at = scheduler.next_runs()[job.schedule].astimezone(ZoneInfo(job.timezone))
        print(f"schedule {job.schedule}: {job.worker} next at {at:%a %Y-%m-%d %H:%M %Z}")
    scheduler.start()
    return scheduler
