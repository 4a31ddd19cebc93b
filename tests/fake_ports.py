"""Each fake of tests/ against the port it stands for, checked by mypy (``make typecheck``).

Services receive their ports as arguments, so a fake is checked wherever a test hands it to
one; the functions below check every fake whole, even the methods no test reaches through a
typed parameter yet. A fake whose signature drifts from its protocol fails the type check
here, naming both. Nothing here runs: pytest never imports this module.
"""

from __future__ import annotations

from chalicelib.domain.announcements.ports import AnnouncementRepository
from chalicelib.domain.batch.ports import BatchLedger
from chalicelib.domain.campaigns.ports import CampaignRepository, StartQueue
from chalicelib.domain.exports.ports import ExportFiles, ExportQueue, ExportRepository, Renderer
from chalicelib.domain.imports.ports import ImportFiles, ImportJobStore
from chalicelib.domain.mail.ports import (
    MailBatchQueue,
    MailQueue,
    MailSender,
    SentLedger,
    SuppressionList,
)
from chalicelib.domain.newsletters.ports import IssueStore, LatestExports, SubscriberStore
from chalicelib.domain.partners.ports import ApiKeyStore, WindowCounter
from chalicelib.domain.places.ports import PlaceEditStore, PlaceTransaction
from chalicelib.domain.search.ports import CandidateSource, SearchRecordSource
from chalicelib.domain.selfupdate.ports import LinkStateStore
from chalicelib.domain.stats.ports import (
    ExportDownloads,
    MailActivity,
    PlaceSource,
    StatsStore,
    SubmissionSource,
)
from chalicelib.domain.stats.search_counts import SearchCounter
from chalicelib.domain.submissions.ports import (
    DecisionStore,
    DecisionTransaction,
    RateLimiter,
    SubmissionRepository,
)
from chalicelib.domain.translations.ports import TranslationStore, Translator
from tests.backoffice_fakes import (
    CrashingPlaceStore,
    InMemoryAnnouncementRepository,
    InMemoryBatchLedger,
)
from tests.export_fakes import (
    FailingRenderer,
    InMemoryExportFiles,
    InMemoryExportQueue,
    InMemoryExportRepository,
)
from tests.fakes import (
    InMemoryCandidateSource,
    InMemoryPlaceRepository,
    InMemoryPlaceTransaction,
    InMemorySearchRecords,
)
from tests.import_fakes import InMemoryImportFiles, InMemoryImportJobStore
from tests.newsletter_support import (
    FixedExports,
    InMemoryIssueStore,
    InMemorySubscriberStore,
    RecordingBatchQueue,
)
from tests.partner_fakes import InMemoryApiKeyStore, InMemoryWindowCounter
from tests.selfupdate_fakes import (
    InMemoryLinkStateStore,
    InMemoryMailQueue,
    InMemorySentLedger,
    InMemorySuppressionList,
    RecordingMailSender,
)
from tests.stats_fakes import (
    FailingSearchCounter,
    FakeMailActivity,
    FixedExportDownloads,
    InMemoryStatsStore,
    PlacesOf,
    SubmissionsOf,
)
from tests.submission_fakes import (
    FakeMailQueue,
    InMemoryDecisionStore,
    InMemoryDecisionTransaction,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
)
from tests.translation_fakes import FakeTranslator, InMemoryTranslationStore
from tests.unit.campaigns.fakes import InMemoryCampaignRepository, InMemoryStartQueue

# Places and search


def place_store(fake: InMemoryPlaceRepository) -> PlaceEditStore:
    return fake


def place_transaction(fake: InMemoryPlaceTransaction) -> PlaceTransaction:
    return fake


def crashing_place_store(fake: CrashingPlaceStore) -> PlaceEditStore:
    return fake


def candidates(fake: InMemoryCandidateSource) -> CandidateSource:
    return fake


def search_records(fake: InMemorySearchRecords) -> SearchRecordSource:
    return fake


# Back office


def batch_ledger(fake: InMemoryBatchLedger) -> BatchLedger:
    return fake


def announcements(fake: InMemoryAnnouncementRepository) -> AnnouncementRepository:
    return fake


# Partner keys


def api_keys(fake: InMemoryApiKeyStore) -> ApiKeyStore:
    return fake


def window_counter(fake: InMemoryWindowCounter) -> WindowCounter:
    return fake


def window_counter_of_submissions(fake: InMemoryRateLimiter) -> WindowCounter:
    return fake  # the rate limiter the API counts partner quotas with


# Submissions


def submissions(fake: InMemorySubmissionRepository) -> SubmissionRepository:
    return fake


def rate_limiter(fake: InMemoryRateLimiter) -> RateLimiter:
    return fake


def decisions(fake: InMemoryDecisionStore) -> DecisionStore:
    return fake


def decision_transaction(fake: InMemoryDecisionTransaction) -> DecisionTransaction:
    return fake


def decision_mail_queue(fake: FakeMailQueue) -> MailQueue:
    return fake


# Exports


def exports(fake: InMemoryExportRepository) -> ExportRepository:
    return fake


def export_queue(fake: InMemoryExportQueue) -> ExportQueue:
    return fake


def export_files(fake: InMemoryExportFiles) -> ExportFiles:
    return fake


def failing_renderer(fake: FailingRenderer) -> Renderer:
    return fake


# Mail and self-update links


def mail_queue(fake: InMemoryMailQueue) -> MailQueue:
    return fake


def sent_ledger(fake: InMemorySentLedger) -> SentLedger:
    return fake


def suppressions(fake: InMemorySuppressionList) -> SuppressionList:
    return fake


def mail_sender(fake: RecordingMailSender) -> MailSender:
    return fake


def link_states(fake: InMemoryLinkStateStore) -> LinkStateStore:
    return fake


# Newsletters


def subscribers(fake: InMemorySubscriberStore) -> SubscriberStore:
    return fake


def issues(fake: InMemoryIssueStore) -> IssueStore:
    return fake


def batch_mail_queue(fake: RecordingBatchQueue) -> MailBatchQueue:
    return fake


def latest_exports(fake: FixedExports) -> LatestExports:
    return fake


# Campaigns


def campaigns(fake: InMemoryCampaignRepository) -> CampaignRepository:
    return fake


def start_queue(fake: InMemoryStartQueue) -> StartQueue:
    return fake


# Statistics


def stats_store(fake: InMemoryStatsStore) -> StatsStore:
    return fake


def search_counter(fake: FailingSearchCounter) -> SearchCounter:
    return fake


def place_source(fake: PlacesOf) -> PlaceSource:
    return fake


def submission_source(fake: SubmissionsOf) -> SubmissionSource:
    return fake


def export_downloads(fake: FixedExportDownloads) -> ExportDownloads:
    return fake


def mail_activity(fake: FakeMailActivity) -> MailActivity:
    return fake


# Imports


def import_job_store(fake: InMemoryImportJobStore) -> ImportJobStore:
    return fake


def import_files(fake: InMemoryImportFiles) -> ImportFiles:
    return fake


# Translations


def translation_store(fake: InMemoryTranslationStore) -> TranslationStore:
    return fake


def translator(fake: FakeTranslator) -> Translator:
    return fake
