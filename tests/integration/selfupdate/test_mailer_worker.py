"""functions/mailer.py under moto: SQS → render → SES v2, once per message id; bounces and
complaints through SNS → SQS reach the suppression list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from chalicelib.adapters.sqs.mail_queue import SqsMailQueue
from chalicelib.config import get_settings
from chalicelib.domain.mail.models import MailMessage
from functions import mailer
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.mail_support import FROM_ADDRESS, receive_all, ses_sent, sqs_event


@dataclass
class Stack:
    sqs: Any
    queue_url: str
    feedback_url: str
    queue: SqsMailQueue


@pytest.fixture
def stack(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    queue_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
    feedback_url = sqs.create_queue(QueueName="mail-feedback")["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=FROM_ADDRESS)
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_MAIL_QUEUE_URL", queue_url)
    get_settings.cache_clear()
    roots.reset()
    try:
        yield Stack(sqs, queue_url, feedback_url, SqsMailQueue(sqs, queue_url))
    finally:
        roots.reset()
        get_settings.cache_clear()


def _message(message_id: str, to: str, place: str) -> MailMessage:
    return MailMessage(
        id=message_id,
        template="self_update_link",
        to=to,
        context={
            "place_name": place,
            "link_url": f"https://repere.example.org/mise-a-jour#token=t-{message_id}",
            "expires_on": "2 décembre 2026",
            "campaign_name": None,
        },
    )


def test_queued_mails_are_sent_through_ses_once_each_even_when_redelivered(
    stack: Stack,
) -> None:
    stack.queue.send(_message("link-p1-1", "accueil@halte.org", "Halte"))
    stack.queue.send(_message("link-p2-1", "contact@douches.org", "Bains-douches"))
    received = receive_all(stack.sqs, stack.queue_url)
    assert mailer.handler(sqs_event(received, TEST_REGION), None) == {"batchItemFailures": []}
    # SQS redelivers the whole batch (a visibility timeout, a crash after sending).
    assert mailer.handler(sqs_event(received, TEST_REGION), None) == {"batchItemFailures": []}
    sent = ses_sent(TEST_REGION)
    assert sorted(mail.to[0] for mail in sent) == ["accueil@halte.org", "contact@douches.org"]
    by_to = {mail.to[0]: mail for mail in sent}
    halte = by_to["accueil@halte.org"]
    assert halte.source == FROM_ADDRESS
    assert halte.subject == "Halte : mettez à jour vos informations sur Repère"
    assert "https://repere.example.org/mise-a-jour#token=t-link-p1-1" in halte.body


def test_a_bad_record_fails_alone(stack: Stack) -> None:
    stack.queue.send(_message("ok-1", "accueil@halte.org", "Halte"))
    stack.sqs.send_message(QueueUrl=stack.queue_url, MessageBody='{"id": "x"}')
    received = receive_all(stack.sqs, stack.queue_url)
    bad = next(message for message in received if message["Body"] == '{"id": "x"}')
    response = mailer.handler(sqs_event(received, TEST_REGION), None)
    assert response == {"batchItemFailures": [{"itemIdentifier": bad["MessageId"]}]}
    assert len(ses_sent(TEST_REGION)) == 1


def test_an_unverified_sender_fails_and_is_retried_later(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPERE_MAIL_FROM_ADDRESS", "someone@unverified.example")
    get_settings.cache_clear()
    roots.refresh()
    stack.queue.send(_message("retry-1", "accueil@halte.org", "Halte"))
    received = receive_all(stack.sqs, stack.queue_url)
    response = mailer.handler(sqs_event(received, TEST_REGION), None)
    assert response == {"batchItemFailures": [{"itemIdentifier": received[0]["MessageId"]}]}
    monkeypatch.delenv("REPERE_MAIL_FROM_ADDRESS")
    get_settings.cache_clear()
    roots.refresh()
    assert mailer.handler(sqs_event(received, TEST_REGION), None) == {"batchItemFailures": []}
    assert len(ses_sent(TEST_REGION)) == 1


def _sns_envelope(notification: dict[str, Any]) -> str:
    return json.dumps({"Type": "Notification", "Message": json.dumps(notification)})


def test_bounces_and_complaints_from_sns_stop_later_mail(stack: Stack) -> None:
    bounce = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "Accueil@Halte.org"}],
        },
    }
    complaint = {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "contact@douches.org"}]},
    }
    stack.sqs.send_message(QueueUrl=stack.feedback_url, MessageBody=_sns_envelope(bounce))
    stack.sqs.send_message(QueueUrl=stack.feedback_url, MessageBody=json.dumps(complaint))
    feedback = receive_all(stack.sqs, stack.feedback_url)
    assert mailer.feedback_handler(sqs_event(feedback, TEST_REGION), None) == {
        "batchItemFailures": []
    }
    stack.queue.send(_message("after-1", "accueil@halte.org", "Halte"))
    stack.queue.send(_message("after-2", "contact@douches.org", "Bains-douches"))
    stack.queue.send(_message("after-3", "autre@asso.org", "Autre"))
    mailer.handler(sqs_event(receive_all(stack.sqs, stack.queue_url), TEST_REGION), None)
    assert [mail.to for mail in ses_sent(TEST_REGION)] == [["autre@asso.org"]]
