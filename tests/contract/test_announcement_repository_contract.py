"""AnnouncementRepository contract: the in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.announcements import DynamoAnnouncementRepository
from chalicelib.adapters.dynamodb.backoffice_models import AnnouncementRecord
from chalicelib.domain.announcements.models import Announcement
from chalicelib.domain.announcements.ports import AnnouncementRepository
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from tests.backoffice_fakes import InMemoryAnnouncementRepository, fresh_tables

AT = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def repository(request: pytest.FixtureRequest) -> AnnouncementRepository:
    if request.param == "memory":
        return InMemoryAnnouncementRepository()
    request.getfixturevalue("_moto")
    fresh_tables(AnnouncementRecord)
    return DynamoAnnouncementRepository()


def announcement(announcement_id: str = "a1", version: int = 1, **fields: object) -> Announcement:
    data: dict[str, object] = {
        "id": announcement_id,
        "title": "Confinement",
        "body": "La plupart des distributions sont déplacées.",
        "start_date": date(2020, 3, 17),
        "end_date": date(2020, 5, 11),
        "departments": ["93", "75"],
        "created_at": AT,
        "updated_at": AT,
        "created_by": "admin-1",
        "version": version,
    }
    data.update(fields)
    return Announcement.model_validate(data)


def test_add_then_get_round_trips(repository: AnnouncementRepository) -> None:
    item = announcement()
    repository.add(item)

    assert repository.get("a1") == item
    assert repository.get("a1").departments == ["75", "93"]


def test_add_twice_is_a_conflict(repository: AnnouncementRepository) -> None:
    repository.add(announcement())

    with pytest.raises(Conflict):
        repository.add(announcement(title="Autre"))


def test_save_is_conditional_on_the_version(repository: AnnouncementRepository) -> None:
    repository.add(announcement())
    repository.save(announcement(version=2, title="Mise à jour"), expected_version=1)

    with pytest.raises(VersionConflict) as raised:
        repository.save(announcement(version=2, title="Périmée"), expected_version=1)

    assert raised.value.current_version == 2
    assert repository.get("a1").title == "Mise à jour"


def test_delete_is_conditional_on_the_version(repository: AnnouncementRepository) -> None:
    repository.add(announcement())

    with pytest.raises(VersionConflict):
        repository.delete("a1", expected_version=4)
    repository.delete("a1", expected_version=1)

    with pytest.raises(NotFound):
        repository.get("a1")
    with pytest.raises(NotFound):
        repository.delete("a1", expected_version=1)


def test_unknown_ids_are_not_found(repository: AnnouncementRepository) -> None:
    with pytest.raises(NotFound):
        repository.get("nope")
    with pytest.raises(NotFound):
        repository.save(announcement("nope", version=2), expected_version=1)


def test_list_all_returns_every_announcement(repository: AnnouncementRepository) -> None:
    repository.add(announcement("a1"))
    repository.add(announcement("a2", departments=[], end_date=None))

    assert sorted(item.id for item in repository.list_all()) == ["a1", "a2"]
