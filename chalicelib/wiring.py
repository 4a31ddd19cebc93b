"""Factories that build adapters and services from the settings, once per container.

Handlers ask this module for a service; tests replace the whole wiring by calling
``override(...)`` with in-memory fakes (see tests/fakes.py), never by patching imports.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings

if TYPE_CHECKING:
    # Types only: the services and their models load on first use, not at cold start (an API
    # call that needs one service does not pay for the others).
    from chalicelib.adapters.dynamodb.wire import DynamoWire
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.domain.announcements.ports import AnnouncementRepository
    from chalicelib.domain.announcements.service import AnnouncementService
    from chalicelib.domain.batch.ports import BatchLedger, BatchQueue
    from chalicelib.domain.batch.service import BatchUpdateService
    from chalicelib.domain.campaigns.ports import CampaignRepository, StartQueue
    from chalicelib.domain.campaigns.service import CampaignService
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.ports import ExportFiles, ExportQueue, ExportRepository
    from chalicelib.domain.exports.service import ExportService
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.mail.models import MailMessage
    from chalicelib.domain.mail.ports import MailQueue, MailSender, SentLedger, SuppressionList
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepository
    from chalicelib.domain.places.public_service import PublicPlaceService
    from chalicelib.domain.readiness import ReadinessProbe
    from chalicelib.domain.search.indexing import PlaceSnapshotSource
    from chalicelib.domain.search.ports import CandidateSource, PlaceSearch, SearchRecordSource
    from chalicelib.domain.search.service import SearchService
    from chalicelib.domain.selfupdate.ports import LinkStateStore, LinkTokenCodec
    from chalicelib.domain.selfupdate.service import SelfUpdateService
    from chalicelib.domain.stats.ports import (
        ExportDownloads,
        MailActivity,
        PlaceSource,
        StatsStore,
        SubmissionSource,
    )
    from chalicelib.domain.stats.report import StatsService
    from chalicelib.domain.stats.search_counts import (
        SearchCounter,
        SearchEvent,
        SearchStatsRecorder,
    )
    from chalicelib.domain.stats.snapshot import SnapshotService
    from chalicelib.domain.submissions.ports import (
        DecisionNotifier,
        DecisionStore,
        Geocoder,
        RateLimiter,
        SubmissionRepository,
    )
    from chalicelib.domain.submissions.service import SubmissionService
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy

_OPENAPI_FILE = Path(__file__).resolve().parent / "data" / "openapi.json"

_overrides: dict[str, Any] = {}


def override(
    *,
    clock: Clock | None = None,
    places: PlaceRepository | None = None,
    records: SearchRecordSource | None = None,
    opensearch_client: Any | None = None,
    batch_ledger: BatchLedger | None = None,
    announcements: AnnouncementRepository | None = None,
    ids: IdGenerator | None = None,
) -> None:
    """Swap adapters (tests, local tools). ``reset()`` restores the configured ones.

    ``opensearch_client``: an opensearch-py client (tests put a fake connection under it).
    """
    for name, value in (
        ("clock", clock),
        ("places", places),
        ("records", records),
        ("opensearch_client", opensearch_client),
        ("batch_ledger", batch_ledger),
        ("announcements", announcements),
        ("ids", ids),
    ):
        if value is not None:
            _overrides[name] = value
    _clear_caches()


def reset() -> None:
    _overrides.clear()
    _clear_caches()


def _clear_caches() -> None:
    for factory in (_dynamo, _search_reader, search_service, public_place_service):
        factory.cache_clear()
    for opensearch_factory in (place_search, opensearch_index):
        opensearch_factory.cache_clear()
    for backoffice_factory in (
        _dynamo_backoffice,
        place_editor,
        batch_update_service,
        announcement_service,
    ):
        backoffice_factory.cache_clear()
    for exports_factory in (_aws_exports, export_service):
        exports_factory.cache_clear()
    _clear_selfupdate_caches()
    _clear_campaign_caches()
    _clear_newsletter_caches()
    for submissions_factory in (_dynamo_submissions, submission_service):
        submissions_factory.cache_clear()
    _aws_client.cache_clear()


def taxonomy() -> Taxonomy:
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

    return default_taxonomy()


def clock() -> Clock:
    from chalicelib.domain.clock import SystemClock

    chosen: Clock = _overrides.get("clock") or SystemClock()
    return chosen


# Store budget (Settings.store_*, docs/faults.md): the API's calls fail fast so a frozen
# store answers 503 in seconds; workers (functions/) call ``use_worker_budget`` at import and
# wait longer, since nobody is waiting on them and a failure redelivers a whole batch.
_budget: dict[str, str] = {"profile": "api"}


def use_worker_budget() -> None:
    """Give this process the workers' longer store timeouts (a worker module's first act)."""
    if _budget["profile"] != "worker":
        _budget["profile"] = "worker"
        _clear_caches()


def use_api_budget() -> None:
    """The API's short store timeouts (the default; tests that ran a worker switch back)."""
    if _budget["profile"] != "api":
        _budget["profile"] = "api"
        _clear_caches()


