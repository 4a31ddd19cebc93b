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
    from chalicelib.adapters.opensearch.client import PlacesIndex
    from chalicelib.domain.announcements.ports import AnnouncementRepository
    from chalicelib.domain.announcements.service import AnnouncementService
    from chalicelib.domain.batch.ports import BatchLedger
    from chalicelib.domain.batch.service import BatchUpdateService
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.ports import ExportFiles, ExportQueue, ExportRepository
    from chalicelib.domain.exports.service import ExportService
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.mail.ports import MailQueue, MailSender, SentLedger, SuppressionList
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepository
    from chalicelib.domain.places.public_service import PublicPlaceService
    from chalicelib.domain.search.indexing import PlaceSnapshotSource
    from chalicelib.domain.search.ports import CandidateSource, PlaceSearch
    from chalicelib.domain.search.service import SearchService
    from chalicelib.domain.selfupdate.ports import LinkStateStore, LinkTokenCodec
    from chalicelib.domain.selfupdate.service import SelfUpdateService
    from chalicelib.domain.submissions.ports import Geocoder, RateLimiter, SubmissionRepository
    from chalicelib.domain.submissions.service import SubmissionService
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy

_OPENAPI_FILE = Path(__file__).resolve().parent / "data" / "openapi.json"

_overrides: dict[str, Any] = {}


def override(
    *,
    clock: Clock | None = None,
    places: PlaceRepository | None = None,
    candidates: CandidateSource | None = None,
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
        ("candidates", candidates),
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
    for factory in (_dynamo, search_service, public_place_service):
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
    for submissions_factory in (_dynamo_submissions, submission_service):
        submissions_factory.cache_clear()


def taxonomy() -> Taxonomy:
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

    return default_taxonomy()


def clock() -> Clock:
    from chalicelib.domain.clock import SystemClock

    chosen: Clock = _overrides.get("clock") or SystemClock()
    return chosen


@cache
def _dynamo() -> tuple[PlaceRepository, CandidateSource]:
    # Imported here so a cold start that only serves /health or /categories skips PynamoDB.
    from chalicelib.adapters.dynamodb.candidate_source import DynamoCandidateSource
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.tables import bind_tables

    settings = get_settings()
    bind_tables(settings.table_prefix, region=settings.region)
    return DynamoPlaceRepository(), DynamoCandidateSource(max_workers=settings.geo_query_workers)


def places() -> PlaceRepository:
    repository: PlaceRepository = _overrides.get("places") or _dynamo()[0]
    return repository


def candidates() -> CandidateSource:
    source: CandidateSource = _overrides.get("candidates") or _dynamo()[1]
    return source


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

    return SearchService(candidates(), taxonomy(), clock(), get_settings().public_site_url)


@cache
def place_search() -> PlaceSearch:
    """The search engine the API uses (REPERE_SEARCH_BACKEND): the DynamoDB-backed service, or
    OpenSearch with that service as its fallback (docs/opensearch.md)."""
    settings = get_settings()
    if settings.search_backend == "dynamodb":
        return search_service()
    # Imported here: a DynamoDB deployment never loads the OpenSearch adapter nor opensearch-py.
    from chalicelib.adapters.opensearch.fallback import FallbackPlaceSearch
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch

    primary = OpenSearchPlaceSearch(
        opensearch_index(), taxonomy(), clock(), settings.public_site_url
    )
    return FallbackPlaceSearch(primary, search_service())


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
    import boto3

    from chalicelib.adapters.dynamodb.export_repository import DynamoExportRepository
    from chalicelib.adapters.dynamodb.tables import bind_tables
    from chalicelib.adapters.s3.export_files import S3ExportFiles
    from chalicelib.adapters.sqs.export_queue import SqsExportQueue

    settings = get_settings()
    bind_tables(settings.table_prefix, region=settings.region)
    files = S3ExportFiles(boto3.client("s3", region_name=settings.region), settings.exports_bucket)
    queue = None
    if settings.exports_queue_url is not None:
        sqs = boto3.client("sqs", region_name=settings.region)
        queue = SqsExportQueue(sqs, settings.exports_queue_url)
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
    )


# Submissions (docs/submissions.md). Tests swap the adapters with ``override_submissions``.


def override_submissions(
    *,
    repository: SubmissionRepository | None = None,
    limiter: RateLimiter | None = None,
    geocoder: Geocoder | None = None,
) -> None:
    for name, value in (
        ("submission_repository", repository),
        ("rate_limiter", limiter),
        ("geocoder", geocoder),
    ):
        if value is not None:
            _overrides[name] = value
    _clear_caches()


@cache
def _dynamo_submissions() -> tuple[SubmissionRepository, RateLimiter]:
    from chalicelib.adapters.dynamodb.submissions import (
        DynamoRateLimiter,
        DynamoSubmissionRepository,
    )

    _dynamo()  # binds every registered table
    return DynamoSubmissionRepository(), DynamoRateLimiter()


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
    return SubmissionService(
        repository,
        places=places(),
        candidates=candidates(),
        geocoder=geocoder(),
        limiter=limiter,
        editor=place_editor(),
        hasher=ClientHasher(settings.submissions_hash_secret.get_secret_value().encode()),
        clock=clock(),
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
    import boto3

    from chalicelib.adapters.sqs.mail_queue import SqsMailQueue

    settings = get_settings()
    if settings.mail_queue_url is None:
        raise RuntimeError("REPERE_MAIL_QUEUE_URL is not set: mail cannot be queued")
    return SqsMailQueue(boto3.client("sqs", region_name=settings.region), settings.mail_queue_url)


def mail_sender() -> MailSender:
    sender: MailSender | None = _overrides.get("mail_sender")
    if sender is not None:
        return sender
    import boto3

    from chalicelib.adapters.ses.sender import SesV2Sender

    settings = get_settings()
    return SesV2Sender(
        boto3.client("sesv2", region_name=settings.region),
        settings.mail_from_address,
        settings.mail_configuration_set,
    )


@cache
def _aws_links() -> tuple[LinkStateStore, LinkTokenCodec]:
    import boto3

    from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, SsmKeySource
    from chalicelib.adapters.dynamodb.link_state import DynamoLinkStateStore

    settings = get_settings()
    _dynamo()  # binds the tables
    keys = SsmKeySource(
        boto3.client("ssm", region_name=settings.region),
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
    )
