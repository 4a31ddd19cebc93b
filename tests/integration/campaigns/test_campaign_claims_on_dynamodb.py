"""One running campaign per department, guaranteed by DynamoDB itself: the campaign and a
claim per department go in one transaction, so two starts racing past the service's friendly
check (two moderators, two keys, the same instant) cannot both land."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.campaigns import DynamoCampaignRepository
from chalicelib.domain.campaigns.models import Campaign, CampaignSection, CampaignStatus
from chalicelib.domain.errors import Conflict

pytestmark = pytest.mark.usefixtures("dynamodb_tables")


def _campaign(campaign_id: str, *departments: str) -> Campaign:
    return Campaign(
        id=campaign_id,
        name=f"Hiver {campaign_id}",
        departments=departments,
        sections=(CampaignSection.HOURS,),
        start_date=date(2026, 11, 2),
        end_date=date(2026, 12, 1),
        status=CampaignStatus.RUNNING,
        reminder_delay_days=7,
        created_by="admin-1",
        created_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        fingerprint="f" * 64,
    )


def test_a_second_campaign_on_a_claimed_department_is_refused_and_writes_nothing() -> None:
    repository = DynamoCampaignRepository()
    assert repository.create(_campaign("cfirst", "75", "93")) is True

    with pytest.raises(Conflict) as caught:
        repository.create(_campaign("csecond", "94", "93"))

    assert caught.value.code == "campaign_overlap"
    assert "93" in caught.value.message
    assert [campaign.id for campaign in repository.list_all()] == ["cfirst"]
    # Its free department was not claimed either: a third campaign may take 94.
    assert repository.create(_campaign("cthird", "94")) is True


def test_creating_the_same_campaign_again_is_a_no_op_not_an_overlap() -> None:
    repository = DynamoCampaignRepository()
    assert repository.create(_campaign("cfirst", "75")) is True
    assert repository.create(_campaign("cfirst", "75")) is False


def test_ending_a_campaign_releases_its_departments() -> None:
    repository = DynamoCampaignRepository()
    running = _campaign("cfirst", "75", "93")
    repository.create(running)
    ended = running.model_copy(
        update={"status": CampaignStatus.ENDED, "ended_at": datetime(2026, 12, 2, tzinfo=UTC)}
    )

    assert repository.replace(ended, expected_status=CampaignStatus.RUNNING) is True
    assert repository.replace(ended, expected_status=CampaignStatus.RUNNING) is False

    assert repository.create(_campaign("csecond", "93")) is True
    assert {campaign.id for campaign in repository.list_all()} == {"cfirst", "csecond"}