def store_timeouts() -> tuple[float, float, int]:
    """(connect timeout s, read timeout s, attempts) of this process's store calls."""
    settings = get_settings()
    if _budget["profile"] == "worker":
        return (
            settings.worker_store_connect_timeout_seconds,
            settings.worker_store_read_timeout_seconds,
            settings.worker_store_max_attempts,
        )
    return (
        settings.store_connect_timeout_seconds,
        settings.store_read_timeout_seconds,
        settings.store_max_attempts,
    )


def _bind_store() -> None:
    """Bind every PynamoDB model to its table with this process's store budget."""
    from chalicelib.adapters.dynamodb.tables import TABLES, bind_tables

    settings = get_settings()
    bind_tables(settings.table_prefix, region=settings.region)
    connect, read, attempts = store_timeouts()
    for model in TABLES.values():
        meta: Any = model.Meta  # PynamoDB types Meta as read-only settings
        meta.connect_timeout_seconds = connect
        meta.read_timeout_seconds = read
        # PynamoDB counts retries after the first attempt (botocore standard mode); its
        # base_backoff_ms is no longer read by PynamoDB 6: botocore's jittered backoff applies.
        meta.max_retry_attempts = attempts - 1


@cache
def _aws_client(service: str) -> Any:
    """A boto3 client (SQS, S3, SES, SSM) under this process's store budget, one per service
    per container (creating one costs ~50 ms of model loading)."""
    import boto3
    from botocore.config import Config

    connect, read, attempts = store_timeouts()
    config = Config(
        connect_timeout=connect,
        read_timeout=read,
        # total_max_attempts counts the first try; botocore's max_attempts counts retries only
        # ({"max_attempts": 2} would be three tries, a third of the budget more).
        retries={"total_max_attempts": attempts, "mode": "standard"},
    )
    return boto3.client(service, region_name=get_settings().region, config=config)


@cache
def _dynamo() -> PlaceRepository:
    # Imported here so a cold start that only serves /health or /categories skips PynamoDB.
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository

    _bind_store()
    return DynamoPlaceRepository()


@cache
def _search_reader() -> SearchRecordSource:
    # botocore alone: a search neither imports PynamoDB nor binds its models.
    from chalicelib.adapters.dynamodb import names
    from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords, search_wire

    settings = get_settings()
    names.bind(settings.table_prefix, settings.region)
    return DynamoSearchRecords(
        max_workers=settings.geo_query_workers,
        wire=_search_wire() or search_wire(settings.dynamodb_search_transport),
    )


def _search_wire() -> DynamoWire | None:
    """The search path's own HTTP transport under this process's store budget (its default
    3 s read timeout × 2 attempts held a search 6 s on a frozen store, past the 3 s goal);
    None where ``search_wire`` picks botocore (no credentials in the environment, another
    partition, or REPERE_DYNAMODB_SEARCH_TRANSPORT=botocore)."""
    from chalicelib.adapters.dynamodb.wire import (
        HttpWire,
        WireSettings,
        endpoint_for,
        environment_credentials,
    )

    settings = get_settings()
    credentials = environment_credentials()
    endpoint = endpoint_for(settings.region)
    if settings.dynamodb_search_transport != "http" or credentials is None or endpoint is None:
        return None
    connect, read, attempts = store_timeouts()
    budget = WireSettings(connect_timeout_s=connect, read_timeout_s=read, attempts=attempts)
    return HttpWire(endpoint, settings.region, credentials, budget)


def store_probe() -> ReadinessProbe:
    """What ``GET /health/ready`` asks (``override_probe`` in tests)."""
    probe: ReadinessProbe | None = _overrides.get("store_probe")
    if probe is not None:
        return probe
    from chalicelib.adapters.dynamodb.readiness import DynamoReadiness

    _dynamo()  # binds the tables with the API's store budget
    return DynamoReadiness()


def override_probe(probe: ReadinessProbe) -> None:
    _overrides["store_probe"] = probe


def places() -> PlaceRepository:
    repository: PlaceRepository = _overrides.get("places") or _dynamo()
    return repository


