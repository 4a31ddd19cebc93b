"""The local stack's mail pump (devtools/local_mail.py): whole messages in the outbox, every
header of a raw one kept, and the bounce/complaint queue read into the suppression list."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from pathlib import Path

import boto3
import pytest

from chalicelib.adapters.ses.sender import SesV2Sender
from chalicelib.config import get_settings
from chalicelib.domain.mail.models import RenderedMail
from devtools import local_mail
from devtools.local_mail import FEEDBACK_QUEUE, MAIL_QUEUE, MailPump
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX

SENDER = "no-reply@repere.example.org"
UNSUBSCRIBE = "<https://api.example.org/subscriptions/unsubscribe?token=abc>"


@pytest.fixture
def pump(
    dynamodb_tables: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MailPump]:
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setattr(local_mail, "ROOT", tmp_path)
    monkeypatch.setattr(local_mail, "OUTBOX", tmp_path / "outbox")
    (tmp_path / "outbox").mkdir()
    get_settings.cache_clear()
    roots.reset()
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    mail = sqs.create_queue(QueueName=MAIL_QUEUE)["QueueUrl"]
    feedback = sqs.create_queue(QueueName=FEEDBACK_QUEUE)["QueueUrl"]
    boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(EmailIdentity=SENDER)
    try:
        yield MailPump(mail, TEST_REGION, feedback)
    finally:
        roots.reset()
        get_settings.cache_clear()


def _sender() -> SesV2Sender:
    return SesV2Sender(boto3.client("sesv2", region_name=TEST_REGION), SENDER)


def test_a_list_mail_is_kept_whole_with_its_unsubscribe_headers(
    pump: MailPump, tmp_path: Path
) -> None:
    mail = RenderedMail(
        subject="Lettre de Paris, semaine 49",
        html="<p>Les nouveautés</p>",
        text="Les nouveautés",
        headers={
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    _sender().send("ana@example.org", mail)
    assert pump.drain_once() == 1

    eml = tmp_path / "outbox" / "0001-lettre-de-paris-semaine-49.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["List-Unsubscribe"] == UNSUBSCRIBE
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"] == "ana@example.org"
    assert message["Message-ID"]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Les nouveautés" in text.get_content()
    assert "Les nouveautés" in eml.with_suffix(".html").read_text(encoding="utf-8")


def test_a_simple_mail_is_rebuilt_from_what_moto_kept(pump: MailPump, tmp_path: Path) -> None:
    mail = RenderedMail(subject="Votre lien de mise à jour", html="<p>Le lien</p>", text="x")
    _sender().send("structure@example.org", mail)
    assert pump.drain_once() == 1

    eml = tmp_path / "outbox" / "0001-votre-lien-de-mise-jour.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["From"] == SENDER
    assert message["To"] == "structure@example.org"
    assert message["Subject"] == "Votre lien de mise à jour"
    assert "rebuilt" in message["X-Repere-Outbox"]
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<p>Le lien</p>" in html.get_content()


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

    assert not roots.current().adapters.suppression_list.is_suppressed("gone@example.org")
    pump.drain_once()
    assert roots.current().adapters.suppression_list.is_suppressed("gone@example.org")
    left = sqs.receive_message(QueueUrl=feedback, WaitTimeSeconds=0).get("Messages", [])
    assert left == []
