"""Newsletters in every supported language: the digest and the confirmation mail have their
fixed texts in each, right-to-left languages say so on the HTML (dir, lang)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.translations.languages import LANGUAGES, RIGHT_TO_LEFT
from functions.mail_render import JinjaMailRenderer
from tests.newsletter_support import FixedExports
from tests.unit.newsletters.test_digest import EXPORT, WEEK, scripted_week


def digest_context() -> dict[str, Any]:
    digest = DigestBuilder(
        scripted_week(), FixedExports([EXPORT]), site_url="https://repere.example.org"
    ).build("75", WEEK)
    return {**digest.context(), "unsubscribe_url": "https://repere.example.org/lettre/x"}


def message(template: str, locale: str, context: dict[str, Any]) -> MailMessage:
    return MailMessage.model_validate(
        {
            "id": f"{template}:{locale}",
            "template": template,
            "to": "benevole@asso.org",
            "context": context,
            "locale": locale,
        }
    )


CONFIRM: dict[str, Any] = {
    "confirm_url": "https://repere.example.org/lettre/confirmer#token=t",
    "departments": ["75", "93"],
    "valid_days": 7,
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_both_mails_in_its_own_words(lang: str) -> None:
    renderer = JinjaMailRenderer()
    french = renderer.render(message("newsletter_digest", "fr", digest_context()))
    digest = renderer.render(message("newsletter_digest", lang, digest_context()))
    confirm = renderer.render(message("newsletter_confirm", lang, CONFIRM))
    if lang != "fr":
        assert digest.subject != french.subject
        assert digest.html != french.html
    assert "https://repere.example.org/lettre/x" in digest.text
    assert CONFIRM["confirm_url"] in confirm.html and CONFIRM["confirm_url"] in confirm.text
    assert "75, 93" in confirm.text
    rtl = 'dir="rtl"' in digest.html
    assert rtl == (lang in RIGHT_TO_LEFT)
    assert ('dir="rtl"' in confirm.html) == (lang in RIGHT_TO_LEFT)


def test_arabic_digest_is_right_to_left_and_keeps_place_names_as_written() -> None:
    digest = JinjaMailRenderer().render(message("newsletter_digest", "ar", digest_context()))
    assert '<html lang="ar" dir="rtl">' in digest.html
    assert "ريبير" in digest.subject
    assert "إلغاء الاشتراك" in digest.html
    assert 'lang="fr" dir="ltr"' in digest.html  # names and cities stay in French


def test_ukrainian_digest_and_confirmation() -> None:
    renderer = JinjaMailRenderer()
    digest = renderer.render(message("newsletter_digest", "uk", digest_context()))
    assert '<html lang="uk" dir="ltr">' in digest.html
    assert "Відписатися" in digest.html and "Відписатися" in digest.text
    confirm = renderer.render(message("newsletter_confirm", "uk", CONFIRM))
    assert confirm.subject == "Підтвердіть підписку на розсилку Repère"
    assert "Підтвердити підписку" in confirm.html
    assert "7 днів" in confirm.text
