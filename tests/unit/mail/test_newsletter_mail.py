"""List mail through the mailer: shared content stored once, one-click unsubscription
headers in the raw MIME message, a bounded send rate; transactional mail unchanged."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest

from chalicelib.adapters.ses.sender import SesV2Sender, mime_message
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.mail.models import (
    DeliveryStatus,
    ListUnsubscribe,
    MailMessage,
    RenderedMail,
    SuppressionReason,
)
from chalicelib.domain.mail.service import Mailer, MissingSharedContext, SendPacer
from chalicelib.domain.newsletters.digest import DigestBuilder
from functions.mail_render import JinjaMailRenderer, long_date
from tests.newsletter_support import FixedExports
from tests.selfupdate_fakes import (
    InMemorySentLedger,
    InMemorySuppressionList,
    RecordingMailSender,
)
from tests.unit.newsletters.test_digest import EXPORT, WEEK, scripted_week

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ONE_CLICK = ListUnsubscribe(
    url="https://api.repere.example.org/subscriptions/unsubscribe?token=t.o.k",
    mailto="mailto:desabonnement@repere.example.org",
)


class Shared:
    def __init__(self) -> None:
        digest = DigestBuilder(
            scripted_week(), FixedExports([EXPORT]), site_url="https://repere.example.org"
        ).build("75", WEEK)
        self.contents: dict[str, dict[str, Any]] = {digest.issue_id: dict(digest.context())}
        self.loads = 0

    def load(self, ref: str) -> dict[str, Any] | None:
        self.loads += 1
        return self.contents.get(ref)


def newsletter(message_id: str = "newsletter:75:2026-W47:s1", **fields: Any) -> MailMessage:
    data: dict[str, Any] = {
        "id": message_id,
        "template": "newsletter_digest",
        "to": "benevole@asso.org",
        "context": {"unsubscribe_url": "https://repere.example.org/lettre/desabonner#token=t"},
        "shared_context": "newsletter:75:2026-W47",
        "list_unsubscribe": ONE_CLICK,
        "subscription": "s1",
    }
    data.update(fields)
    return MailMessage.model_validate(data)


class Pipeline:
    def __init__(self) -> None:
        self.ledger = InMemorySentLedger()
        self.suppressions = InMemorySuppressionList()
        self.sender = RecordingMailSender()
        self.shared = Shared()
        self.active = {"s1"}
        self.mailer = Mailer(
            self.ledger,
            self.suppressions,
            JinjaMailRenderer(),
            self.sender,
            FixedClock(NOW),
            shared=self.shared,
            subscriptions=self,
        )

    def is_active(self, subscription: str) -> bool:
        return subscription in self.active


def test_a_newsletter_is_rendered_from_the_shared_issue_with_unsubscribe_headers() -> None:
    pipeline = Pipeline()
    assert pipeline.mailer.deliver(newsletter()).status is DeliveryStatus.SENT
    [(to, mail)] = pipeline.sender.sent
    assert to == "benevole@asso.org"
    assert mail.subject == "Repère 75 : 8 changements du 16 novembre 2026 au 22 novembre 2026"
    assert mail.headers == {
        "List-Unsubscribe": "<https://api.repere.example.org/subscriptions/unsubscribe"
        "?token=t.o.k>, <mailto:desabonnement@repere.example.org>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert '<a href="https://repere.example.org/fiche/a-closes">Lieu a-closes</a>' in mail.html
    assert "Fermetures temporaires (1)" in mail.text
    assert "https://api.repere.example.org/exports/75-pdf/download" in mail.text
    assert "desabonner#token=t" in mail.text


def test_the_english_digest_is_in_english() -> None:
    pipeline = Pipeline()
    pipeline.mailer.deliver(newsletter(locale="en"))
    [(_, mail)] = pipeline.sender.sent
    assert mail.subject == "Repère 75: 8 changes from 16 November 2026 to 22 November 2026"
    assert "Temporarily closed (1)" in mail.text
    assert "Unsubscribe" in mail.html


def test_a_missing_issue_fails_the_message_and_leaves_it_retryable() -> None:
    pipeline = Pipeline()
    with pytest.raises(MissingSharedContext):
        pipeline.mailer.deliver(newsletter(shared_context="newsletter:75:2026-W01"))
    assert pipeline.ledger.claims == {}
    assert pipeline.sender.sent == []


def test_a_suppressed_subscriber_gets_no_newsletter() -> None:
    pipeline = Pipeline()
    pipeline.suppressions.suppress("benevole@asso.org", SuppressionReason.BOUNCE, NOW)
    assert pipeline.mailer.deliver(newsletter()).status is DeliveryStatus.SUPPRESSED
    assert pipeline.sender.sent == []
    assert pipeline.shared.loads == 0


def test_a_redelivered_newsletter_is_sent_once() -> None:
    pipeline = Pipeline()
    pipeline.mailer.deliver(newsletter())
    assert pipeline.mailer.deliver(newsletter()).status is DeliveryStatus.DUPLICATE
    assert len(pipeline.sender.sent) == 1


def test_the_pacer_spaces_sends_without_sleeping_for_real() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = SendPacer(4, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    unlimited = SendPacer(0, monotonic=lambda: now[0], sleep=sleep)
    unlimited.wait()
    unlimited.wait()
    assert len(slept) == 4


def _parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def test_the_raw_message_carries_both_parts_and_the_list_headers() -> None:
    mail = RenderedMail(
        subject="Repère 75 : 8 changements",
        html="<p>Réouvertures</p>",
        text="Réouvertures",
        headers=ONE_CLICK.headers(),
    )
    parsed = _parsed(mime_message("no-reply@repere.example.org", "a@asso.org", mail))
    assert parsed["List-Unsubscribe"] == ONE_CLICK.headers()["List-Unsubscribe"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(email.header.make_header(email.header.decode_header(parsed["Subject"]))) == (
        "Repère 75 : 8 changements"
    )
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert parsed.get_content_type() == "multipart/alternative"
    text = parts["text/plain"].get_payload(decode=True)
    html = parts["text/html"].get_payload(decode=True)
    assert isinstance(text, bytes) and text.decode().rstrip() == "Réouvertures"
    assert isinstance(html, bytes) and "Réouvertures" in html.decode()


class RecordingSes:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        return {"MessageId": f"ses-{len(self.requests)}"}


def test_the_sender_sends_raw_list_mail_and_simple_transactional_mail() -> None:
    client = RecordingSes()
    sender = SesV2Sender(client, "no-reply@repere.example.org", "repere-mail")
    sender.send("a@asso.org", RenderedMail(subject="S", html="<p>h</p>", text="t"))
    sender.send(
        "a@asso.org", RenderedMail(subject="S", html="<p>h</p>", text="t", headers={"X-A": "1"})
    )
    simple, raw = client.requests
    assert "Simple" in simple["Content"]
    assert b"X-A: 1" in raw["Content"]["Raw"]["Data"]
    assert raw["ConfigurationSetName"] == "repere-mail"


def test_confirmation_mail_renders_in_both_languages() -> None:
    renderer = JinjaMailRenderer()
    for locale, words in (("fr", "Confirmer mon abonnement"), ("en", "Confirm my subscription")):
        mail = renderer.render(
            MailMessage(
                id="c1",
                template="newsletter_confirm",
                to="a@asso.org",
                locale=locale,
                context={
                    "confirm_url": "https://repere.example.org/lettre/confirmer#token=x",
                    "departments": ["75", "93"],
                    "valid_days": 7,
                },
            )
        )
        assert words in mail.html
        assert "75, 93" in mail.text


def test_a_newsletter_queued_before_its_subscriber_left_is_not_sent() -> None:
    pipeline = Pipeline()
    pipeline.active.clear()
    assert pipeline.mailer.deliver(newsletter()).status is DeliveryStatus.UNSUBSCRIBED
    assert pipeline.sender.sent == []
    assert pipeline.ledger.claims == {}


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ("2026-11-16", "fr", "16 novembre 2026"),
        ("2026-08-01", "fr", "1er août 2026"),
        ("2026-08-01", "en", "1 August 2026"),
        ("2026-02-28", "de", "28 février 2026"),  # unknown locale: French, the reference
    ],
)
def test_dates_in_mails_are_written_as_people_write_them(
    value: str, locale: str, expected: str
) -> None:
    assert long_date(value, locale) == expected
