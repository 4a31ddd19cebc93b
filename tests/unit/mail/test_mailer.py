"""The mailer: once per message id, suppression honoured, failures retried; bounce and
complaint notifications; French templates with HTML and text parts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.mail.models import DeliveryStatus, MailMessage, SuppressionReason
from chalicelib.domain.mail.service import Mailer, addresses_to_suppress, record_feedback
from functions.mail_render import JinjaMailRenderer
from tests.selfupdate_fakes import (
    InMemorySentLedger,
    InMemorySuppressionList,
    RecordingMailSender,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONTEXT: dict[str, Any] = {
    "place_name": "Halte <Solidaire> & co",
    "link_url": "https://repere.example.org/mise-a-jour#token=abc.def.ghi",
    "expires_on": "2 décembre 2026",
    "campaign_name": None,
}


def message(message_id: str = "m1", to: str = "Accueil@Example.org", **fields: Any) -> MailMessage:
    data: dict[str, Any] = {
        "id": message_id,
        "template": "self_update_link",
        "to": to,
        "context": CONTEXT,
    }
    data.update(fields)
    return MailMessage.model_validate(data)


class Pipeline:
    def __init__(self) -> None:
        self.ledger = InMemorySentLedger()
        self.suppressions = InMemorySuppressionList()
        self.sender = RecordingMailSender()
        self.mailer = Mailer(
            self.ledger, self.suppressions, JinjaMailRenderer(), self.sender, FixedClock(NOW)
        )


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline()


def test_a_message_is_rendered_and_sent_once(pipeline: Pipeline) -> None:
    outcome = pipeline.mailer.deliver(message())
    assert outcome.status is DeliveryStatus.SENT
    assert outcome.provider_id == "provider-1"
    [(to, mail)] = pipeline.sender.sent
    assert to == "accueil@example.org"
    assert mail.subject == "Halte <Solidaire> & co : mettez à jour vos informations sur Repère"
    assert CONTEXT["link_url"] in mail.html
    assert CONTEXT["link_url"] in mail.text


def test_a_redelivered_message_is_skipped(pipeline: Pipeline) -> None:
    pipeline.mailer.deliver(message())
    again = pipeline.mailer.deliver(message())
    assert again.status is DeliveryStatus.DUPLICATE
    assert len(pipeline.sender.sent) == 1


def test_a_failed_send_releases_its_claim_so_the_retry_sends(pipeline: Pipeline) -> None:
    pipeline.sender.fail_next = True
    with pytest.raises(ConnectionError):
        pipeline.mailer.deliver(message())
    assert pipeline.mailer.deliver(message()).status is DeliveryStatus.SENT
    assert len(pipeline.sender.sent) == 1


def test_a_suppressed_address_is_never_mailed(pipeline: Pipeline) -> None:
    pipeline.suppressions.suppress("accueil@example.org", SuppressionReason.BOUNCE, NOW)
    outcome = pipeline.mailer.deliver(message(to="ACCUEIL@example.org"))
    assert outcome.status is DeliveryStatus.SUPPRESSED
    assert pipeline.sender.sent == []


def test_html_is_escaped_and_the_text_part_is_not() -> None:
    mail = JinjaMailRenderer().render(message())
    assert "Halte &lt;Solidaire&gt; &amp; co" in mail.html
    assert "Halte <Solidaire> & co" in mail.text
    assert '<html lang="fr">' in mail.html


def test_a_locale_without_templates_falls_back_to_french() -> None:
    mail = JinjaMailRenderer().render(message(locale="en"))
    assert "mettez à jour" in mail.subject


def test_the_campaign_reminder_names_the_campaign() -> None:
    context = {**CONTEXT, "campaign_name": "Hiver 2026"}
    mail = JinjaMailRenderer().render(message(template="campaign_reminder", context=context))
    assert mail.subject.startswith("Rappel")
    assert "Hiver 2026" in mail.text
    assert "Hiver 2026" in mail.html


@pytest.mark.parametrize("template", ["self_update_link", "campaign_reminder"])
def test_campaign_mails_say_which_sections_to_check(template: str) -> None:
    context = {**CONTEXT, "campaign_name": "Hiver 2026", "sections": ["hours", "temporary_info"]}
    mail = JinjaMailRenderer().render(message(template=template, context=context))
    sentence = (
        "Merci de vérifier : vos horaires d'ouverture, vos informations temporaires "
        "(fermeture, horaires, message)."
    )
    assert sentence in mail.text
    assert "<p>" + sentence + "</p>" in mail.html
    assert "coordonnées" not in mail.text  # contacts were not asked


def test_a_link_mailed_outside_a_campaign_names_every_section() -> None:
    context = {**CONTEXT, "sections": ["hours", "temporary_info", "contacts", "description",
                                       "services"]}  # fmt: skip
    mail = JinjaMailRenderer().render(message(context=context))
    assert "vos coordonnées (téléphone, e-mail, site web)" in mail.text
    assert "les fermetures temporaires de vos services." in mail.text


def test_a_message_queued_before_sections_existed_names_every_section() -> None:
    """Its link asked everything; the mail says so rather than failing."""
    mail = JinjaMailRenderer().render(message(template="campaign_reminder"))
    assert "Merci de vérifier : vos horaires d'ouverture" in mail.text
    assert "la présentation de votre structure" in mail.text


def test_an_unknown_section_fails_rather_than_mailing_a_hole() -> None:
    with pytest.raises(UndefinedError):
        JinjaMailRenderer().render(message(context={**CONTEXT, "sections": ["weather"]}))


def test_an_unknown_template_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        JinjaMailRenderer().render(message(template="nope"))


def test_a_missing_context_value_fails_rather_than_sending_a_hole() -> None:
    with pytest.raises(UndefinedError):
        JinjaMailRenderer().render(message(context={"place_name": "x"}))


def test_bad_addresses_and_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        message(to="not-an-address")
    with pytest.raises(ValueError):
        message(message_id="has space")


def _bounce(kind: str, *addresses: str) -> dict[str, Any]:
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bouncedRecipients": [{"emailAddress": address} for address in addresses],
        },
    }


def test_permanent_bounces_and_complaints_suppress_transient_bounces_do_not() -> None:
    assert addresses_to_suppress(_bounce("Permanent", "A@x.org")) == [
        ("a@x.org", SuppressionReason.BOUNCE)
    ]
    assert addresses_to_suppress(_bounce("Transient", "a@x.org")) == []
    complaint = {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "b@x.org"}]},
    }
    assert addresses_to_suppress(complaint) == [("b@x.org", SuppressionReason.COMPLAINT)]
    assert addresses_to_suppress({"notificationType": "Delivery"}) == []


def test_recorded_feedback_stops_later_mail(pipeline: Pipeline) -> None:
    count = record_feedback(
        _bounce("Permanent", "accueil@example.org"), pipeline.suppressions, FixedClock(NOW)
    )
    assert count == 1
    assert pipeline.mailer.deliver(message()).status is DeliveryStatus.SUPPRESSED
