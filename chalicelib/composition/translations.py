"""Translations (docs/translations.md): the public views' localizer, the worker's feed
reader, backfill and announcement sweep, the moderators' corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.domain.changes.service import ChangeFeed
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.translations.service import (
        AnnouncementTranslations,
        Localizer,
        TranslationBackfill,
        TranslationCorrections,
        TranslationFeed,
        TranslationRefresher,
    )


def localizer(adapters: Adapters) -> Localizer:
    from chalicelib.domain.translations.service import Localizer

    return Localizer(adapters.translations)


def _refresher(adapters: Adapters, clock: Clock) -> TranslationRefresher:
    from chalicelib.domain.translations.service import TranslationRefresher

    return TranslationRefresher(adapters.translations, adapters.translator, clock)


def translation_feed(adapters: Adapters, clock: Clock) -> TranslationFeed:
    from chalicelib.domain.translations.service import TranslationFeed

    return TranslationFeed(adapters.change_log, adapters.translations, _refresher(adapters, clock))


def translation_backfill(
    adapters: Adapters, clock: Clock, change_feed: ChangeFeed
) -> TranslationBackfill:
    from chalicelib.domain.translations.service import TranslationBackfill

    return TranslationBackfill(change_feed, _refresher(adapters, clock))


def announcement_translations(adapters: Adapters, clock: Clock) -> AnnouncementTranslations:
    from chalicelib.domain.translations.service import AnnouncementTranslations

    return AnnouncementTranslations(adapters.announcements, _refresher(adapters, clock), clock)


def translation_corrections(adapters: Adapters, clock: Clock) -> TranslationCorrections:
    from chalicelib.domain.translations.service import TranslationCorrections

    return TranslationCorrections(
        adapters.places, adapters.announcements, adapters.translations, clock
    )