def search_records() -> SearchRecordSource:
    """Compact search records and the page's places (``override(records=...)`` in tests)."""
    source: SearchRecordSource = _overrides.get("records") or _search_reader()
    return source


def candidates() -> CandidateSource:
    """Whole online places around a point or in a territory, read through the search records."""
    from chalicelib.domain.search.candidates import RecordCandidates

    return RecordCandidates(search_records())


# Back office (docs/backoffice.md) ---------------------------------------------------------


@cache
def _dynamo_backoffice() -> tuple[PlaceEditStore, BatchLedger, AnnouncementRepository]:
    from chalicelib.adapters.dynamodb.announcements import DynamoAnnouncementRepository
    from chalicelib.adapters.dynamodb.batch_ledger import DynamoBatchLedger
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository

    _dynamo()  # binds every registered table
    return DynamoPlaceRepository(), DynamoBatchLedger(), DynamoAnnouncementRepository()


def place_store() -> PlaceEditStore:
    """The place store with history and the back-office listing (``override(places=...)``
    must then be a store that implements them, as tests.fakes.InMemoryPlaceRepository does)."""
    store: PlaceEditStore = _overrides.get("places") or _dynamo_backoffice()[0]
    return store


def batch_ledger() -> BatchLedger:
    ledger: BatchLedger = _overrides.get("batch_ledger") or _dynamo_backoffice()[1]
    return ledger


def announcements() -> AnnouncementRepository:
    repository: AnnouncementRepository = _overrides.get("announcements") or _dynamo_backoffice()[2]
    return repository


def batch_queue() -> BatchQueue | None:
    """Where the API hands large batches (None without REPERE_BATCH_QUEUE_URL: the request
    applies them itself); ``override_batch_queue`` in tests."""
    queue: BatchQueue | None = _overrides.get("batch_queue")
    if queue is not None:
        return queue
    settings = get_settings()
    if settings.batch_queue_url is None:
        return None
    from chalicelib.adapters.sqs.batch_queue import SqsBatchQueue

    return SqsBatchQueue(_aws_client("sqs"), settings.batch_queue_url)


def override_batch_queue(queue: BatchQueue) -> None:
    _overrides["batch_queue"] = queue


def ids() -> IdGenerator:
    from chalicelib.domain.ids import RandomIds

    generator: IdGenerator = _overrides.get("ids") or RandomIds()
    return generator


@cache
def place_editor() -> PlaceEditor:
    from chalicelib.domain.places.editing import PlaceEditor

    return PlaceEditor(place_store(), clock(), ids(), taxonomy())


@cache
def batch_update_service() -> BatchUpdateService:
    from chalicelib.domain.batch.service import BatchUpdateService

    return BatchUpdateService(place_store(), batch_ledger(), clock(), taxonomy())


@cache
def announcement_service() -> AnnouncementService:
    from chalicelib.domain.announcements.service import AnnouncementService

    return AnnouncementService(announcements(), clock(), ids())


@cache
def search_service() -> SearchService:
    from chalicelib.domain.search.service import SearchService

    return SearchService(search_records(), taxonomy(), clock(), get_settings().public_site_url)


@cache
def place_search() -> PlaceSearch:
    """The search engine the API uses (REPERE_SEARCH_BACKEND): the DynamoDB-backed service, or
    OpenSearch with that service as its fallback (docs/opensearch.md)."""
    settings = get_settings()
    if settings.search_backend == "dynamodb":
        return search_service()
    # Imported here: a DynamoDB deployment never loads the OpenSearch adapter nor opensearch-py.
    from chalicelib.adapters.opensearch.fallback import CircuitBreaker, FallbackPlaceSearch
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch

    primary = OpenSearchPlaceSearch(
        opensearch_index(), taxonomy(), clock(), settings.public_site_url
    )
    breaker = CircuitBreaker(settings.opensearch_breaker_seconds)
    return FallbackPlaceSearch(primary, search_service(), breaker=breaker)


def place_scan() -> PlaceSnapshotSource:
    """Every place of the table (the OpenSearch reindex reads it)."""
    from chalicelib.adapters.dynamodb.place_scan import DynamoPlaceScan

    _dynamo()  # binds the tables
    return DynamoPlaceScan()


@cache
def opensearch_index(*, for_indexing: bool = False) -> PlacesIndex:
    """The places alias on the configured cluster. Workers ask ``for_indexing`` (longer
    timeouts, retries); the API's client fails fast (the fallback answers instead)."""
    from chalicelib.adapters.opensearch.client import PlacesIndex, build_client

    settings = get_settings()
    client = _overrides.get("opensearch_client") or build_client(
        settings, for_indexing=for_indexing
    )
    return PlacesIndex(client, settings.opensearch_alias)


