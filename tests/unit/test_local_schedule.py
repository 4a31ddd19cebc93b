"""The local stack's scheduler (devtools/local_schedule.py): EventBridge cron and rate
expressions read in the schedule's time zone, at fixed instants (DST changes included), and
each due job invoked once with the event the schedule delivers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devtools.local_schedule import Job, LocalScheduler, next_run, registry_jobs

PARIS = "Europe/Paris"


def utc(year: int, month: int, day: int, *hms: int) -> datetime:
    hour, minute, second = (*hms, 0, 0, 0)[:3]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_the_local_schedules_are_the_registrys_seven_jobs() -> None:
    assert {(job.schedule, job.worker) for job in registry_jobs()} == {
        ("weekly-exports", "exports-schedule"),
        ("daily-reindex", "reindex"),
        ("weekly-newsletters", "newsletters"),
        ("daily-campaign-reminders", "campaign-reminders"),
        ("daily-stats-snapshot", "stats-snapshot"),
        ("change-feed-sequencer", "change-feed"),
        ("translations", "translations"),
    }
    for job in registry_jobs():  # every expression of the registry is understood
        assert next_run(job.expression, utc(2026, 12, 5, 8, 0), job.timezone) > utc(2026, 12, 5)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Mondays 05:00 in Paris: 04:00 UTC in winter, 03:00 UTC in summer.
        ("cron(0 5 ? * MON *)", utc(2026, 12, 5, 8, 0), utc(2026, 12, 7, 4, 0)),
        ("cron(0 5 ? * MON *)", utc(2026, 7, 1, 12, 0), utc(2026, 7, 6, 3, 0)),
        ("cron(0 5 ? * MON *)", utc(2026, 12, 7, 4, 0), utc(2026, 12, 14, 4, 0)),  # strictly after
        # Daily 00:30 across the spring change (29 March 2026): the next day is in CEST.
        ("cron(30 0 * * ? *)", utc(2026, 3, 28, 23, 40), utc(2026, 3, 29, 22, 30)),
        # A time the spring change skips runs one hour later on the wall clock.
        ("cron(30 2 * * ? *)", utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 1, 30)),
        # An hour the autumn change repeats runs once (the first time), then the next day.
        ("cron(30 2 * * ? *)", utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 0, 30)),
        ("cron(30 2 * * ? *)", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # Lists, ranges, steps and names.
        ("cron(0/15 9-17 ? * MON-FRI *)", utc(2026, 12, 4, 16, 50), utc(2026, 12, 7, 8, 0)),
        ("cron(0 6 1,15 JAN,JUL ? *)", utc(2026, 1, 2, 0, 0), utc(2026, 1, 15, 5, 0)),
        ("cron(0 12 29 2 ? *)", utc(2026, 3, 1, 0, 0), utc(2028, 2, 29, 11, 0)),
    ],
)
def test_cron_expressions_fire_at_paris_wall_clock_times(
    expression: str, after: datetime, expected: datetime
) -> None:
    assert next_run(expression, after, PARIS) == expected


def test_rate_expressions_count_from_the_start() -> None:
    start = utc(2026, 12, 5, 8, 0, 20)
    assert next_run("rate(5 minutes)", start, PARIS) == start + timedelta(minutes=5)
    later = start + timedelta(minutes=12)
    assert next_run("rate(5 minutes)", later, PARIS, start=start) == start + timedelta(minutes=15)
    assert next_run("rate(1 day)", start, PARIS) == start + timedelta(days=1)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 5 L * ? *)",
        "cron(0 5 ? * 2#1 *)",
        "cron(0 5 * * MON *)",  # one of day-of-month and day-of-week must be ?
        "cron(0 5 * * ?)",
        "cron(60 5 * * ? *)",
        "rate(0 minutes)",
        "at(2026-12-05T08:00:00)",
    ],
)
def test_expressions_it_cannot_evaluate_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        next_run(expression, utc(2026, 12, 5), PARIS)


class SteppedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_due_job_is_invoked_once_with_its_scheduled_time() -> None:
    clock = SteppedClock(utc(2026, 12, 6, 23, 0))  # Monday 00:00 in Paris
    calls: list[tuple[str, dict[str, Any]]] = []
    job = Job(
        schedule="weekly-newsletters",
        worker="newsletters",
        expression="cron(0 6 ? * MON *)",
        timezone=PARIS,
        event={"time": "<aws.scheduler.scheduled-time>", "detail": {}},
        description="",
    )
    scheduler = LocalScheduler([job], lambda worker, event: calls.append((worker, event)), clock)
    assert scheduler.tick() == []
    clock.now = utc(2026, 12, 7, 5, 0, 7)  # 06:00:07 in Paris: the check comes a little late
    for thread in scheduler.tick():
        thread.join()
    assert calls == [("newsletters", {"time": "2026-12-07T05:00:00Z", "detail": {}})]
    assert scheduler.tick() == []  # not twice
    assert scheduler.next_runs() == {"weekly-newsletters": utc(2026, 12, 14, 5, 0)}


def test_a_failing_job_is_a_console_line_and_the_schedule_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = SteppedClock(utc(2026, 12, 5, 23, 29))

    def broken(worker: str, event: dict[str, Any]) -> Any:
        raise RuntimeError("store down")

    job = Job("daily-stats-snapshot", "stats-snapshot", "cron(30 0 * * ? *)", PARIS, {}, "")
    scheduler = LocalScheduler([job], broken, clock)
    clock.now = utc(2026, 12, 5, 23, 30)
    for thread in scheduler.tick():
        thread.join()
    assert "stats-snapshot failed: RuntimeError: store down" in capsys.readouterr().out
    assert scheduler.next_runs()["daily-stats-snapshot"] == utc(2026, 12, 6, 23, 30)
