"""In-memory campaign repository and start queue (same contract as the DynamoDB adapter,
which tests/integration/campaigns exercises on moto)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from chalicelib.domain.errors import Conflict, NotFound


class InMemoryCampaignRepository:
    def __init__(self) -> None:
        self.campaigns: dict[str, Campaign] = {}
        self.target_items: dict[str, dict[str, CampaignTarget]] = {}
        self.claims: dict[str, str] = {}  # department -> campaign not yet ended

    def create(self, campaign: Campaign) -> bool:
        if campaign.id in self.campaigns:
            return False
        for department in campaign.departments:
            if self.claims.get(department, campaign.id) != campaign.id:
                raise Conflict(
                    f"another campaign is still running in {department}: end it first",
                    field="departments",
                    code="campaign_overlap",
                )
        self.campaigns[campaign.id] = campaign
        self.claims.update(dict.fromkeys(campaign.departments, campaign.id))
        return True

    def get(self, campaign_id: str) -> Campaign:
        try:
            return self.campaigns[campaign_id]
        except KeyError:
            raise NotFound(f"no campaign with id {campaign_id!r}", field="id") from None

    def list_all(self) -> list[Campaign]:
        return sorted(self.campaigns.values(), key=lambda c: c.created_at, reverse=True)

    def replace(self, campaign: Campaign, *, expected_status: CampaignStatus) -> bool:
        stored = self.campaigns.get(campaign.id)
        if stored is None or stored.status is not expected_status:
            return False
        self.campaigns[campaign.id] = campaign
        if campaign.status is CampaignStatus.ENDED:
            for department in campaign.departments:
                if self.claims.get(department) == campaign.id:
                    del self.claims[department]
        return True

    def targets(self, campaign_id: str) -> list[CampaignTarget]:
        return sorted(self.target_items.get(campaign_id, {}).values(), key=lambda t: t.place_id)

    def add_target(self, target: CampaignTarget) -> bool:
        items = self.target_items.setdefault(target.campaign_id, {})
        if target.place_id in items:
            return False
        items[target.place_id] = target
        return True

    def save_target(self, target: CampaignTarget) -> None:
        stored = self.target_items[target.campaign_id][target.place_id]
        self.target_items[target.campaign_id][target.place_id] = stored.model_copy(
            update={
                "state": target.state,
                "channel": target.channel,
                "at": target.at,
                "seen_version": target.seen_version,
            }
        )

    def record_reminder(self, campaign_id: str, place_id: str, number: int, at: datetime) -> bool:
        stored = self.target_items[campaign_id][place_id]
        if stored.reminders != number - 1:
            return False
        self.target_items[campaign_id][place_id] = stored.model_copy(
            update={"reminders": number, "last_mailed_at": at}
        )
        return True


class InMemoryStartQueue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, campaign_id: str) -> None:
        self.sent.append(campaign_id)