@cache
def public_place_service() -> PublicPlaceService:
    from chalicelib.domain.places.public_service import PublicPlaceService

    return PublicPlaceService(places(), taxonomy(), clock(), get_settings().public_site_url)


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


# Exports (docs/exports.md). Tests swap the three adapters with ``override_exports``.


def override_exports(
    *,
    repository: ExportRepository | None = None,
    files: ExportFiles | None = None,
    queue: ExportQueue | None = None,
) -> None:
    for name, value in (
        ("export_repository", repository),
        ("export_files", files),
        ("export_queue", queue),
    ):
        if value is not None:
            _overrides[name] = value
    _clear_caches()


@cache
def _aws_exports() -> tuple[ExportRepository, ExportFiles, ExportQueue | None]:
    from chalicelib.adapters.dynamodb.export_repository import DynamoExportRepository
    from chalicelib.adapters.s3.export_files import S3ExportFiles
    from chalicelib.adapters.sqs.export_queue import SqsExportQueue

    settings = get_settings()
    _bind_store()
    files = S3ExportFiles(_aws_client("s3"), settings.exports_bucket)
    queue = None
    if settings.exports_queue_url is not None:
        queue = SqsExportQueue(_aws_client("sqs"), settings.exports_queue_url)
    return DynamoExportRepository(), files, queue


def export_repository() -> ExportRepository:
    repository: ExportRepository = _overrides.get("export_repository") or _aws_exports()[0]
    return repository


def export_files() -> ExportFiles:
    files: ExportFiles = _overrides.get("export_files") or _aws_exports()[1]
    return files


def export_queue() -> ExportQueue:
    queue: ExportQueue | None = _overrides.get("export_queue") or _aws_exports()[2]
    if queue is None:
        raise RuntimeError("REPERE_EXPORTS_QUEUE_URL is not set: exports cannot be queued")
    return queue


class _LazyQueue:
    """The queue, resolved when a job is sent: listing and downloading need no queue URL."""

    def send(self, export_id: str) -> None:
        export_queue().send(export_id)


@cache
def export_service() -> ExportService:
    """Request (``request_export``), list and download exports: what the API calls."""
    from chalicelib.domain.exports.national import RecordDepartments
    from chalicelib.domain.exports.service import ExportService

    settings = get_settings()
    return ExportService(
        export_repository(),
        _LazyQueue(),
        export_files(),
        taxonomy(),
        clock(),
        timezone=settings.default_timezone,
        download_ttl_seconds=settings.exports_download_ttl_seconds,
        departments=RecordDepartments(search_records()),
    )


# Submissions (docs/submissions.md). Tests swap the adapters with ``override_submissions``.


def override_submissions(
    *,
    repository: SubmissionRepository | None = None,
    limiter: RateLimiter | None = None,
    geocoder: Geocoder | None = None,
    decisions: DecisionStore | None = None,
) -> None:
    """``decisions`` must write to the same storage as ``repository`` and ``places``."""
    for name, value in (
        ("submission_repository", repository),
        ("rate_limiter", limiter),
        ("geocoder", geocoder),
        ("submission_decisions", decisions),
    ):
        if value is not None:
            _overrides[name] = value
    _clear_caches()


@cache
def _dynamo_submissions() -> tuple[SubmissionRepository, RateLimiter, DecisionStore]:
    from chalicelib.adapters.dynamodb.submissions import (
        DynamoDecisionStore,
        DynamoRateLimiter,
        DynamoSubmissionRepository,
    )

    _dynamo()  # binds every registered table
    repository = DynamoSubmissionRepository()
    return repository, DynamoRateLimiter(), DynamoDecisionStore(repository)


class _LazyMailQueue:
    """The mail queue, resolved when a mail is sent (a decision without mail needs none)."""

    def send(self, message: Any) -> None:
        mail_queue().send(message)


def decision_notifier() -> DecisionNotifier | None:
    """Decision mails through the mail pipeline; None (decisions only recorded) when the
    stage has no mail queue."""
    from chalicelib.domain.submissions.notifications import MailDecisionNotifier

    if _overrides.get("mail_queue") is None and get_settings().mail_queue_url is None:
        return None
    return MailDecisionNotifier(_LazyMailQueue())


