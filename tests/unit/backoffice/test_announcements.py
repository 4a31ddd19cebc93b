"""Announcements: which are shown where and when, and who manages them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.announcements.models import AnnouncementAudience, AnnouncementContent
from chalicelib.domain.announcements.service import AnnouncementService
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Forbidden, VersionConflict
from chalicelib.domain.ids import SequentialIds
from tests.backoffice_fakes import InMemoryAnnouncementRepository

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75",))
# Tuesday 17 March 2020, 12:00 in Paris (11:00 UTC): the first day of the lockdown.
NOON_PARIS = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


def content(**fields: Any) -> AnnouncementContent:
    data: dict[str, Any] = {
        "title": "Confinement",
        "body": "Les distributions changent.",
        "start_date": date(2020, 3, 17),
        "end_date": date(2020, 5, 11),
    }
    data.update(fields)
    return AnnouncementContent.model_validate(data)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOON_PARIS)


@pytest.fixture
def service(clock: FixedClock) -> AnnouncementService:
    return AnnouncementService(InMemoryAnnouncementRepository(), clock, SequentialIds("a"))


def shown(service: AnnouncementService, department: str | None, **kwargs: Any) -> list[str]:
    return [item.title for item in service.active(department, **kwargs)]


def test_national_and_departmental_announcements(service: AnnouncementService) -> None:
    service.create(ADMIN, content(title="National"))
    service.create(ADMIN, content(title="Paris et 93", departments=["75", "93"]))
    service.create(ADMIN, content(title="Marseille", departments=["13"]))

    # Same start date: the most recently created first.
    assert shown(service, "93") == ["Paris et 93", "National"]
    assert shown(service, "75") == ["Paris et 93", "National"]
    assert shown(service, "13") == ["Marseille", "National"]
    assert shown(service, None) == ["National"]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2020, 3, 16, 22, 59, tzinfo=UTC), []),  # 23:59 on the 16th in Paris
        (datetime(2020, 3, 16, 23, 0, tzinfo=UTC), ["Confinement"]),  # midnight, the 17th
        (datetime(2020, 5, 11, 21, 59, tzinfo=UTC), ["Confinement"]),  # 23:59 on the last day
        (datetime(2020, 5, 11, 22, 0, tzinfo=UTC), []),  # the 12th in Paris (CEST)
    ],
)
def test_active_by_paris_date(
    service: AnnouncementService, clock: FixedClock, instant: datetime, expected: list[str]
) -> None:
    service.create(ADMIN, content())
    clock.set(instant)

    assert shown(service, "75") == expected


def test_overseas_departments_use_their_own_date(
    service: AnnouncementService, clock: FixedClock
) -> None:
    service.create(ADMIN, content(title="Réunion", departments=["974"], end_date=date(2020, 3, 17)))
    # 21:30 UTC on the 17th: already the 18th in La Réunion (UTC+4), still the 17th in Paris.
    clock.set(datetime(2020, 3, 17, 21, 30, tzinfo=UTC))

    assert shown(service, "974") == []
    clock.set(datetime(2020, 3, 17, 19, 30, tzinfo=UTC))
    assert shown(service, "974") == ["Réunion"]


def test_open_ended_announcements_stay_until_removed(
    service: AnnouncementService, clock: FixedClock
) -> None:
    service.create(ADMIN, content(end_date=None))
    clock.set(datetime(2031, 1, 1, tzinfo=UTC))

    assert shown(service, "75") == ["Confinement"]


def test_audience_filter_keeps_announcements_for_everyone(service: AnnouncementService) -> None:
    service.create(ADMIN, content(title="Tous"))
    service.create(ADMIN, content(title="Pros", audience="professionals"))
    service.create(ADMIN, content(title="Public", audience="people"))

    assert sorted(shown(service, "75", audience=AnnouncementAudience.PROFESSIONALS)) == [
        "Pros",
        "Tous",
    ]
    assert sorted(shown(service, "75", audience=AnnouncementAudience.PEOPLE)) == ["Public", "Tous"]
    assert len(shown(service, "75")) == 3


def test_newest_start_first(service: AnnouncementService, clock: FixedClock) -> None:
    service.create(ADMIN, content(title="Ancienne", start_date=date(2020, 3, 1)))
    service.create(ADMIN, content(title="Récente", start_date=date(2020, 3, 16)))

    assert shown(service, "75") == ["Récente", "Ancienne"]


def test_only_admins_manage_announcements(service: AnnouncementService) -> None:
    with pytest.raises(Forbidden):
        service.create(MODERATOR, content())
    created = service.create(ADMIN, content())
    with pytest.raises(Forbidden):
        service.list_all(MODERATOR)
    with pytest.raises(Forbidden):
        service.delete(MODERATOR, created.id, expected_version=1)


def test_replace_and_delete_are_version_checked(service: AnnouncementService) -> None:
    created = service.create(ADMIN, content())

    updated = service.replace(ADMIN, created.id, content(title="Déconfinement"), expected_version=1)
    with pytest.raises(VersionConflict):
        service.replace(ADMIN, created.id, content(title="Périmé"), expected_version=1)
    with pytest.raises(VersionConflict):
        service.delete(ADMIN, created.id, expected_version=1)
    service.delete(ADMIN, created.id, expected_version=2)

    assert (updated.version, updated.title, updated.created_by) == (2, "Déconfinement", "admin-1")
    assert service.list_all(ADMIN) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"end_date": date(2020, 3, 1)},
        {"departments": ["99"]},
        {"title": ""},
        {"audience": "robots"},
        {"body": "x" * 5001},
    ],
)
def test_bad_announcements_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        content(**fields)
