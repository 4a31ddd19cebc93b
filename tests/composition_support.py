"""Composition roots for tests: the stage's AWS adapters (bound to the test's moto) with the
members a test replaces by fakes, a fixed clock, and the services built from them.

``use(clock=..., places=...)`` installs such a root (chalicelib.composition.install), which
every handler and worker then gets; further calls replace more members in a new root built
from the same choices, as does ``refresh()`` after a test changed the settings. ``reset()``
uninstalls it (the next root is built from the settings, as in Lambda)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, Unpack

from chalicelib import composition
from chalicelib.composition.adapters import AwsAdapters
from chalicelib.composition.budget import StoreBudget
from chalicelib.composition.root import Services
from chalicelib.config import get_settings

if TYPE_CHECKING:
    from opensearchpy import OpenSearch
    from pydantic import JsonValue

    from chalicelib.domain.announcements.ports import AnnouncementRepository
    from chalicelib.domain.batch.ports import BatchLedger, BatchQueue
    from chalicelib.domain.campaigns.ports import CampaignRepository, StartQueue
    from chalicelib.domain.changes.ports import ChangeLog
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.ports import ExportFiles, ExportQueue, ExportRepository
    from chalicelib.domain.ids import IdGenerator
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
        LatestExports,
        SubscriberStore,
        SubscriptionTokenCodec,
    )
    from chalicelib.domain.newsletters.preview import MessageRenderer
    from chalicelib.domain.partners.ports import ApiKeyStore
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


class Members(TypedDict, total=False):
    """Adapters a test may replace (chalicelib.composition.adapters.Adapters)."""

    places: PlaceEditStore
    search_records: SearchRecordSource
    place_scan: PlaceSnapshotSource
    search_counter: SearchCounter
    readiness: ReadinessProbe
    batch_ledger: BatchLedger
    batch_queue: BatchQueue | None
    announcements: AnnouncementRepository
    export_repository: ExportRepository
    export_files: ExportFiles
    export_queue: ExportQueue | None
    submission_repository: SubmissionRepository
    rate_limiter: RateLimiter
    decision_store: DecisionStore
    geocoder: Geocoder
    mail_queue: MailQueue | None
    newsletter_queue: MailBatchQueue | None
    sent_ledger: SentLedger
    suppression_list: SuppressionList
    mail_sender: MailSender
    mail_shared_context: SharedContextSource
    subscription_check: SubscriptionCheck
    link_state: LinkStateStore
    link_codec: LinkTokenCodec
    subscriber_store: SubscriberStore
    subscription_codec: SubscriptionTokenCodec
    issue_store: IssueStore
    newsletter_renderer: MessageRenderer | None
    lambda_client: object
    campaign_repository: CampaignRepository
    campaign_start_queue: StartQueue | None
    stats_store: StatsStore
    place_source: PlaceSource
    submission_source: SubmissionSource
    export_downloads: ExportDownloads
    mail_activity: MailActivity
    change_log: ChangeLog
    api_keys: ApiKeyStore
    import_jobs: ImportJobStore
    import_files: ImportFiles
    translations: TranslationStore
    translator: Translator


@dataclass
class _Choices:
    clock: Clock | None = None
    ids: IdGenerator | None = None
    opensearch_client: OpenSearch | None = None
    latest_exports: LatestExports | None = None
    worker: bool = False
    members: Members = field(default_factory=Members)


_chosen: list[_Choices] = []


def use(
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    opensearch_client: OpenSearch | None = None,
    latest_exports: LatestExports | None = None,
    worker: bool | None = None,
    **members: Unpack[Members],
) -> Services:
    """Install a root with these choices added to the installed ones. ``opensearch_client``:
    an opensearch-py client under both places indexes; ``worker``: the workers' store budget."""
    if not _chosen:
        _chosen.append(_Choices())
    chosen = _chosen[0]
    chosen.clock = clock or chosen.clock
    chosen.ids = ids or chosen.ids
    chosen.opensearch_client = opensearch_client or chosen.opensearch_client
    chosen.latest_exports = latest_exports or chosen.latest_exports
    chosen.worker = chosen.worker if worker is None else worker
    chosen.members.update(members)
    return refresh()


def refresh() -> Services:
    """A new root from the current settings (a root reads them once, as a container does):
    with the choices made so far, installed; else the process's, built from them."""
    if not _chosen:
        composition.uninstall()
        return composition.services()
    chosen = _chosen[0]
    settings = get_settings()
    budget = StoreBudget.worker(settings) if chosen.worker else StoreBudget.api(settings)
    adapters = AwsAdapters(settings, budget)
    given = chosen.members
    if "places" in given and "search_counter" not in given:
        from chalicelib.domain.stats.search_counts import NullSearchCounter

        # Fakes for the places: no DynamoDB table to count searches in either.
        adapters.search_counter = NullSearchCounter()
    subscribers = given.get("subscriber_store")
    if subscribers is not None and "subscription_check" not in given:
        adapters.subscription_check = SubscriptionsOf(subscribers)
    issues = given.get("issue_store")
    if issues is not None and "mail_shared_context" not in given:
        adapters.mail_shared_context = IssuesOf(issues)
    if chosen.opensearch_client is not None:
        from chalicelib.adapters.opensearch.client import PlacesIndex

        index = PlacesIndex(chosen.opensearch_client, settings.opensearch_alias)
        adapters.search_index = adapters.indexing_index = index
    for name, value in given.items():
        setattr(adapters, name, value)
    root = Services(settings, adapters, chosen.clock, chosen.ids)
    if chosen.latest_exports is not None:
        root.latest_exports = chosen.latest_exports
    return composition.install(root)


def reset() -> None:
    """Forget the choices and uninstall the root."""
    _chosen.clear()
    composition.uninstall()


def current() -> Services:
    return composition.services()


class SubscriptionsOf:
    """The mailer's subscription check read from a subscriber store (a fake's)."""

    def __init__(self, store: SubscriberStore) -> None:
        self._store = store

    def is_active(self, subscription: str) -> bool:
        found = self._store.get(subscription)
        return found is not None and found.status.value == "active"


class IssuesOf:
    """The mailer's shared content read from an issue store (a fake's)."""

    def __init__(self, store: IssueStore) -> None:
        self._store = store

    def load(self, ref: str) -> dict[str, JsonValue] | None:
        digest = self._store.get(ref)
        return dict(digest.context()) if digest is not None else None
