"""Lambda function ``campaign-reminders`` (EventBridge schedule, daily): for every running
campaign, one reminder mail to each place still to do after the campaign's delay (at most
REPERE_CAMPAIGN_MAX_REMINDERS per place, each with a fresh link), and the end of campaigns
past their end date, their figures frozen (docs/campaigns.md).

Reruns are harmless: reminder ``n`` of a place has the mail id
``campaign:<id>:<place>:reminder:<n>`` and is counted by a conditional update.

Event: ignored (``{}``). Answers ``{"campaigns", "reminders_queued", "ended"}``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import logger
from functions.runtime import services, worker


@worker("repere-campaign-reminders")
def handler(event: Any, context: Any) -> dict[str, Any]:
    del event, context
    run = services().campaign_service.run_reminders()
    logger.info("campaign_reminders", extra=run.model_dump(mode="json"))
    result: dict[str, Any] = run.model_dump(mode="json")
    return result
