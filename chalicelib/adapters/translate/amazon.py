"""Amazon Translate behind the ``Translator`` port: one ``TranslateText`` call per text
(the API has no multi-text form; a place has a handful of texts). French is always the
source; our language codes are Amazon's (fa, ps, uk, ro, ar...). Errors propagate: the
worker keeps its checkpoint and the next run translates again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.translations.languages import SOURCE, Language

MAX_TEXT_BYTES = 10_000
"""TranslateText refuses longer texts (UTF-8 bytes); place texts are at most 4,000 chars."""


class AmazonTranslator:
    def __init__(self, client: Any) -> None:
        self._client = client

    def translate(self, texts: Sequence[str], target: Language) -> list[str]:
        results: list[str] = []
        for text in texts:
            if target == SOURCE:
                results.append(text)
                continue
            if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
                raise ValueError(f"a text of over {MAX_TEXT_BYTES} bytes cannot be translated")
            answer = self._client.translate_text(
                Text=text, SourceLanguageCode=SOURCE, TargetLanguageCode=target
            )
            results.append(str(answer["TranslatedText"]))
        return results
