"""Newsletters in every supported language: the digest and the confirmation mail have their
fixed texts in each, right-to-left languages say so on the HTML (dir, lang)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.translations.fields import source_hash
from chalicelib.domain.translations.languages import LANGUAGES, RIGHT_TO_LEFT
from chalicelib.domain.translations.models import StoredTranslation
from functions.mail_render import JinjaMailRenderer
from tests.newsletter_support import FixedExports
from tests.translation_fakes import InMemoryTranslationStore
from tests.unit.newsletters.test_digest import EXPORT, WEEK, scripted_week


def digest_context(translations: InMemoryTranslationStore | None = None) -> dict[str, Any]:
    digest = DigestBuilder(
        scripted_week(),
        FixedExports([EXPORT]),
        site_url="https://repere.example.org",
        translations=translations,
    ).build("75", WEEK)
    return {**digest.context(), "unsubscribe_url": "https://repere.example.org/lettre/x"}


def translation(place_id: str, field: str, french: str, text: str, lang: str) -> StoredTranslation:
    return StoredTranslation.model_validate(
        {
            "place_id": place_id,
            "lang": lang,
            "field": field,
            "text": text,
            "source_hash": source_hash(french),
            "origin": "machine",
            "updated_at": datetime(2026, 11, 22, tzinfo=UTC),
        }
    )


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


def test_the_digest_shows_place_texts_in_the_subscribers_language_when_translated() -> None:
    store = InMemoryTranslationStore()
    store.put(
        translation(
            "e-message", "temporary_message.text", "Distribution à 14 h", "Роздача о 14:00", "uk"
        ),
        expected_version=None,
    )
    # Made from an older French text: never shown.
    store.put(
        translation("a-closes", "temporary_closure.reason", "Travaux anciens", "Ремонт", "uk"),
        expected_version=None,
    )
    store.put(
        translation("a-closes", "temporary_closure.reason", "Travaux", "أشغال", "ar"),
        expected_version=None,
    )
    context = digest_context(store)
    renderer = JinjaMailRenderer()
    ukrainian = renderer.render(message("newsletter_digest", "uk", context))
    assert "2026-11-20 → : Роздача о 14:00" in ukrainian.html
    assert "2026-11-20 → : Роздача о 14:00" in ukrainian.text
    assert "Travaux" in ukrainian.text  # no current Ukrainian translation: French
    assert 'lang="fr" dir="ltr">(2026-11-18 → 2026-11-30 : Travaux)' in ukrainian.html
    arabic = renderer.render(message("newsletter_digest", "ar", context))
    assert "2026-11-18 → 2026-11-30 : أشغال" in arabic.html
    french = renderer.render(message("newsletter_digest", "fr", context))
    assert "Роздача" not in french.html and "أشغال" not in french.html
    # Without translations, the stored issue keeps its shape (no empty maps).
    assert "translations" not in str(digest_context())
