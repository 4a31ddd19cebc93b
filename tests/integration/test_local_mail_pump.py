"""The local stack's mail pump (devtools/local_mail.py): the bounce/complaint queue read into
the suppression list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from chalicelib import wiring
from chalicelib.config import get_settings
from devtools import local_mail
from devtools.local_mail import FEEDBACK_QUEUE, MAIL_QUEUE, MailPump
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX

SENDER = "no-reply@repere.example.org"


@pytest.fixture
def pump(
    dynamodb_tables: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MailPump]:
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setattr(local_mail, "ROOT", tmp_path)
    monkeypatch.setattr(local_mail, "OUTBOX", tmp_path / "outbox")
    (tmp_path / "outbox").mkdir()
    get_settings.cache_clear()
    wiring.reset()
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    mail = sqs.create_queue(QueueName=MAIL_QUEUE)["QueueUrl"]
    feedback = sqs.create_queue(QueueName=FEEDBACK_QUEUE)["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=SENDER)
    try:
        yield MailPump(mail, TEST_REGION, feedback)
    finally:
        wiring.reset()
        get_settings.cache_clear()


def test_a_bounce_on_the_feedback_queue_suppresses_the_address(pump: MailPump) -> None:
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    feedback = sqs.get_queue_url(QueueName=FEEDBACK_QUEUE)["QueueUrl"]
    bounce = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "Gone@Example.org"}],
        },
    }
    # As SNS delivers it to SQS without raw delivery: an envelope around the notification.
    envelope = {"Type": "Notification", "Message": json.dumps(bounce)}
    sqs.send_message(QueueUrl=feedback, MessageBody=json.dumps(envelope))

    assert not wiring.suppression_list().is_suppressed("gone@example.org")
    pump.drain_once()
    assert wiring.suppression_list().is_suppressed("gone@example.org")
    left = sqs.receive_message(QueueUrl=feedback, WaitTimeSeconds=0).get("Messages", [])
    assert left == []
