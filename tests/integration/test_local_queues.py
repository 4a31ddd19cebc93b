"""devtools/local_queues.py: on the local stack, a batch update over the API's share answers
202 and the batch-updates pump finishes it; a campaign start answers with its first places and
the campaigns pump prepares the rest, mailing each place once. In-process moto; the pumps are
drained by hand (their threads only loop over ``drain_once``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from devtools.local_queues import (
    BATCH_QUEUE,
    CAMPAIGN_HTTP_MAX_PLACES,
    CAMPAIGNS_QUEUE,
    QUEUES,
    QueuePump,
    prepare_queues,
)
from functions import mailer
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN
from tests.mail_support import FROM_ADDRESS, receive_all, ses_sent, sqs_event

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BATCH_PLACES = 120  # over the 100 a request applies itself
CAMPAIGN_PLACES = 3 * CAMPAIGN_HTTP_MAX_PLACES


@dataclass
class LocalStack:
    client: Client
    pumps: dict[str, QueuePump]
    sqs: Any
    mail_url: str

    def call(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", **ADMIN}
        if key is not None:
            headers["Idempotency-Key"] = key
        raw = json.dumps(body).encode() if body is not None else b""
        response = self.client.http.request(method, path, headers=headers, body=raw)
        return response.status_code, json.loads(response.body) if response.body else None

    def drain(self, queue: str) -> int:
        """Run the pump until its queue is empty; returns the messages it handled."""
        handled = 0
        while received := self.pumps[queue].drain_once():
            handled += received
        return handled


@pytest.fixture
def stack(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    from app import app

    sqs = boto3.client("sqs", region_name=TEST_REGION)
    mail_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=FROM_ADDRESS)
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_MAIL_QUEUE_URL", mail_url)
    for name, value in prepare_queues(TEST_REGION).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_settings()  # read now: inside chalice.test.Client the environment is the "dev" stage's
    roots.reset()
    roots.use(clock=FixedClock(NOW))
    roots.use(
        link_codec=JwtLinkCodec(StaticKeySource(KeyRing(current="k1", keys={"k1": "k" * 40})))
    )
    pumps = {
        spec.name: QueuePump(
            get_settings().model_dump()[_setting(spec.env)], spec.name, spec.handler(), TEST_REGION
        )
        for spec in QUEUES
    }
    try:
        with Client(app) as client:
            yield LocalStack(client, pumps, sqs, mail_url)
    finally:
        roots.reset()
        get_settings.cache_clear()


def _setting(env: str) -> str:
    return env.removeprefix("REPERE_").lower()


def _place(number: int) -> Any:
    return make_place(f"p{number:03d}", contacts={"email": f"accueil@p{number:03d}.example.org"})


def test_a_large_batch_answers_202_and_the_pumped_worker_applies_it(stack: LocalStack) -> None:
    DynamoPlaceRepository().load_fresh([_place(number) for number in range(BATCH_PLACES)])
    body = {
        "idempotency_key": "lockdown-2020-03-17",
        "selection": {"filter": {"department": "75", "status": "online"}},
        "patch": {"temporary_closure": {"start_date": "2020-03-17", "reason": "Confinement"}},
        "comment": "confinement",
    }

    status, answer = stack.call("POST", "/admin/batch-updates", body)
    assert (status, answer["report"]["complete"]) == (202, False)

    assert stack.drain(BATCH_QUEUE) == 1
    status, report = stack.call("GET", answer["status_url"])
    assert (status, report["complete"]) == (200, True)
    assert {key: value for key, value in report["counts"].items() if value} == {
        "applied": BATCH_PLACES
    }
    assert DynamoPlaceRepository().get("p119").temporary_closure is not None


def test_a_campaign_start_answers_with_its_first_places_and_the_pump_prepares_the_rest(
    stack: LocalStack,
) -> None:
    DynamoPlaceRepository().load_fresh([_place(number) for number in range(CAMPAIGN_PLACES)])
    body = {
        "name": "Hiver 2026",
        "departments": ["75"],
        "sections": ["hours", "temporary_info", "contacts"],
        "end_date": "2026-12-15",
    }

    status, answer = stack.call("POST", "/admin/campaigns", body, key="winter-2026")
    assert status == 201
    assert answer["campaign"]["status"] == "starting"
    assert answer["progress"]["overall"]["total"] == CAMPAIGN_HTTP_MAX_PLACES

    assert stack.drain(CAMPAIGNS_QUEUE) >= 1
    # A retried start (a client that timed out) names the same campaign and changes nothing.
    status, again = stack.call("POST", "/admin/campaigns", body, key="winter-2026")
    assert (status, again["campaign"]["id"]) == (200, answer["campaign"]["id"])
    assert stack.drain(CAMPAIGNS_QUEUE) == 0

    status, report = stack.call("GET", f"/admin/campaigns/{answer['campaign']['id']}")
    assert report["campaign"]["status"] == "running"
    assert report["progress"]["overall"]["total"] == CAMPAIGN_PLACES
    assert report["progress"]["overall"]["mailed"] == CAMPAIGN_PLACES
    messages = receive_all(stack.sqs, stack.mail_url)
    assert mailer.handler(sqs_event(messages, TEST_REGION), None) == {"batchItemFailures": []}
    recipients = [mail.to[0] for mail in ses_sent(TEST_REGION)]
    assert sorted(recipients) == sorted(set(recipients))
    assert len(recipients) == CAMPAIGN_PLACES
