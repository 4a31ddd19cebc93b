"""Ports of campaigns. Adapters: chalicelib/adapters/dynamodb/campaigns.py,
chalicelib/adapters/sqs (the start queue); in-memory fakes in tests/unit/campaigns/fakes.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from chalicelib.domain.places.sections import Section
from chalicelib.domain.selfupdate.models import IssuedLink


class CampaignRepository(Protocol):
    def create(self, campaign: Campaign) -> bool:
        """Store a new campaign and claim its departments, atomically; False (nothing written)
        when its id exists. Raises Conflict ``campaign_overlap`` when a department is claimed
        by another campaign not yet ended (the guarantee behind one running campaign per
        department, even for two starts at the same instant)."""
        ...

    def get(self, campaign_id: str) -> Campaign:
        """Raises NotFound."""
        ...

    def list_all(self) -> list[Campaign]:
        """Every campaign (a few per year and territory), newest first."""
        ...

    def replace(self, campaign: Campaign, *, expected_status: CampaignStatus) -> bool:
        """Replace a campaign only if its stored status is ``expected_status``; replacing it
        with an ended one also releases its departments."""
        ...

    def targets(self, campaign_id: str) -> list[CampaignTarget]:
        """Every target of the campaign (strongly consistent)."""
        ...

    def add_target(self, target: CampaignTarget) -> bool:
        """Store a new target; False (nothing written) when the place already is one."""
        ...

    def save_target(self, target: CampaignTarget) -> None:
        """Store a target's recomputed state (idempotent: computed from the history)."""
        ...

    def record_reminder(self, campaign_id: str, place_id: str, number: int, at: datetime) -> bool:
        """Count reminder ``number``, only if ``number - 1`` were counted before."""
        ...


class StartQueue(Protocol):
    def send(self, campaign_id: str) -> None:
        """Ask the campaigns worker to finish starting ``campaign_id``."""
        ...


class LinkIssuer(Protocol):
    """SelfUpdateService.issue_unchecked: the campaign checked its caller already. The link
    asks to check the campaign's ``sections``."""

    def issue_unchecked(self, place_id: str, *, sections: Sequence[Section]) -> IssuedLink: ...
