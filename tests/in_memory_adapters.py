"""``InMemoryAdapters``: every adapter of the composition root as an in-memory fake, sharing
storage where the AWS ones do (the places and their search records, submissions and their
decisions, subscribers and the mailer's subscription check). Checked against ``Adapters`` by
mypy (``_checked`` below); a test builds ``Services(settings, InMemoryAdapters(), clock)``.

Members with no in-memory form (the OpenSearch indexes, the Lambda client) raise when read:
a test that needs them names its own (``dataclasses.replace`` or a subclass)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
from chalicelib.adapters.auth.newsletter_tokens import JwtSubscriptionCodec
from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.stats.search_counts import NullSearchCounter
from tests.backoffice_fakes import InMemoryAnnouncementRepository, InMemoryBatchLedger
from tests.change_fakes import InMemoryChangeLog
from tests.composition_support import IssuesOf, SubscriptionsOf
from tests.export_fakes import InMemoryExportFiles, InMemoryExportQueue, InMemoryExportRepository
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords
from tests.import_fakes import InMemoryImportFiles, InMemoryImportJobStore
from tests.newsletter_support import (
    InMemoryIssueStore,
    InMemorySubscriberStore,
    RecordingBatchQueue,
    codec,
)
from tests.partner_fakes import InMemoryApiKeyStore, InMemoryKeyGateway
from tests.selfupdate_fakes import (
    InMemoryLinkStateStore,
    InMemoryMailQueue,
    InMemorySentLedger,
    InMemorySuppressionList,
    RecordingMailSender,
)
from tests.stats_fakes import FakeMailActivity, FixedExportDownloads, InMemoryStatsStore, PlacesOf
from tests.submission_fakes import (
    InMemoryDecisionStore,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
)
from tests.translation_fakes import FakeTranslator, InMemoryTranslationStore
from tests.unit.campaigns.fakes import InMemoryCampaignRepository, InMemoryStartQueue

if TYPE_CHECKING:
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.composition.adapters import Adapters
    from chalicelib.domain.batch.ports import BatchQueue
    from chalicelib.domain.mail.ports import MailBatchQueue, SharedContextSource, SubscriptionCheck
    from chalicelib.domain.newsletters.preview import MessageRenderer
    from chalicelib.domain.search.ports import SearchRecordSource
    from chalicelib.domain.stats.ports import SubmissionSource
    from chalicelib.domain.stats.search_counts import SearchCounter
    from chalicelib.domain.submissions.ports import DecisionStore

LINK_KEYS = KeyRing(current="k1", keys={"k1": "k" * 40})


class _Ready:
    def check(self) -> None:
        """The in-memory store is always reachable."""


@dataclass
class InMemoryAdapters:
    places: InMemoryPlaceRepository = field(default_factory=InMemoryPlaceRepository)
    search_counter: SearchCounter = field(default_factory=NullSearchCounter)
    readiness: _Ready = field(default_factory=_Ready)
    batch_ledger: InMemoryBatchLedger = field(default_factory=InMemoryBatchLedger)
    batch_queue: BatchQueue | None = None
    announcements: InMemoryAnnouncementRepository = field(
        default_factory=InMemoryAnnouncementRepository
    )
    export_repository: InMemoryExportRepository = field(default_factory=InMemoryExportRepository)
    export_files: InMemoryExportFiles = field(default_factory=InMemoryExportFiles)
    export_queue: InMemoryExportQueue | None = field(default_factory=InMemoryExportQueue)
    submission_repository: InMemorySubmissionRepository = field(
        default_factory=InMemorySubmissionRepository
    )
    rate_limiter: InMemoryRateLimiter = field(default_factory=InMemoryRateLimiter)
    geocoder: FakeGeocoder = field(default_factory=FakeGeocoder)
    mail_queue: InMemoryMailQueue | None = field(default_factory=InMemoryMailQueue)
    newsletter_queue: MailBatchQueue | None = field(default_factory=RecordingBatchQueue)
    sent_ledger: InMemorySentLedger = field(default_factory=InMemorySentLedger)
    suppression_list: InMemorySuppressionList = field(default_factory=InMemorySuppressionList)
    mail_sender: RecordingMailSender = field(default_factory=RecordingMailSender)
    link_state: InMemoryLinkStateStore = field(default_factory=InMemoryLinkStateStore)
    link_codec: JwtLinkCodec = field(
        default_factory=lambda: JwtLinkCodec(StaticKeySource(LINK_KEYS))
    )
    subscriber_store: InMemorySubscriberStore = field(default_factory=InMemorySubscriberStore)
    subscription_codec: JwtSubscriptionCodec = field(default_factory=codec)
    issue_store: InMemoryIssueStore = field(default_factory=InMemoryIssueStore)
    newsletter_renderer: MessageRenderer | None = None
    campaign_repository: InMemoryCampaignRepository = field(
        default_factory=InMemoryCampaignRepository
    )
    campaign_start_queue: InMemoryStartQueue | None = None
    stats_store: InMemoryStatsStore = field(default_factory=InMemoryStatsStore)
    export_downloads: FixedExportDownloads = field(default_factory=FixedExportDownloads)
    mail_activity: FakeMailActivity = field(default_factory=FakeMailActivity)
    api_keys: InMemoryApiKeyStore = field(default_factory=InMemoryApiKeyStore)
    key_gateway: InMemoryKeyGateway = field(default_factory=InMemoryKeyGateway)
    import_jobs: InMemoryImportJobStore = field(default_factory=InMemoryImportJobStore)
    import_files: InMemoryImportFiles = field(default_factory=InMemoryImportFiles)
    translations: InMemoryTranslationStore = field(default_factory=InMemoryTranslationStore)
    translator: FakeTranslator = field(default_factory=FakeTranslator)

    def __post_init__(self) -> None:
        # The store hands every public write to the feed, as the DynamoDB store does.
        if self.places.changes is None:
            self.places.changes = InMemoryChangeLog()

    @property
    def change_log(self) -> InMemoryChangeLog:
        assert self.places.changes is not None  # set in __post_init__
        return self.places.changes

    # Views over the storage above, as the AWS adapters share their tables.

    @property
    def search_records(self) -> SearchRecordSource:
        return InMemorySearchRecords(self.places.places)

    @property
    def place_scan(self) -> PlacesOf:
        return PlacesOf(self.places.places)

    @property
    def place_source(self) -> PlacesOf:
        return self.place_scan

    @property
    def decision_store(self) -> DecisionStore:
        return InMemoryDecisionStore(self.places, self.submission_repository)

    @property
    def submission_source(self) -> SubmissionSource:
        return self.submission_repository

    @property
    def mail_shared_context(self) -> SharedContextSource:
        return IssuesOf(self.issue_store)

    @property
    def subscription_check(self) -> SubscriptionCheck:
        return SubscriptionsOf(self.subscriber_store)

    @property
    def search_index(self) -> PlacesIndex:
        raise LookupError("no OpenSearch among the in-memory adapters")

    @property
    def indexing_index(self) -> PlacesIndex:
        raise LookupError("no OpenSearch among the in-memory adapters")

    @property
    def lambda_client(self) -> object:
        raise LookupError("no Lambda among the in-memory adapters")


def _checked(adapters: InMemoryAdapters) -> Adapters:
    return adapters
