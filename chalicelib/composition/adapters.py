"""The adapters a composition root assembles services from: one member per port.

``Adapters`` is the set the feature modules read; ``AwsAdapters`` builds each member from the
settings on first use (DynamoDB, SQS, S3, SES, SSM, Lambda, OpenSearch), importing its module
only then, so a cold start that serves ``/health`` loads none of them. Tests pass their own set
(tests/composition_support.py): in-memory fakes, or adapters bound to a test's moto.

Optional members (a queue whose URL the stage does not set) are None; the service decides what
to do without (apply a batch in the request, refuse to queue an export...).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from chalicelib.composition.budget import StoreBudget

if TYPE_CHECKING:
    from chalicelib.adapters.auth.link_tokens import SsmKeySource
    from chalicelib.adapters.dynamodb.submissions import DynamoSubmissionRepository
    from chalicelib.adapters.dynamodb.wire import DynamoWire
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.config import Settings
    from chalicelib.domain.announcements.ports import AnnouncementRepository
    from chalicelib.domain.batch.ports import BatchLedger, BatchQueue
    from chalicelib.domain.campaigns.ports import CampaignRepository, StartQueue
    from chalicelib.domain.changes.ports import ChangeLog
    from chalicelib.domain.exports.ports import ExportFiles, ExportQueue, ExportRepository
    from chalicelib.domain.imports.ports import ImportFiles, ImportJobStore
    from chalicelib.domain.mail.ports import (
        MailBatchQueue,
        MailQueue,
        MailSender,
        SentLedger,
        SharedContextSource,
        SubscriptionCheck,
        SuppressionList,
    )
    from chalicelib.domain.newsletters.ports import (
        IssueStore,
        SubscriberStore,
        SubscriptionTokenCodec,
    )
    from chalicelib.domain.newsletters.preview import MessageRenderer
    from chalicelib.domain.partners.ports import ApiKeyStore, KeyGateway
    from chalicelib.domain.places.ports import PlaceEditStore
    from chalicelib.domain.readiness import ReadinessProbe
    from chalicelib.domain.search.indexing import PlaceSnapshotSource
    from chalicelib.domain.search.ports import SearchRecordSource
    from chalicelib.domain.selfupdate.ports import LinkStateStore, LinkTokenCodec
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
        Geocoder,
        RateLimiter,
        SubmissionRepository,
    )
    from chalicelib.domain.translations.ports import TranslationStore, Translator


class Adapters(Protocol):
    """Read-only members: an implementation may build each one when first read."""

    # Places and search
    @property
    def places(self) -> PlaceEditStore: ...
    @property
    def search_records(self) -> SearchRecordSource: ...
    @property
    def place_scan(self) -> PlaceSnapshotSource: ...
    @property
    def search_index(self) -> PlacesIndex:
        """The OpenSearch places alias as the API reads it (fails fast)."""

    @property
    def indexing_index(self) -> PlacesIndex:
        """The same alias for workers that write it (longer timeouts, retries)."""

    @property
    def search_counter(self) -> SearchCounter: ...
    @property
    def readiness(self) -> ReadinessProbe: ...
    @property
    def change_log(self) -> ChangeLog:
        """The change feed; ``places`` puts each public write's pending change in it."""

    # Translations (docs/translations.md)
    @property
    def translations(self) -> TranslationStore: ...
    @property
    def translator(self) -> Translator: ...

    # Partners
    @property
    def api_keys(self) -> ApiKeyStore: ...
    @property
    def key_gateway(self) -> KeyGateway:
        """API Gateway's copy of the partner keys (NoKeyGateway locally)."""

    # Back office
    @property
    def batch_ledger(self) -> BatchLedger: ...
    @property
    def batch_queue(self) -> BatchQueue | None: ...
    @property
    def announcements(self) -> AnnouncementRepository: ...

    # Exports
    @property
    def export_repository(self) -> ExportRepository: ...
    @property
    def export_files(self) -> ExportFiles: ...
    @property
    def export_queue(self) -> ExportQueue | None: ...

    # Imports (docs/imports.md)
    @property
    def import_jobs(self) -> ImportJobStore: ...
    @property
    def import_files(self) -> ImportFiles: ...

    # Submissions
    @property
    def submission_repository(self) -> SubmissionRepository: ...
    @property
    def rate_limiter(self) -> RateLimiter: ...
    @property
    def decision_store(self) -> DecisionStore:
        """Writes to the same storage as ``submission_repository`` and ``places``."""

    @property
    def geocoder(self) -> Geocoder: ...

    # Mail pipeline and self-update links
    @property
    def mail_queue(self) -> MailQueue | None: ...
    @property
    def newsletter_queue(self) -> MailBatchQueue | None: ...
    @property
    def sent_ledger(self) -> SentLedger: ...
    @property
    def suppression_list(self) -> SuppressionList: ...
    @property
    def mail_sender(self) -> MailSender: ...
    @property
    def mail_shared_context(self) -> SharedContextSource: ...
    @property
    def subscription_check(self) -> SubscriptionCheck: ...
    @property
    def link_state(self) -> LinkStateStore: ...
    @property
    def link_codec(self) -> LinkTokenCodec: ...

    # Newsletters and campaigns
    @property
    def subscriber_store(self) -> SubscriberStore: ...
    @property
    def subscription_codec(self) -> SubscriptionTokenCodec: ...
    @property
    def issue_store(self) -> IssueStore: ...
    @property
    def newsletter_renderer(self) -> MessageRenderer | None:
        """Renders previews in process (local tools, tests); None in the API, whose package
        holds no template renderer."""

    @property
    def lambda_client(self) -> object:
        """A boto3 Lambda client (invokes the preview worker)."""

    @property
    def campaign_repository(self) -> CampaignRepository: ...
    @property
    def campaign_start_queue(self) -> StartQueue | None: ...

    # Statistics
    @property
    def stats_store(self) -> StatsStore: ...
    @property
    def place_source(self) -> PlaceSource: ...
    @property
    def submission_source(self) -> SubmissionSource: ...
    @property
    def export_downloads(self) -> ExportDownloads: ...
    @property
    def mail_activity(self) -> MailActivity: ...


