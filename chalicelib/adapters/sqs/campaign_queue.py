"""The campaigns queue on SQS (implements ``StartQueue``): campaign ids whose start the
campaigns worker (functions/campaigns.py) finishes."""

from __future__ import annotations

import json
from typing import Any


class SqsCampaignQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        # ``client``: a boto3 SQS client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._queue_url = queue_url

    def send(self, campaign_id: str) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=json.dumps({"campaign_id": campaign_id})
        )