def geocoder() -> Geocoder:
    chosen: Geocoder | None = _overrides.get("geocoder")
    if chosen is not None:
        return chosen
    settings = get_settings()
    if settings.geocoder == "fake":
        from chalicelib.adapters.geocoding.fake import FakeGeocoder

        return FakeGeocoder()
    from chalicelib.adapters.geocoding.api_adresse import ApiAdresseGeocoder

    return ApiAdresseGeocoder(
        settings.geocoder_url, timeout_seconds=settings.geocoder_timeout_seconds
    )


@cache
def submission_service() -> SubmissionService:
    from chalicelib.domain.submissions.service import (
        ClientHasher,
        IntakeLimits,
        SubmissionService,
    )

    settings = get_settings()
    repository: SubmissionRepository = (
        _overrides.get("submission_repository") or _dynamo_submissions()[0]
    )
    limiter: RateLimiter = _overrides.get("rate_limiter") or _dynamo_submissions()[1]
    decisions: DecisionStore = _overrides.get("submission_decisions") or _dynamo_submissions()[2]
    return SubmissionService(
        repository,
        places=places(),
        candidates=candidates(),
        geocoder=geocoder(),
        limiter=limiter,
        store=place_store(),
        decisions=decisions,
        notifier=decision_notifier(),
        ids=ids(),
        taxonomy=taxonomy(),
        hasher=ClientHasher(settings.submissions_key()),
        clock=clock(),
        site_url=settings.public_site_url,
        limits=IntakeLimits(per_hour=settings.submissions_per_hour),
    )


# Mail pipeline and self-update links (docs/selfupdate.md). Tests swap adapters with
# ``override_selfupdate``.

_SELFUPDATE_NAMES = (
    "mail_queue",
    "sent_ledger",
    "suppression_list",
    "mail_sender",
    "link_state",
    "link_codec",
)


def override_selfupdate(**adapters: Any) -> None:
    """``mail_queue``, ``sent_ledger``, ``suppression_list``, ``mail_sender``, ``link_state``,
    ``link_codec``: in-memory fakes or adapters bound to a test's moto."""
    for name, value in adapters.items():
        if name not in _SELFUPDATE_NAMES:
            raise TypeError(f"unknown adapter {name!r}")
        _overrides[name] = value
    _clear_caches()


def _clear_selfupdate_caches() -> None:
    for factory in (_aws_mail, _aws_links, self_update_service):
        factory.cache_clear()


@cache
def _aws_mail() -> tuple[SentLedger, SuppressionList]:
    from chalicelib.adapters.dynamodb.mail_store import DynamoSentLedger, DynamoSuppressionList

    _dynamo()  # binds the tables
    return (
        DynamoSentLedger(get_settings().mail_sent_retention_days),
        DynamoSuppressionList(),
    )


def sent_ledger() -> SentLedger:
    ledger: SentLedger = _overrides.get("sent_ledger") or _aws_mail()[0]
    return ledger


def suppression_list() -> SuppressionList:
    suppressions: SuppressionList = _overrides.get("suppression_list") or _aws_mail()[1]
    return suppressions


def mail_queue() -> MailQueue:
    queue: MailQueue | None = _overrides.get("mail_queue")
    if queue is not None:
        return queue
    from chalicelib.adapters.sqs.mail_queue import SqsMailQueue

    settings = get_settings()
    if settings.mail_queue_url is None:
        raise RuntimeError("REPERE_MAIL_QUEUE_URL is not set: mail cannot be queued")
    return SqsMailQueue(_aws_client("sqs"), settings.mail_queue_url)


def mail_sender() -> MailSender:
    sender: MailSender | None = _overrides.get("mail_sender")
    if sender is not None:
        return sender
    from chalicelib.adapters.ses.sender import SesV2Sender

    settings = get_settings()
    return SesV2Sender(
        _sesv2_client(settings.region),
        settings.mail_from_address,
        settings.mail_configuration_set,
    )


@cache
def _sesv2_client(region: str) -> Any:
    """One SES client per container: creating one costs ~50 ms (service model loading), once
    per mailer invocation before."""
    return _aws_client("sesv2")


@cache
def _aws_links() -> tuple[LinkStateStore, LinkTokenCodec]:
    from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, SsmKeySource
    from chalicelib.adapters.dynamodb.link_state import DynamoLinkStateStore

    settings = get_settings()
    _dynamo()  # binds the tables
    keys = SsmKeySource(
        _aws_client("ssm"),
        settings.self_update_keys_parameter,
        cache_seconds=settings.self_update_keys_cache_seconds,
    )
    return DynamoLinkStateStore(), JwtLinkCodec(keys)


def link_state() -> LinkStateStore:
    store: LinkStateStore = _overrides.get("link_state") or _aws_links()[0]
    return store


