"""functions/newsletters.py then functions/mailer.py under moto: issues built once, one SQS
message per (subscriber, issue), raw mails with one-click headers in moto's SES, no
duplicate on retries, suppressed addresses skipped."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import RawMessage, ses_backends

from chalicelib.adapters.dynamodb.subscriptions import NewsletterIssueRecord
from chalicelib.adapters.sqs.mail_queue import SqsMailQueue
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.mail.models import SuppressionReason
from chalicelib.domain.newsletters.models import SubscriptionRequest
from chalicelib.domain.newsletters.subscriptions import SubscriberIds
from functions import mailer, newsletters
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.newsletters.conftest import NOW
from tests.mail_support import FROM_ADDRESS, receive_all, sqs_event
from tests.newsletter_support import FixedExports, codec
from tests.selfupdate_fakes import InMemoryMailQueue
from tests.unit.newsletters.test_digest import EXPORT, scripted_week

SCHEDULED = {"time": "2026-11-23T05:00:00Z", "detail": {}}


@dataclass
class Stack:
    sqs: Any
    queue_url: str
    confirmations: InMemoryMailQueue

    def subscriber(self, address: str, *departments: str, language: str = "fr") -> None:
        service = roots.current().subscription_service
        service.subscribe(
            SubscriptionRequest(email=address, departments=list(departments), language=language)
        )
        url = str(self.confirmations.messages[-1].context["confirm_url"])
        service.confirm(url.split("#token=", 1)[1])

    def deliver_all(self) -> list[dict[str, Any]]:
        received = receive_all(self.sqs, self.queue_url)
        for start in range(0, len(received), 10):
            event = sqs_event(received[start : start + 10], TEST_REGION)
            assert mailer.handler(event, None) == {"batchItemFailures": []}
        return received


def raw_sent() -> list[email.message.Message]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][TEST_REGION]
    return [
        email.message_from_string(message.raw_data)
        for message in backend.sent_messages
        if isinstance(message, RawMessage)
    ]


@pytest.fixture
def stack(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    queue_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=FROM_ADDRESS)
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_MAIL_QUEUE_URL", queue_url)
    monkeypatch.setenv("REPERE_NEWSLETTER_API_URL", "https://api.repere.example.org")
    monkeypatch.setenv("REPERE_NEWSLETTER_UNSUBSCRIBE_MAILTO", "mailto:stop@repere.example.org")
    get_settings.cache_clear()
    roots.reset()
    confirmations = InMemoryMailQueue()
    roots.use(clock=FixedClock(NOW), places=scripted_week())
    roots.use(mail_queue=confirmations)
    roots.use(
        subscription_codec=codec(),
        latest_exports=FixedExports([EXPORT]),
        newsletter_queue=SqsMailQueue(sqs, queue_url),
    )
    try:
        yield Stack(sqs, queue_url, confirmations)
    finally:
        roots.reset()
        get_settings.cache_clear()


def test_the_weekly_run_mails_each_confirmed_subscriber_once_with_one_click_headers(
    stack: Stack,
) -> None:
    stack.subscriber("a@asso.org", "75")
    stack.subscriber("b@asso.org", "75", "93", language="en")
    roots.current().subscription_service.subscribe(
        SubscriptionRequest(email="pending@asso.org", departments=["75"])
    )
    report = newsletters.handler(SCHEDULED, None)
    assert report["week"] == "2026-W47"
    assert report["queued"] == 3
    assert NewsletterIssueRecord.count() == 2  # one stored digest per department

    received = stack.deliver_all()
    assert len(received) == 3
    sent = raw_sent()
    assert sorted(str(m["To"]) for m in sent) == ["a@asso.org", "b@asso.org", "b@asso.org"]
    for message in sent:
        unsubscribe = str(message["List-Unsubscribe"])
        assert unsubscribe.startswith(
            "<https://api.repere.example.org/subscriptions/unsubscribe?token="
        )
        assert unsubscribe.endswith(", <mailto:stop@repere.example.org>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
    subjects = sorted(
        (str(m["To"]), str(email.header.make_header(email.header.decode_header(str(m["Subject"])))))
        for m in sent
    )
    assert subjects == [
        ("a@asso.org", "Repère 75 : 8 changements du 16 novembre 2026 au 22 novembre 2026"),
        ("b@asso.org", "Repère 75: 8 changes from 16 November 2026 to 22 November 2026"),
        ("b@asso.org", "Repère 93: 1 change from 16 November 2026 to 22 November 2026"),
    ]


def test_retries_of_the_run_and_of_the_mailer_send_nothing_twice(stack: Stack) -> None:
    stack.subscriber("a@asso.org", "75")
    newsletters.handler(SCHEDULED, None)
    received = stack.deliver_all()
    # The scheduler retries the run: nothing is queued again.
    again = newsletters.handler(SCHEDULED, None)
    assert again["queued"] == 0
    assert [issue["status"] for issue in again["issues"]] == ["already_queued"]
    assert receive_all(stack.sqs, stack.queue_url) == []
    # SQS redelivers the mail batch: the sent-mail ledger drops it.
    mailer.handler(sqs_event(received, TEST_REGION), None)
    assert len(raw_sent()) == 1


def test_a_run_that_died_before_marking_the_issue_queued_sends_no_duplicate(
    stack: Stack,
) -> None:
    stack.subscriber("a@asso.org", "75")
    newsletters.handler(SCHEDULED, None)
    stack.deliver_all()
    # As if the worker had died after queuing, before marking the issue.
    NewsletterIssueRecord("newsletter:75:2026-W47").update(
        actions=[NewsletterIssueRecord.queued.remove()]
    )
    assert newsletters.handler(SCHEDULED, None)["queued"] == 1
    stack.deliver_all()
    assert len(raw_sent()) == 1


def test_suppressed_addresses_get_no_newsletter(stack: Stack) -> None:
    stack.subscriber("a@asso.org", "75")
    stack.subscriber("bounced@asso.org", "75")
    roots.current().adapters.suppression_list.suppress(
        "Bounced@asso.org", SuppressionReason.BOUNCE, NOW
    )
    newsletters.handler(SCHEDULED, None)
    stack.deliver_all()
    assert [str(m["To"]) for m in raw_sent()] == ["a@asso.org"]


def test_a_week_can_be_named_and_departments_chosen(stack: Stack) -> None:
    stack.subscriber("a@asso.org", "75", "93")
    report = newsletters.handler({"detail": {"week": "2026-W47", "departments": ["93"]}}, None)
    assert [issue["issue_id"] for issue in report["issues"]] == ["newsletter:93:2026-W47"]
    with pytest.raises(ValueError):
        newsletters.handler({"detail": {"departments": ["99"]}}, None)


def test_an_address_unsubscribed_after_the_fan_out_gets_nothing(stack: Stack) -> None:
    stack.subscriber("a@asso.org", "75")
    stack.subscriber("leaves@asso.org", "75")
    newsletters.handler(SCHEDULED, None)
    service = roots.current().subscription_service
    leaving = SubscriberIds(get_settings().newsletter_key()).of("leaves@asso.org")
    service.unsubscribe(service.unsubscribe_token(leaving))
    stack.deliver_all()
    assert [str(m["To"]) for m in raw_sent()] == ["a@asso.org"]
