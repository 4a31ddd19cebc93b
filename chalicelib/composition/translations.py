"""Translations (docs/translations.md): the public views' localizer, the worker's feed
reader, the moderators' corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.translations.service import (
        Localizer,
        TranslationCorrections,
        TranslationFeed,
    )


def localizer(adapters: Adapters) -> Localizer:
    from chalicelib.domain.translations.service import Localizer

    return Localizer(adapters.translations)


def translation_feed(adapters: Adapters, clock: Clock) -> TranslationFeed:
    from chalicelib.domain.translations.service import TranslationFeed, TranslationRefresher

    refresher = TranslationRefresher(adapters.translations, adapters.translator, clock)
    return TranslationFeed(adapters.change_log, adapters.translations, refresher)


def translation_corrections(adapters: Adapters, clock: Clock) -> TranslationCorrections:
    from chalicelib.domain.translations.service import TranslationCorrections

    return TranslationCorrections(adapters.places, adapters.translations, clock)
