"""Languages: one list, negotiation of lang= and Accept-Language, every category labelled in
every language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.newsletters.models import Language as NewsletterLanguage
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from chalicelib.domain.translations.languages import (
    LANGUAGES,
    from_accept_language,
    negotiate,
)

CATEGORIES = Path(__file__).resolve().parents[3] / "chalicelib" / "data" / "categories.json"


def test_the_nine_languages() -> None:
    assert LANGUAGES == ("fr", "en", "ar", "uk", "ru", "fa", "ps", "es", "ro")


def test_every_category_has_a_label_in_every_language() -> None:
    def walk(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
        found = []
        for node in nodes:
            found.append(node)
            found.extend(walk(node.get("children", [])))  # type: ignore[arg-type]
        return found

    nodes = walk(json.loads(CATEGORIES.read_text(encoding="utf-8"))["categories"])
    assert len(nodes) == len(default_taxonomy().all())
    for node in nodes:
        for code in LANGUAGES:
            label = node.get(code)
            assert isinstance(label, str) and label.strip(), (node["id"], code)
        # A label is not left in French by mistake (Wifi is Wifi in several languages).
        for code in ("ar", "uk", "ru", "fa", "ps"):
            assert node[code] != node["fr"], (node["id"], code)
    taxonomy = default_taxonomy()
    assert taxonomy.get("shower").label("uk") == "Душ"
    assert taxonomy.get("legal_advice").label("es") == "Asesoría jurídica"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("uk-UA,uk;q=0.9,en;q=0.8", "uk"),
        ("de;q=1, ar;q=0.5, uk-UA;q=0.9", "uk"),
        ("en;q=0.5, es;q=0.5", "en"),  # equal q: the first listed
        ("fa;q=0, ps;q=0.2", "ps"),  # q=0 refuses
        ("*", "fr"),
        ("de, it", None),
        ("ar;q=abc, ru;q=2, ro", "ro"),  # malformed parts skipped
        ("", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_explicit_lang_wins_and_an_unsupported_one_lists_the_supported() -> None:
    assert negotiate("ar", "uk") == "ar"
    assert negotiate(None, "de") == "fr"
    with pytest.raises(InvalidInput) as raised:
        negotiate("de", None)
    assert raised.value.code == "unsupported_language"
    assert "fr, en, ar, uk, ru, fa, ps, es, ro" in str(raised.value)


def test_newsletters_speak_every_language() -> None:
    from typing import get_args

    assert get_args(NewsletterLanguage) == LANGUAGES
