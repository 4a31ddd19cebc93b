"""``Services``: every service of the API and the workers, built on first use from
``(settings, adapters, clock)`` by the feature modules beside this one, and kept for the life
of the root (one per container, or per test)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.composition import (
    backoffice,
    campaigns,
    exports,
    imports,
    mail,
    newsletters,
    partners,
    search,
    stats,
    translations,
)
from chalicelib.composition import submissions as submission_feature

if TYPE_CHECKING:
    from chalicelib.adapters.auth.local_jwt import LocalJwtVerifier
    from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
    from chalicelib.composition.adapters import Adapters
    from chalicelib.composition.budget import StoreBudget
    from chalicelib.config import Settings
    from chalicelib.domain.announcements.service import AnnouncementService
    from chalicelib.domain.batch.service import BatchUpdateService
    from chalicelib.domain.campaigns.service import CampaignService
    from chalicelib.domain.changes.service import ChangeFeed
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.ports import Renderer
    from chalicelib.domain.exports.service import ExportRunner, ExportService
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.imports.service import ImportService
    from chalicelib.domain.mail.ports import MailRenderer
    from chalicelib.domain.mail.service import Mailer, SendPacer
    from chalicelib.domain.newsletters.digest import DigestBuilder
    from chalicelib.domain.newsletters.ports import LatestExports
    from chalicelib.domain.newsletters.preview import MessageRenderer, Previewer, PreviewService
    from chalicelib.domain.newsletters.sending import NewsletterRun
    from chalicelib.domain.newsletters.subscriptions import SubscriptionService
    from chalicelib.domain.partners.service import PartnerKeys
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.places.public_service import PublicPlaceService
    from chalicelib.domain.readiness import ReadinessProbe
    from chalicelib.domain.search.ports import CandidateSource, PlaceSearch
    from chalicelib.domain.search.service import SearchService
    from chalicelib.domain.selfupdate.service import SelfUpdateService
    from chalicelib.domain.stats.report import StatsService
    from chalicelib.domain.stats.search_counts import SearchStatsRecorder
    from chalicelib.domain.stats.snapshot import SnapshotService
    from chalicelib.domain.submissions.service import SubmissionService
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy
    from chalicelib.domain.translations.service import (
        AnnouncementTranslations,
        Localizer,
        TranslationBackfill,
        TranslationCorrections,
        TranslationFeed,
    )


class Services:
    """The composition root. ``clock`` and ``ids`` default to the system's."""

    def __init__(
        self,
        settings: Settings,
        adapters: Adapters,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.settings = settings
        self.adapters = adapters
        self._clock = clock
        self._ids = ids

    @classmethod
    def on_aws(
        cls, settings: Settings, budget: StoreBudget | None = None, clock: Clock | None = None
    ) -> Services:
        """The deployed root: AWS adapters under ``budget`` (the API's unless given)."""
        from chalicelib.composition.adapters import AwsAdapters

        return cls(settings, AwsAdapters(settings, budget), clock)

    # Shared inputs ---------------------------------------------------------------------------

    @cached_property
    def clock(self) -> Clock:
        from chalicelib.domain.clock import SystemClock

        return self._clock or SystemClock()

    @cached_property
    def ids(self) -> IdGenerator:
        from chalicelib.domain.ids import RandomIds

        return self._ids or RandomIds()

    @cached_property
    def taxonomy(self) -> Taxonomy:
        from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

        return default_taxonomy()

    @cached_property
    def openapi_document(self) -> dict[str, object]:
        """The served OpenAPI document (chalicelib/data/openapi.json)."""
        path = Path(__file__).resolve().parent.parent / "data" / "openapi.json"
        document: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return document

    @property
    def readiness(self) -> ReadinessProbe:
        """What ``GET /health/ready`` asks."""
        return self.adapters.readiness

    # Search and place pages ------------------------------------------------------------------

    @cached_property
    def search_service(self) -> SearchService:
        return search.search_service(self.settings, self.adapters, self.clock, self.taxonomy)

    @cached_property
    def place_search(self) -> PlaceSearch:
        return search.place_search(
            self.settings, self.adapters, self.clock, self.taxonomy, self.search_service
        )

    @cached_property
    def public_place_service(self) -> PublicPlaceService:
        return search.public_place_service(self.settings, self.adapters, self.clock, self.taxonomy)

    @cached_property
    def candidates(self) -> CandidateSource:
        return search.candidates(self.adapters)

    @cached_property
    def search_stats(self) -> SearchStatsRecorder:
        return search.search_stats(self.settings, self.adapters, self.clock)

    def index_writer(self) -> OpenSearchIndexWriter:
        return search.index_writer(self.settings, self.adapters, self.clock, self.taxonomy)

    # Back office -----------------------------------------------------------------------------

    @cached_property
    def local_verifier(self) -> LocalJwtVerifier:
        return backoffice.local_verifier(self.settings)

    @cached_property
    def place_editor(self) -> PlaceEditor:
        return backoffice.place_editor(self.adapters, self.clock, self.ids, self.taxonomy)

    @cached_property
    def batch_update_service(self) -> BatchUpdateService:
        return backoffice.batch_update_service(self.adapters, self.clock, self.taxonomy)

    @cached_property
    def announcement_service(self) -> AnnouncementService:
        return backoffice.announcement_service(self.adapters, self.clock, self.ids)

    # Exports ---------------------------------------------------------------------------------

    @cached_property
    def export_service(self) -> ExportService:
        return exports.export_service(self.settings, self.adapters, self.clock, self.taxonomy)

    def export_runner(self, renderer: Renderer) -> ExportRunner:
        return exports.export_runner(
            self.settings,
            self.adapters,
            self.clock,
            self.taxonomy,
            candidates=self.candidates,
            renderer=renderer,
        )

    # Submissions, self-update links, campaigns, mail ---------------------------------------

    @cached_property
    def submission_service(self) -> SubmissionService:
        return submission_feature.submission_service(
            self.settings,
            self.adapters,
            self.clock,
            ids=self.ids,
            taxonomy=self.taxonomy,
            candidates=self.candidates,
        )

    @cached_property
    def self_update_service(self) -> SelfUpdateService:
        return mail.self_update_service(
            self.settings, self.adapters, self.clock, self.ids, self.place_editor
        )

    @cached_property
    def campaign_service(self) -> CampaignService:
        return campaigns.campaign_service(
            self.settings, self.adapters, self.clock, self.self_update_service
        )

    def mailer(self, renderer: MailRenderer, pacer: SendPacer) -> Mailer:
        return mail.mailer(self.adapters, self.clock, renderer, pacer)

    # Newsletters -----------------------------------------------------------------------------

    @cached_property
    def subscription_service(self) -> SubscriptionService:
        return newsletters.subscription_service(self.settings, self.adapters, self.clock)

    @cached_property
    def latest_exports(self) -> LatestExports:
        return newsletters.latest_exports(self.settings, self.export_service)

    @cached_property
    def digest_builder(self) -> DigestBuilder:
        return newsletters.digest_builder(self.settings, self.adapters, self.latest_exports)

    @cached_property
    def newsletter_preview_service(self) -> PreviewService:
        previewer = newsletters.previewer(self.settings, self.adapters, self.digest_builder)
        return newsletters.preview_service(previewer)

    def rendering_previewer(self, renderer: MessageRenderer) -> Previewer:
        """The preview worker's: builds the digest and renders it here."""
        return newsletters.rendering_previewer(self.digest_builder, renderer)

    @cached_property
    def newsletter_run(self) -> NewsletterRun:
        return newsletters.newsletter_run(
            self.settings,
            self.adapters,
            self.clock,
            self.digest_builder,
            self.subscription_service,
        )

    # Statistics ------------------------------------------------------------------------------

    @cached_property
    def stats_service(self) -> StatsService:
        return stats.stats_service(self.settings, self.adapters, self.clock, self.taxonomy)

    @cached_property
    def snapshot_service(self) -> SnapshotService:
        return stats.snapshot_service(self.settings, self.adapters, self.clock)

    # Data out for partners (docs/changes.md, docs/partners.md) -----------------------------

    @cached_property
    def change_feed(self) -> ChangeFeed:
        return partners.change_feed(self.settings, self.adapters)

    @cached_property
    def partner_keys(self) -> PartnerKeys:
        return partners.partner_keys(self.settings, self.adapters, self.clock)

    # Imports (docs/imports.md) ---------------------------------------------------------------

    @cached_property
    def import_service(self) -> ImportService:
        return imports.import_service(
            self.settings,
            self.adapters,
            self.clock,
            self.ids,
            editor=self.place_editor,
            candidates=self.candidates,
        )

    # Translations (docs/translations.md) -----------------------------------------------------

    @cached_property
    def localizer(self) -> Localizer:
        return translations.localizer(self.adapters)

    @cached_property
    def translation_feed(self) -> TranslationFeed:
        return translations.translation_feed(self.adapters, self.clock)

    @cached_property
    def translation_backfill(self) -> TranslationBackfill:
        return translations.translation_backfill(self.adapters, self.clock, self.change_feed)

    @cached_property
    def announcement_translations(self) -> AnnouncementTranslations:
        return translations.announcement_translations(self.adapters, self.clock)

    @cached_property
    def translation_corrections(self) -> TranslationCorrections:
        return translations.translation_corrections(self.adapters, self.clock)
