"""Newsletter API fixtures: the Chalice client, subscribers in moto's DynamoDB, queued mail
in memory, a static signing key, places of a scripted week, a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from functions.mail_render import JinjaMailRenderer
from tests import composition_support as roots
from tests.conftest import TEST_TABLE_PREFIX
from tests.fakes import InMemoryPlaceRepository
from tests.newsletter_support import FixedExports, codec
from tests.selfupdate_fakes import InMemoryMailQueue
from tests.unit.newsletters.test_digest import EXPORT, scripted_week

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class NewsletterApi:
    client: Client
    mail: InMemoryMailQueue
    clock: FixedClock
    places: InMemoryPlaceRepository

    def post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        raw = body if isinstance(body, (str, bytes)) else None
        if body is not None and raw is None:
            raw = json.dumps(body)
        response = self.client.http.post(path, headers=all_headers, body=raw or b"")
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.http.get(path, headers=headers or {})

    def confirm_token(self, index: int = -1) -> str:
        url = str(self.mail.messages[index].context["confirm_url"])
        return url.split("#token=", 1)[1]


@pytest.fixture
def newsletter_api(
    dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NewsletterApi]:
    from app import app

    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_NEWSLETTER_API_URL", "https://api.repere.example.org")
    get_settings.cache_clear()
    get_settings()  # read now, not inside a request (Chalice's "dev" stage environment)
    roots.reset()
    clock = FixedClock(NOW)
    places = scripted_week()
    mail = InMemoryMailQueue()
    roots.use(clock=clock, places=places)
    roots.use(mail_queue=mail)
    # Previews render in process here, as the newsletter-preview worker does in AWS (the
    # API's package holds no renderer: docs/newsletters.md, "Preview").
    roots.use(
        subscription_codec=codec(),
        latest_exports=FixedExports([EXPORT]),
        newsletter_renderer=JinjaMailRenderer(),
    )
    try:
        with Client(app) as client:
            yield NewsletterApi(client=client, mail=mail, clock=clock, places=places)
    finally:
        roots.reset()
        get_settings.cache_clear()
        get_settings()