class AwsAdapters:
    """Adapters on the stage's AWS services, each built on first use and kept; the store's
    calls within ``budget`` (connect and read timeouts, attempts)."""

    def __init__(self, settings: Settings, budget: StoreBudget | None = None) -> None:
        self.settings = settings
        self.budget = budget or StoreBudget.api(settings)
        self._store_bound = False

    # Clients and table bindings ------------------------------------------------------------

    def _client(self, service: str) -> object:
        """A boto3 client under this budget (creating one costs ~50 ms of model loading)."""
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=self.budget.connect_timeout_s,
            read_timeout=self.budget.read_timeout_s,
            # total_max_attempts counts the first try; botocore's max_attempts counts retries
            # only ({"max_attempts": 2} would be three tries, a third of the budget more).
            retries={"total_max_attempts": self.budget.attempts, "mode": "standard"},
        )
        client: object = boto3.client(service, region_name=self.settings.region, config=config)
        return client

    @cached_property
    def sqs(self) -> object:
        """One client per service and root: SQS, S3, SES, SSM."""
        return self._client("sqs")

    @cached_property
    def s3(self) -> object:
        return self._client("s3")

    @cached_property
    def sesv2(self) -> object:
        return self._client("sesv2")

    @cached_property
    def ssm(self) -> object:
        return self._client("ssm")

    def _bind_store(self) -> None:
        """Binds every PynamoDB model to its table with this budget (once per root)."""
        if not self._store_bound:
            from chalicelib.adapters.dynamodb.tables import bind_tables, set_timeouts

            bind_tables(self.settings.table_prefix, region=self.settings.region)
            set_timeouts(*self.budget.as_tuple())
            self._store_bound = True

    def _bind_names(self) -> None:
        """Binds the table names the search path reads with botocore alone (no PynamoDB)."""
        from chalicelib.adapters.dynamodb import names

        names.bind(self.settings.table_prefix, self.settings.region)

    def _search_wire(self) -> DynamoWire | None:
        """The search path's own HTTP transport under this budget (its default 3 s read
        timeout × 2 attempts held a search 6 s on a frozen store, past the 3 s goal); None
        where ``search_wire`` picks botocore (no credentials in the environment, another
        partition, or REPERE_DYNAMODB_SEARCH_TRANSPORT=botocore)."""
        from chalicelib.adapters.dynamodb.wire import (
            HttpWire,
            WireSettings,
            endpoint_for,
            environment_credentials,
        )

        settings = self.settings
        credentials = environment_credentials()
        endpoint = endpoint_for(settings.region)
        if settings.dynamodb_search_transport != "http" or credentials is None or endpoint is None:
            return None
        budget = WireSettings(
            connect_timeout_s=self.budget.connect_timeout_s,
            read_timeout_s=self.budget.read_timeout_s,
            attempts=self.budget.attempts,
        )
        return HttpWire(endpoint, settings.region, credentials, budget)

    # Places and search -----------------------------------------------------------------------

    @cached_property
    def places(self) -> PlaceEditStore:
        # Imported here so a cold start that only serves /health or /categories skips PynamoDB.
        from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository

        self._bind_store()
        return DynamoPlaceRepository()

    @cached_property
    def search_records(self) -> SearchRecordSource:
        # botocore alone: a search neither imports PynamoDB nor binds its models.
        from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords, search_wire

        self._bind_names()
        return DynamoSearchRecords(
            max_workers=self.settings.geo_query_workers,
            wire=self._search_wire() or search_wire(self.settings.dynamodb_search_transport),
        )

    @cached_property
    def place_scan(self) -> PlaceSnapshotSource:
        from chalicelib.adapters.dynamodb.place_scan import DynamoPlaceScan

        self._bind_store()
        return DynamoPlaceScan()

    def _places_index(self, *, for_indexing: bool) -> PlacesIndex:
        # Imported here: a DynamoDB deployment never loads opensearch-py.
        from chalicelib.adapters.opensearch.client import PlacesIndex, build_client

        client = build_client(self.settings, for_indexing=for_indexing)
        return PlacesIndex(client, self.settings.opensearch_alias)

    @cached_property
    def search_index(self) -> PlacesIndex:
        return self._places_index(for_indexing=False)

    @cached_property
    def indexing_index(self) -> PlacesIndex:
        return self._places_index(for_indexing=True)

    @cached_property
    def search_counter(self) -> SearchCounter:
        from chalicelib.domain.stats.search_counts import NullSearchCounter

        if not self.settings.search_stats_enabled:
            return NullSearchCounter()
        from chalicelib.adapters.dynamodb.search_counter import DynamoSearchCounter
        from chalicelib.adapters.dynamodb.search_reader import search_wire

        self._bind_names()
        return DynamoSearchCounter(search_wire(self.settings.dynamodb_search_transport))

    @cached_property
    def readiness(self) -> ReadinessProbe:
        from chalicelib.adapters.dynamodb.readiness import DynamoReadiness

        self._bind_store()
        return DynamoReadiness()

    # Back office -----------------------------------------------------------------------------

    @cached_property
    def change_log(self) -> ChangeLog:
        from chalicelib.adapters.dynamodb.changes import DynamoChangeLog

        self._bind_store()
        return DynamoChangeLog()

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        from chalicelib.adapters.dynamodb.api_keys import DynamoApiKeyStore

        self._bind_store()
        return DynamoApiKeyStore()

    @cached_property
    def key_gateway(self) -> KeyGateway:
        from chalicelib.domain.partners.ports import NoKeyGateway

        if self.settings.partner_usage_plan_parameter is None:
            return NoKeyGateway()
        from chalicelib.adapters.apigateway.partner_keys import ApiGatewayKeys

        return ApiGatewayKeys(
            self._client("apigateway"),
            self.ssm,
            self.settings.partner_usage_plan_parameter,
            name_prefix=self.settings.table_prefix,
        )

    @cached_property
    def batch_ledger(self) -> BatchLedger:
        from chalicelib.adapters.dynamodb.batch_ledger import DynamoBatchLedger

        self._bind_store()
        return DynamoBatchLedger()

    @cached_property
    def batch_queue(self) -> BatchQueue | None:
        if self.settings.batch_queue_url is None:
            return None
        from chalicelib.adapters.sqs.batch_queue import SqsBatchQueue

        return SqsBatchQueue(self.sqs, self.settings.batch_queue_url)

    @cached_property
    def announcements(self) -> AnnouncementRepository:
        from chalicelib.adapters.dynamodb.announcements import DynamoAnnouncementRepository

        self._bind_store()
        return DynamoAnnouncementRepository()

    # Exports ---------------------------------------------------------------------------------

    @cached_property
    def export_repository(self) -> ExportRepository:
        from chalicelib.adapters.dynamodb.export_repository import DynamoExportRepository

        self._bind_store()
        return DynamoExportRepository()

    @cached_property
    def export_files(self) -> ExportFiles:
        from chalicelib.adapters.s3.export_files import S3ExportFiles

        return S3ExportFiles(self.s3, self.settings.exports_bucket)

    @cached_property
    def export_queue(self) -> ExportQueue | None:
        if self.settings.exports_queue_url is None:
            return None
        from chalicelib.adapters.sqs.export_queue import SqsExportQueue

        return SqsExportQueue(self.sqs, self.settings.exports_queue_url)

    # Imports ---------------------------------------------------------------------------------

    @cached_property
    def import_jobs(self) -> ImportJobStore:
        from chalicelib.adapters.dynamodb.imports import DynamoImportJobStore

        self._bind_store()
        return DynamoImportJobStore()

    @cached_property
    def import_files(self) -> ImportFiles:
        from chalicelib.adapters.s3.import_files import S3ImportFiles

        # The exports bucket, under imports/ (infra grants that prefix only).
        return S3ImportFiles(self.s3, self.settings.exports_bucket)

    # Submissions -----------------------------------------------------------------------------

    @cached_property
    def _dynamo_submissions(self) -> DynamoSubmissionRepository:
        from chalicelib.adapters.dynamodb.submissions import DynamoSubmissionRepository

        self._bind_store()
        return DynamoSubmissionRepository()

    @cached_property
    def submission_repository(self) -> SubmissionRepository:
        return self._dynamo_submissions

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        # One fixed-window counter for submissions and subscriptions (keys are namespaced).
        from chalicelib.adapters.dynamodb.submissions import DynamoRateLimiter

        self._bind_store()
        return DynamoRateLimiter()

    @cached_property
    def decision_store(self) -> DecisionStore:
        from chalicelib.adapters.dynamodb.submissions import DynamoDecisionStore

        return DynamoDecisionStore(self._dynamo_submissions)

    @cached_property
    def geocoder(self) -> Geocoder:
        settings = self.settings
        if settings.geocoder == "fake":
            from chalicelib.adapters.geocoding.fake import FakeGeocoder

            return FakeGeocoder()
        from chalicelib.adapters.geocoding.api_adresse import ApiAdresseGeocoder

        return ApiAdresseGeocoder(
            settings.geocoder_url, timeout_seconds=settings.geocoder_timeout_seconds
        )

    # Translations ------------------------------------------------------------------------------

    @cached_property
    def translations(self) -> TranslationStore:
        from chalicelib.adapters.dynamodb.translations import DynamoTranslationStore

        self._bind_store()
        return DynamoTranslationStore()

    @cached_property
    def translator(self) -> Translator:
        settings = self.settings
        if settings.translator == "pseudo":
            from chalicelib.adapters.translate.pseudo import PseudoTranslator

            return PseudoTranslator()
        import boto3

        from chalicelib.adapters.translate.amazon import AmazonTranslator

        region = settings.translate_region or settings.region
        return AmazonTranslator(boto3.client("translate", region_name=region))

    # Mail pipeline and self-update links -----------------------------------------------------

    @cached_property
    def mail_queue(self) -> MailBatchQueue | None:
        if self.settings.mail_queue_url is None:
            return None
        from chalicelib.adapters.sqs.mail_queue import SqsMailQueue

        return SqsMailQueue(self.sqs, self.settings.mail_queue_url)

    @cached_property
    def newsletter_queue(self) -> MailBatchQueue | None:
        return self.mail_queue

    @cached_property
    def sent_ledger(self) -> SentLedger:
        from chalicelib.adapters.dynamodb.mail_store import DynamoSentLedger

        self._bind_store()
        return DynamoSentLedger(self.settings.mail_sent_retention_days)

    @cached_property
    def suppression_list(self) -> SuppressionList:
        from chalicelib.adapters.dynamodb.mail_store import DynamoSuppressionList

        self._bind_store()
        return DynamoSuppressionList()

    @cached_property
    def mail_sender(self) -> MailSender:
        from chalicelib.adapters.ses.sender import SesV2Sender

        return SesV2Sender(
            self.sesv2,
            self.settings.mail_from_address,
            self.settings.mail_configuration_set,
        )

    @cached_property
    def mail_shared_context(self) -> SharedContextSource:
        from chalicelib.adapters.dynamodb.subscriptions import CachedIssueContext

        self._bind_store()
        return CachedIssueContext()

    @cached_property
    def subscription_check(self) -> SubscriptionCheck:
        from chalicelib.adapters.dynamodb.subscriptions import DynamoSubscriptionCheck

        self._bind_store()
        return DynamoSubscriptionCheck()

    @cached_property
    def _link_keys(self) -> SsmKeySource:
        from chalicelib.adapters.auth.link_tokens import SsmKeySource

        return SsmKeySource(
            self.ssm,
            self.settings.self_update_keys_parameter,
            cache_seconds=self.settings.self_update_keys_cache_seconds,
        )

    @cached_property
    def link_state(self) -> LinkStateStore:
        from chalicelib.adapters.dynamodb.link_state import DynamoLinkStateStore

        self._bind_store()
        return DynamoLinkStateStore()

    @cached_property
    def link_codec(self) -> LinkTokenCodec:
        from chalicelib.adapters.auth.link_tokens import JwtLinkCodec

        return JwtLinkCodec(self._link_keys)

    # Newsletters and campaigns ---------------------------------------------------------------

    @cached_property
    def subscriber_store(self) -> SubscriberStore:
        from chalicelib.adapters.dynamodb.subscriptions import DynamoSubscriberStore

        self._bind_store()
        return DynamoSubscriberStore()

    @cached_property
    def subscription_codec(self) -> SubscriptionTokenCodec:
        from chalicelib.adapters.auth.newsletter_tokens import JwtSubscriptionCodec

        return JwtSubscriptionCodec(self._link_keys)

    @cached_property
    def issue_store(self) -> IssueStore:
        from chalicelib.adapters.dynamodb.subscriptions import DynamoIssueStore

        self._bind_store()
        return DynamoIssueStore()

    @cached_property
    def newsletter_renderer(self) -> MessageRenderer | None:
        return None

    @cached_property
    def lambda_client(self) -> object:
        import boto3
        from botocore.config import Config

        # One attempt, within the API's own timeout: a retried synchronous render would only
        # make the admin wait twice as long before the same 503.
        config = Config(connect_timeout=2, read_timeout=8, retries={"total_max_attempts": 1})
        client: object = boto3.client("lambda", region_name=self.settings.region, config=config)
        return client

    @cached_property
    def campaign_repository(self) -> CampaignRepository:
        from chalicelib.adapters.dynamodb.campaigns import DynamoCampaignRepository

        self._bind_store()
        return DynamoCampaignRepository()

    @cached_property
    def campaign_start_queue(self) -> StartQueue | None:
        if self.settings.campaigns_queue_url is None:
            return None
        from chalicelib.adapters.sqs.campaign_queue import SqsCampaignQueue

        return SqsCampaignQueue(self.sqs, self.settings.campaigns_queue_url)

    # Statistics ------------------------------------------------------------------------------

    @cached_property
    def stats_store(self) -> StatsStore:
        from chalicelib.adapters.dynamodb.stats import DynamoStatsStore

        self._bind_store()
        return DynamoStatsStore()

    @cached_property
    def place_source(self) -> PlaceSource:
        return self.place_scan

    @cached_property
    def submission_source(self) -> SubmissionSource:
        return self._dynamo_submissions

    @cached_property
    def export_downloads(self) -> ExportDownloads:
        from chalicelib.adapters.dynamodb.stats import DynamoExportDownloads

        self._bind_store()
        return DynamoExportDownloads()

    @cached_property
    def mail_activity(self) -> MailActivity:
        from chalicelib.adapters.dynamodb.stats import DynamoMailActivity

        self._bind_store()
        return DynamoMailActivity()