def link_codec() -> LinkTokenCodec:
    codec: LinkTokenCodec = _overrides.get("link_codec") or _aws_links()[1]
    return codec


@cache
def self_update_service() -> SelfUpdateService:
    from chalicelib.domain.selfupdate.service import SelfUpdateService

    settings = get_settings()
    return SelfUpdateService(
        place_editor(),
        place_store(),
        link_state(),
        link_codec(),
        clock(),
        ids=ids(),
        page_url=settings.self_update_page_url,
        link_days=settings.self_update_link_days,
        writes_per_hour=settings.self_update_writes_per_hour,
        mail=LazyMailQueue(),
    )


class LazyMailQueue:
    """The mail queue, resolved at the first send (issuing a link without mailing it, or
    reading a campaign, needs no queue URL) and kept."""

    def __init__(self) -> None:
        self._queue: MailQueue | None = None

    def send(self, message: MailMessage) -> None:
        if self._queue is None:
            self._queue = mail_queue()
        self._queue.send(message)


# Newsletters (docs/newsletters.md). Tests swap adapters with ``override_newsletters``.

_NEWSLETTER_NAMES = (
    "subscriber_store",
    "subscription_codec",
    "issue_store",
    "latest_exports",
    "newsletter_renderer",
    "newsletter_queue",
    "lambda_client",
)


def override_newsletters(**adapters: Any) -> None:
    """``subscriber_store``, ``subscription_codec``, ``issue_store``, ``latest_exports``,
    ``newsletter_renderer`` (renders previews in process), ``newsletter_queue`` (batch mail
    queue), ``lambda_client`` (invokes the preview worker, when its function is set)."""
    for name, value in adapters.items():
        if name not in _NEWSLETTER_NAMES:
            raise TypeError(f"unknown adapter {name!r}")
        _overrides[name] = value
    _clear_caches()


def _clear_newsletter_caches() -> None:
    for factory in (_newsletter_codec, _cached_issue_context, _sesv2_client, _lambda_client):
        factory.cache_clear()


@cache
def _newsletter_codec() -> Any:
    from chalicelib.adapters.auth.link_tokens import SsmKeySource
    from chalicelib.adapters.auth.newsletter_tokens import JwtSubscriptionCodec

    settings = get_settings()
    keys = SsmKeySource(
        _aws_client("ssm"),
        settings.self_update_keys_parameter,
        cache_seconds=settings.self_update_keys_cache_seconds,
    )
    return JwtSubscriptionCodec(keys)


def _newsletter_adapter(name: str) -> Any:
    found = _overrides.get(name)
    if found is not None:
        return found
    if name == "subscription_codec":
        return _newsletter_codec()
    from chalicelib.adapters.dynamodb.subscriptions import DynamoIssueStore, DynamoSubscriberStore

    _dynamo()  # binds the tables
    if name == "subscriber_store":
        return DynamoSubscriberStore()
    if name == "issue_store":
        return DynamoIssueStore()
    if name == "latest_exports":
        from chalicelib.domain.newsletters.digest import ExportListLinks

        return ExportListLinks(export_service(), get_settings().newsletter_api_url)
    if name == "newsletter_queue":
        return mail_queue()
    raise TypeError(f"no default for {name!r}")


def subscription_service() -> Any:
    """The ``SubscriptionService`` (typed Any here: its module loads on first use)."""
    from datetime import timedelta

    from chalicelib.domain.newsletters.subscriptions import (
        SubscriberIds,
        SubscriptionPolicy,
        SubscriptionService,
    )

    settings = get_settings()
    return SubscriptionService(
        _newsletter_adapter("subscriber_store"),
        _newsletter_adapter("subscription_codec"),
        LazyMailQueue(),
        SubscriberIds(settings.newsletter_key()),
        clock(),
        links=newsletter_links(),
        policy=SubscriptionPolicy(
            confirm_days=settings.newsletter_confirm_days,
            unsubscribe_days=settings.newsletter_unsubscribe_days,
            cooldown=timedelta(minutes=settings.newsletter_confirm_cooldown_minutes),
            per_client_per_hour=settings.newsletter_subscribe_per_client_per_hour,
        ),
        # The submissions' fixed-window counter (keys are namespaced per feature).
        limiter=_overrides.get("rate_limiter") or _dynamo_submissions()[1],
    )


