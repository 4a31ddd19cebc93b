"""A deterministic stand-in for machine translation (``REPERE_TRANSLATOR=pseudo``): the local
stack (`make run`) has no network, so texts come back marked with their language
(``[uk] Douches chaudes``), which shows the whole path working without Amazon Translate."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.translations.languages import Language


class PseudoTranslator:
    def translate(self, texts: Sequence[str], target: Language) -> list[str]:
        return [f"[{target}] {text}" for text in texts]
