"""A scripted fortnight of the lockdown, played through the real place editor, and the
figures the daily snapshot of 1 April 2020 must then show (unit and integration tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.hours.models import TemporaryClosure, TimeSlot, WeeklyHours
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Actor
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.places.ports import PlaceEditStore
from chalicelib.domain.submissions.models import (
    Submission,
    SubmissionKind,
    SubmittedContent,
    Submitter,
)
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place

DAY = date(2020, 4, 1)  # "83% closed on 1 April"
SNAPSHOT_AT = datetime(2020, 4, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 April in Paris
COVERAGE_SINCE = date(2020, 3, 30)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
STRUCTURE = Actor(subject="link:1", role="structure")

_SLOT = [TimeSlot(start="09:00", end="17:00")]
EVERY_DAY = WeeklyHours(
    monday=_SLOT,
    tuesday=_SLOT,
    wednesday=_SLOT,
    thursday=_SLOT,
    friday=_SLOT,
    saturday=_SLOT,
    sunday=_SLOT,
)


def at(day: date, hour_utc: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def play(store: PlaceEditStore, clock: FixedClock) -> None:
    """75: a, b, c, d, e online (e without hours); 93: f online, g draft. Then, through the
    editor: b closes temporarily on 17 March, c closes for good, a self-updates on 31 March,
    d self-updates on 1 April and a is verified by an admin on 1 April."""
    for place_id, department, hours, status in (
        ("a", "75", EVERY_DAY, PlaceStatus.ONLINE),
        ("b", "75", EVERY_DAY, PlaceStatus.ONLINE),
        ("c", "75", EVERY_DAY, PlaceStatus.ONLINE),
        ("d", "75", EVERY_DAY, PlaceStatus.ONLINE),
        ("e", "75", WeeklyHours(), PlaceStatus.ONLINE),
        ("f", "93", EVERY_DAY, PlaceStatus.ONLINE),
        ("g", "93", EVERY_DAY, PlaceStatus.DRAFT),
    ):
        postal = "75019" if department == "75" else "93200"
        city_code = "75119" if department == "75" else "93066"
        store.add(
            make_place(
                place_id,
                department=department,
                postal_code=postal,
                city_code=city_code,
                hours=hours,
                status=status,
                verified_at=at(date(2020, 3, 20), 9),
            )
        )
    editor = PlaceEditor(store, clock, SequentialIds(), default_taxonomy())

    clock.set(at(date(2020, 3, 17), 9))
    closure = TemporaryClosure(start_date=date(2020, 3, 17), reason="confinement")
    patch = PlacePatch.model_validate({"temporary_closure": closure.model_dump(mode="json")})
    editor.edit(ADMIN, "b", expected_version=1, patch=patch)
    editor.edit(
        ADMIN,
        "c",
        expected_version=1,
        patch=PlacePatch.model_validate({"status": "permanently_closed"}),
    )
    clock.set(at(date(2020, 3, 31), 10))
    editor.apply_self_update(store.get("a"), expected_version=1, patch=None, actor=STRUCTURE)
    clock.set(at(DAY, 8))
    editor.apply_self_update(store.get("d"), expected_version=1, patch=None, actor=STRUCTURE)
    editor.verify(ADMIN, "a", expected_version=2)
    clock.set(SNAPSHOT_AT)


def submissions() -> list[Submission]:
    """Two suggestions in 75 on 1 April, one in 93 the day before."""
    return [
        _submission("s1", "75", at(DAY, 7)),
        _submission("s2", "75", at(DAY, 21)),  # 23:00 in Paris: still 1 April
        _submission("s3", "93", at(DAY, 21) - timedelta(days=1)),  # 23:00 on 31 March
    ]


def _submission(id: str, department: str, created_at: datetime) -> Submission:
    return Submission(
        id=id,
        kind=SubmissionKind.NEW_PLACE,
        department=department,
        region="11",
        content=SubmittedContent(name=f"Lieu {id}"),
        submitter=Submitter(email="someone@example.org", consent=True),
        client_hash="0" * 32,
        created_at=created_at,
    )


EXPECTED: dict[str, dict[str, Any]] = {
    "75": {
        "places_online": 4,  # a, b, d, e (c is permanently closed)
        "open_today": 2,  # a, d (b closed, e has no hours)
        "temporarily_closed": 1,
        "permanently_closed": 1,
        "verified_since": 2,  # a (31 March, then 1 April), d (1 April)
        "coverage": 0.5,
        "self_updates": 1,  # d on 1 April (a's was on 31 March; the admin's does not count)
        "submissions": 2,
    },
    "93": {
        "places_online": 1,
        "open_today": 1,
        "temporarily_closed": 0,
        "permanently_closed": 0,
        "verified_since": 0,
        "coverage": 0.0,
        "self_updates": 0,
        "submissions": 0,  # s3 is 31 March's
    },
}