def newsletter_links() -> Any:
    from chalicelib.domain.newsletters.subscriptions import SubscriptionLinks

    settings = get_settings()
    return SubscriptionLinks(
        confirm_page=settings.newsletter_confirm_page_url,
        unsubscribe_page=settings.newsletter_unsubscribe_page_url,
        api_url=settings.newsletter_api_url,
        unsubscribe_mailto=settings.newsletter_unsubscribe_mailto,
    )


def digest_builder() -> Any:
    from chalicelib.domain.newsletters.digest import DigestBuilder

    return DigestBuilder(
        place_store(),
        _newsletter_adapter("latest_exports"),
        site_url=get_settings().public_site_url,
    )


def newsletter_preview_service() -> Any:
    """The ``PreviewService`` over ``newsletter_previewer()``."""
    from chalicelib.domain.newsletters.preview import PreviewService

    return PreviewService(newsletter_previewer())


def newsletter_previewer() -> Any:
    """Who builds and renders previews (docs/newsletters.md, "Preview"): the
    ``newsletter-preview`` worker when ``REPERE_NEWSLETTER_PREVIEW_FUNCTION`` names it (deployed
    stages, ``make run``), else in process with the injected ``newsletter_renderer`` (tests),
    else the digest alone. The API never imports a template renderer: its package holds
    neither templates/ nor Jinja2 (tests/infra/test_packages.py)."""
    from chalicelib.domain.newsletters.preview import DigestPreviewer

    function = get_settings().newsletter_preview_function
    if function is not None:
        from chalicelib.adapters.aws_lambda.preview import LambdaPreviewer

        return LambdaPreviewer(_overrides.get("lambda_client") or _lambda_client(), function)
    return DigestPreviewer(digest_builder(), _overrides.get("newsletter_renderer"))


@cache
def _lambda_client() -> Any:
    import boto3
    from botocore.config import Config

    # One attempt, within the API's own timeout: a retried synchronous render would only
    # make the admin wait twice as long before the same 503.
    config = Config(connect_timeout=2, read_timeout=8, retries={"total_max_attempts": 1})
    return boto3.client("lambda", region_name=get_settings().region, config=config)


def newsletter_run() -> Any:
    from chalicelib.domain.newsletters.sending import NewsletterRun

    return NewsletterRun(
        digest_builder(),
        _newsletter_adapter("issue_store"),
        _newsletter_adapter("subscriber_store"),
        _newsletter_adapter("newsletter_queue"),
        links=newsletter_links(),
        unsubscribe_token=subscription_service().unsubscribe_token,
        clock=clock(),
    )


def mail_shared_context() -> Any:
    """Where the mailer finds content shared by many messages (newsletter issues)."""
    store: Any = _overrides.get("issue_store")
    if store is not None:
        from chalicelib.domain.newsletters.models import Digest

        class _FromStore:
            def load(self, ref: str) -> dict[str, Any] | None:
                digest: Digest | None = store.get(ref)
                return dict(digest.context()) if digest is not None else None

        return _FromStore()
    return _cached_issue_context()


def mail_subscription_check() -> Any:
    """How the mailer checks that list mail's subscription is still active."""
    store: Any = _overrides.get("subscriber_store")
    if store is not None:

        class _FromStore:
            def is_active(self, subscription: str) -> bool:
                found = store.get(subscription)
                return found is not None and found.status.value == "active"

        return _FromStore()
    from chalicelib.adapters.dynamodb.subscriptions import DynamoSubscriptionCheck

    _dynamo()  # binds the tables
    return DynamoSubscriptionCheck()


@cache
def _cached_issue_context() -> Any:
    from chalicelib.adapters.dynamodb.subscriptions import CachedIssueContext

    _dynamo()  # binds the tables
    return CachedIssueContext()


# Update campaigns (docs/campaigns.md).


def _clear_campaign_caches() -> None:
    campaign_service.cache_clear()


def campaign_repository() -> CampaignRepository:
    repository: CampaignRepository | None = _overrides.get("campaign_repository")
    if repository is not None:
        return repository
    from chalicelib.adapters.dynamodb.campaigns import DynamoCampaignRepository

    _dynamo()  # binds the tables
    return DynamoCampaignRepository()


def campaign_start_queue() -> StartQueue | None:
    """None without REPERE_CAMPAIGNS_QUEUE_URL: the API then prepares whole campaigns."""
    queue: StartQueue | None = _overrides.get("campaign_start_queue")
    if queue is not None:
        return queue
    settings = get_settings()
    if settings.campaigns_queue_url is None:
        return None
    from chalicelib.adapters.sqs.campaign_queue import SqsCampaignQueue

    return SqsCampaignQueue(_aws_client("sqs"), settings.campaigns_queue_url)


