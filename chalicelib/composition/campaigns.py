"""Update campaigns (docs/campaigns.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition.mail import mail_queue

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.campaigns.service import CampaignService
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.selfupdate.service import SelfUpdateService


def campaign_service(
    settings: Settings, adapters: Adapters, clock: Clock, links: SelfUpdateService
) -> CampaignService:
    """Without REPERE_CAMPAIGNS_QUEUE_URL the API prepares whole campaigns itself."""
    from chalicelib.domain.campaigns.service import CampaignPolicy, CampaignService

    return CampaignService(
        adapters.campaign_repository,
        adapters.places,
        links,
        mail_queue(adapters),
        clock,
        starts=adapters.campaign_start_queue,
        policy=CampaignPolicy(
            reminder_delay_days=settings.campaign_reminder_delay_days,
            max_reminders=settings.campaign_max_reminders,
            http_max_places=settings.campaign_http_max_places,
            worker_max_places=settings.campaign_worker_max_places,
            timezone=settings.default_timezone,
        ),
    )
