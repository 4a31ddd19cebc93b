"""Campaigns end to end on moto: routes through chalice.test.Client on the DynamoDB adapters,
mails queued on SQS then fed to the mailer Lambda and read back from SES (recipients, subject,
link, one mail per place, no duplicate after a redelivery or a retried start), answers through
the links and the back office, reminders to places still to do, frozen figures, the campaigns
worker for large starts, scope errors, and the ``send`` option of update links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.places.models import PlaceStatus
from functions import campaign_reminders, campaigns, mailer
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75, VOLUNTEER_75, bearer, token
from tests.mail_support import FROM_ADDRESS, SentMail, receive_all, ses_sent, sqs_event

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKEN_IN_MAIL = re.compile(r"#token=([A-Za-z0-9_.-]+)")
MODERATOR_93 = bearer(token(Role.TERRITORY_MODERATOR, ("93",), "mod-93"))
BODY = {
    "name": "Hiver 2026",
    "departments": ["75", "93"],
    "sections": ["hours", "temporary_info", "contacts"],
    "end_date": "2026-12-15",
}


@dataclass
class Stack:
    client: Client
    clock: FixedClock
    sqs: Any
    mail_url: str
    campaigns_url: str

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        key: str | None = None,
        if_match: int | None = None,
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        if if_match is not None:
            all_headers["If-Match"] = f'"{if_match}"'
        raw = json.dumps(body).encode() if body is not None else b""
        response = self.client.http.request(method, path, headers=all_headers, body=raw)
        return response.status_code, json.loads(response.body) if response.body else None

    def start(self, key: str = "winter-2026", body: Any = None) -> tuple[int, Any]:
        return self.call("POST", "/admin/campaigns", ADMIN, body or BODY, key=key)

    def deliver_mail(self) -> list[dict[str, Any]]:
        """Feed the mail queue to the mailer Lambda; returns the messages (to redeliver)."""
        messages = receive_all(self.sqs, self.mail_url)
        if messages:
            assert mailer.handler(sqs_event(messages, TEST_REGION), None) == {
                "batchItemFailures": []
            }
        return messages


def _place(place_id: str, department: str = "75", email: bool = True, **fields: Any) -> Any:
    contacts = {"email": f"accueil@{place_id}.example.org"} if email else {}
    postal = "93200" if department == "93" else "75019"
    return make_place(
        place_id, department=department, postal_code=postal, contacts=contacts, **fields
    )


@pytest.fixture
def http_max_places() -> int | None:
    """Places the API prepares itself (None: the default); tests parametrize it."""
    return None


@pytest.fixture
def stack(
    dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch, http_max_places: int | None
) -> Iterator[Stack]:
    from app import app

    sqs = boto3.client("sqs", region_name=TEST_REGION)
    mail_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
    campaigns_url = sqs.create_queue(QueueName="campaigns")["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=FROM_ADDRESS)
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_MAIL_QUEUE_URL", mail_url)
    monkeypatch.setenv("REPERE_CAMPAIGNS_QUEUE_URL", campaigns_url)
    if http_max_places is not None:
        monkeypatch.setenv("REPERE_CAMPAIGN_HTTP_MAX_PLACES", str(http_max_places))
    get_settings.cache_clear()
    # Read now: inside chalice.test.Client the environment is the "dev" stage's.
    get_settings()
    roots.reset()
    DynamoPlaceRepository().load_fresh(
        [
            _place("a1"),
            _place("a2"),
            _place("a3", email=False),
            _place("b1", "93"),
            _place("b2", "93"),
            _place("draft", status=PlaceStatus.DRAFT),
        ]
    )
    clock = FixedClock(NOW)
    codec = JwtLinkCodec(StaticKeySource(KeyRing(current="k1", keys={"k1": "k" * 40})))
    roots.use(clock=clock)
    roots.use(link_codec=codec)
    try:
        with Client(app) as client:
            yield Stack(client, clock, sqs, mail_url, campaigns_url)
    finally:
        roots.reset()
        get_settings.cache_clear()


def _by_recipient(mails: list[SentMail]) -> dict[str, SentMail]:
    return {mail.to[0]: mail for mail in mails}


def _link(mail: SentMail) -> dict[str, str]:
    match = TOKEN_IN_MAIL.search(mail.body)
    assert match is not None, "the mail carries the link"
    return {"Authorization": f"Bearer {match.group(1)}"}


def test_a_campaign_mails_each_place_once_and_tracks_answers_until_its_figures_freeze(
    stack: Stack,
) -> None:
    status, report = stack.start()
    assert status == 201, report
    campaign_id = report["campaign"]["id"]
    assert report["campaign"]["status"] == "running"
    assert "fingerprint" not in report["campaign"]
    overall = report["progress"]["overall"]
    assert (overall["total"], overall["to_do"], overall["mailed"], overall["no_email"]) == (
        5,
        5,
        4,
        1,
    )

    messages = stack.deliver_mail()
    stack.deliver_mail()  # nothing new
    assert mailer.handler(sqs_event(messages, TEST_REGION), None) == {"batchItemFailures": []}
    # A client retry of the start (a timeout, a double click): same campaign, no new mail.
    status, again = stack.start()
    assert (status, again["campaign"]["id"]) == (200, campaign_id)
    stack.deliver_mail()
    mails = _by_recipient(ses_sent(TEST_REGION))
    assert sorted(mails) == [f"accueil@{p}.example.org" for p in ("a1", "a2", "b1", "b2")]
    assert len(ses_sent(TEST_REGION)) == 4
    a1 = mails["accueil@a1.example.org"]
    assert a1.subject == "Lieu a1 : mettez à jour vos informations sur Repère"
    assert "Hiver 2026" in a1.body
    assert "https://repere.example.org/mise-a-jour#token=" in a1.body
    # The mail names the campaign's sections, and its link asks exactly those.
    assert (
        "Merci de vérifier : vos horaires d'ouverture, vos informations temporaires "
        "(fermeture, horaires, message), vos coordonnées (téléphone, e-mail, site web)."
    ) in a1.body
    status, page = stack.call("GET", "/self-update", _link(a1))
    assert status == 200
    assert [section["id"] for section in page["sections"]] == BODY["sections"]

    # The answers: a1 confirms and a2 edits through their mails' links, b1 is edited in the
    # back office; b2 and a3 do nothing.
    stack.clock.set(NOW + timedelta(hours=3))
    status, _ = stack.call("POST", "/self-update/confirm", _link(a1), if_match=1)
    assert status == 200
    status, history = stack.call("GET", "/admin/places/a1/history", ADMIN)
    assert history["entries"][0]["sections"] == BODY["sections"]
    a2_link = _link(mails["accueil@a2.example.org"])
    outside = {"description": "Ouvert à tous les midis."}  # not a section of this campaign
    status, error = stack.call("PATCH", "/self-update", a2_link, outside, if_match=1)
    assert (status, error["code"], error["field"]) == (400, "outside_sections", "description")
    message = {"temporary_message": {"start_date": "2026-11-02", "text": "Ouvert tous les midis."}}
    status, _ = stack.call("PATCH", "/self-update", a2_link, message, if_match=1)
    assert status == 200
    status, _ = stack.call("PATCH", "/admin/places/b1", ADMIN, {"name": "Halte"}, if_match=1)
    assert status == 200

    status, report = stack.call("GET", f"/admin/campaigns/{campaign_id}", ADMIN)
    assert status == 200
    progress = report["progress"]
    overall = progress["overall"]
    assert (overall["to_do"], overall["confirmed_unchanged"], overall["updated"]) == (2, 1, 2)
    assert overall["done_percent"] == 60.0
    assert overall["by_channel"] == {
        "admin": {"confirmed_unchanged": 0, "updated": 1},
        "self-update": {"confirmed_unchanged": 1, "updated": 1},
    }
    assert progress["departments"]["75"]["done_percent"] == 66.7
    assert progress["departments"]["93"]["to_do"] == 1
    assert progress["frozen"] is False

    # A week later the reminder worker mails the one place still to do that has an e-mail.
    stack.clock.set(NOW + timedelta(days=7, hours=1))
    assert campaign_reminders.handler({}, None)["reminders_queued"] == 1
    assert campaign_reminders.handler({}, None)["reminders_queued"] == 0  # a rerun
    reminders = stack.deliver_mail()
    assert mailer.handler(sqs_event(reminders, TEST_REGION), None) == {"batchItemFailures": []}
    sent = ses_sent(TEST_REGION)
    assert len(sent) == 5
    reminder = sent[-1]
    assert reminder.to == ["accueil@b2.example.org"]
    assert reminder.subject == "Rappel : Lieu b2, vos informations sont-elles à jour ?"
    assert "#token=" in reminder.body
    assert "Merci de vérifier : vos horaires d'ouverture, vos informations" in reminder.body

    status, ended = stack.call("POST", f"/admin/campaigns/{campaign_id}/end", ADMIN)
    assert status == 200
    assert ended["campaign"]["status"] == "ended"
    assert ended["progress"]["frozen"] is True
    # b2 answers after the end: the figures stay as they were.
    stack.clock.set(NOW + timedelta(days=9))
    status, _ = stack.call("PATCH", "/admin/places/b2", ADMIN, {"name": "Tard"}, if_match=1)
    assert status == 200
    status, report = stack.call("GET", f"/admin/campaigns/{campaign_id}", ADMIN)
    assert report["progress"] == ended["progress"]
    assert report["progress"]["overall"]["reminders_sent"] == 1
    status, listing = stack.call("GET", "/admin/campaigns", ADMIN)
    assert [c["id"] for c in listing["campaigns"]] == [campaign_id]


@pytest.mark.parametrize("http_max_places", [2])
def test_a_large_start_is_finished_by_the_campaigns_worker_without_double_mail(
    stack: Stack,
) -> None:
    status, report = stack.start()
    assert status == 201
    assert report["campaign"]["status"] == "starting"
    assert report["progress"]["overall"]["total"] == 2
    jobs = receive_all(stack.sqs, stack.campaigns_url)
    assert len(jobs) == 1
    assert campaigns.handler(sqs_event(jobs, TEST_REGION), None) == {"batchItemFailures": []}
    assert campaigns.handler(sqs_event(jobs, TEST_REGION), None) == {"batchItemFailures": []}
    status, report = stack.call("GET", f"/admin/campaigns/{report['campaign']['id']}", ADMIN)
    assert report["campaign"]["status"] == "running"
    assert report["progress"]["overall"]["total"] == 5
    stack.deliver_mail()
    assert len(ses_sent(TEST_REGION)) == 4


@pytest.mark.parametrize(
    ("headers", "body", "key", "status", "code"),
    [
        ({}, BODY, "winter-2026", 401, None),
        (VOLUNTEER_75, BODY, "winter-2026", 403, "role_required"),
        (MODERATOR_75, BODY, "winter-2026", 403, "out_of_scope"),
        (ADMIN, BODY, None, 428, "idempotency_key_required"),
        (ADMIN, BODY, "short", 400, "invalid_input"),
        (ADMIN, {**BODY, "sections": ["hours", "weather"]}, "winter-2026", 400, None),
        (ADMIN, {**BODY, "departments": ["99"]}, "winter-2026", 400, None),
        (ADMIN, {**BODY, "end_date": "2026-10-01"}, "winter-2026", 400, "invalid_input"),
        (ADMIN, {**BODY, "colour": "blue"}, "winter-2026", 400, None),
    ],
)
def test_bad_starts_are_json_errors(
    stack: Stack,
    *,
    headers: dict[str, str],
    body: Any,
    key: str | None,
    status: int,
    code: str | None,
) -> None:
    got, error = stack.call("POST", "/admin/campaigns", headers, body, key=key)
    assert got == status, error
    if code is not None:
        assert error["code"] == code
    assert stack.deliver_mail() == []


def test_campaign_reads_are_scoped_and_checked(stack: Stack) -> None:
    _, report = stack.start()
    campaign_id = report["campaign"]["id"]
    assert stack.call("GET", f"/admin/campaigns/{campaign_id}", MODERATOR_93)[0] == 403
    assert stack.call("POST", f"/admin/campaigns/{campaign_id}/end", MODERATOR_93)[0] == 403
    assert stack.call("GET", "/admin/campaigns", MODERATOR_93)[1] == {"campaigns": []}
    assert stack.call("GET", "/admin/campaigns/cdoesnotexist", ADMIN)[0] == 404
    assert stack.call("GET", "/admin/campaigns/NOT-an-id", ADMIN)[0] == 400
    assert stack.call("GET", "/admin/campaigns?x=1", ADMIN)[0] == 400
    status, error = stack.start(key="winter-2026", body={**BODY, "name": "Autre"})
    assert (status, error["code"]) == (409, "idempotency_key_reused")
    status, error = stack.start(key="other-key-1")
    assert (status, error["code"]) == (409, "campaign_overlap")
    moderator = stack.call(
        "POST",
        "/admin/campaigns",
        MODERATOR_93,
        {**BODY, "departments": ["93"]},
        key="mod-93-key",
    )
    assert moderator[0] == 409  # 93 is in the running campaign


def test_an_update_link_can_be_mailed_to_the_place(stack: Stack) -> None:
    status, issued = stack.call("POST", "/admin/places/a1/update-links", ADMIN, {"send": True})
    assert status == 201, issued
    assert issued["mailed"] is True
    messages = stack.deliver_mail()
    assert mailer.handler(sqs_event(messages, TEST_REGION), None) == {"batchItemFailures": []}
    sent = ses_sent(TEST_REGION)
    assert [mail.to for mail in sent] == [["accueil@a1.example.org"]]
    assert issued["url"] in sent[0].body
    status, issued = stack.call("POST", "/admin/places/a1/update-links", ADMIN)
    assert (status, issued["mailed"]) == (201, False)
    status, error = stack.call("POST", "/admin/places/a3/update-links", ADMIN, {"send": True})
    assert (status, error["code"]) == (422, "no_email")
    status, error = stack.call("POST", "/admin/places/a1/update-links", ADMIN, {"send": "yes"})
    assert status == 400
    assert stack.deliver_mail() == []