@cache
def campaign_service() -> CampaignService:
    from chalicelib.domain.campaigns.service import CampaignPolicy, CampaignService

    settings = get_settings()
    return CampaignService(
        campaign_repository(),
        place_store(),
        self_update_service(),
        LazyMailQueue(),
        clock(),
        starts=campaign_start_queue(),
        policy=CampaignPolicy(
            reminder_delay_days=settings.campaign_reminder_delay_days,
            max_reminders=settings.campaign_max_reminders,
            http_max_places=settings.campaign_http_max_places,
            worker_max_places=settings.campaign_worker_max_places,
            timezone=settings.default_timezone,
        ),
    )


# Statistics (docs/statistics.md). Tests swap adapters with ``override_stats``.

_STATS_NAMES = (
    "search_counter",
    "place_source",
    "stats_store",
    "export_downloads",
    "mail_activity",
    "submission_source",
)


def override_stats(**adapters: Any) -> None:
    """``search_counter``, ``place_source``, ``stats_store``, ``export_downloads``,
    ``mail_activity``, ``submission_source``: in-memory fakes or adapters bound to a test's
    moto. The snapshot's history is read from ``place_store()`` (``override(places=...)``)."""
    for name, value in adapters.items():
        if name not in _STATS_NAMES:
            raise TypeError(f"unknown adapter {name!r}")
        _overrides[name] = value


def search_counter() -> SearchCounter:
    chosen: SearchCounter | None = _overrides.get("search_counter")
    if chosen is not None:
        return chosen
    from chalicelib.domain.stats.search_counts import NullSearchCounter

    # A wiring whose place store is an in-memory fake (tests, tools) must not reach for a
    # DynamoDB table: it counts nothing unless a counter is given.
    if not get_settings().search_stats_enabled or "places" in _overrides:
        return NullSearchCounter()
    from chalicelib.adapters.dynamodb.search_counter import DynamoSearchCounter
    from chalicelib.adapters.dynamodb.search_reader import search_wire

    _search_reader()  # binds the table names
    return DynamoSearchCounter(search_wire(get_settings().dynamodb_search_transport))


class _LazySearchCounter:
    """Resolves the counter when recording, so a wiring fault is caught like a write fault."""

    def record(self, event: SearchEvent) -> None:
        search_counter().record(event)


def _count_failed(error_type: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name="SearchCountFailed", unit=MetricUnit.Count, value=1, namespace="Repere"
    ) as metric:
        metric.add_dimension(name="error_type", value=error_type)


def search_stats() -> SearchStatsRecorder:
    """What the public search calls after answering: never raises (docs/statistics.md)."""
    from chalicelib.domain.stats.search_counts import SearchStatsRecorder

    current = clock()
    return SearchStatsRecorder(
        _LazySearchCounter(),
        current.now,
        get_settings().default_timezone,
        on_failure=_count_failed,
    )


def stats_store() -> StatsStore:
    chosen: StatsStore | None = _overrides.get("stats_store")
    if chosen is not None:
        return chosen
    from chalicelib.adapters.dynamodb.stats import DynamoStatsStore

    _dynamo()  # binds the tables
    return DynamoStatsStore()


def stats_service() -> StatsService:
    from chalicelib.domain.stats.report import StatsService

    settings = get_settings()
    return StatsService(
        stats_store(),
        clock(),
        timezone=settings.default_timezone,
        max_range_days=settings.stats_max_range_days,
        taxonomy=taxonomy(),
    )


def snapshot_service() -> SnapshotService:
    """The daily snapshot (functions/stats_snapshot.py)."""
    from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources

    settings = get_settings()
    places: PlaceSource = _overrides.get("place_source") or place_scan()
    submissions: SubmissionSource | None = _overrides.get("submission_source")
    if submissions is None:
        from chalicelib.adapters.dynamodb.submissions import DynamoSubmissionRepository

        submissions = DynamoSubmissionRepository()
    exports: ExportDownloads | None = _overrides.get("export_downloads")
    mail: MailActivity | None = _overrides.get("mail_activity")
    if exports is None or mail is None:
        from chalicelib.adapters.dynamodb.stats import DynamoExportDownloads, DynamoMailActivity

        exports = exports or DynamoExportDownloads()
        mail = mail or DynamoMailActivity()
    return SnapshotService(
        SnapshotSources(
            places=places,
            history=place_store(),
            submissions=submissions,
            exports=exports,
            mail=mail,
        ),
        stats_store(),
        clock(),
        timezone=settings.default_timezone,
        coverage_since=settings.stats_coverage_since,
        coverage_days=settings.stats_coverage_days,
    )
