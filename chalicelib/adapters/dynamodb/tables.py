"""Every DynamoDB table of Repère, bound to its name in one place.

Tables are named ``<table_prefix>-<logical name>`` (``repere-prod-places``), so one setting
(REPERE_TABLE_PREFIX) points a stage, a test or the local stack at its own set of tables, and
infra/ derives the same names. A feature adds its PynamoDB model to ``TABLES`` below.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.adapters.dynamodb import names
from chalicelib.adapters.dynamodb.api_keys import ApiKeyRecord
from chalicelib.adapters.dynamodb.backoffice_models import (
    AnnouncementRecord,
    BatchLedgerRecord,
    PlaceHistoryRecord,
)
from chalicelib.adapters.dynamodb.campaigns import CampaignRecord, CampaignTargetRecord
from chalicelib.adapters.dynamodb.changes import ChangeRecord
from chalicelib.adapters.dynamodb.export_models import ExportItem
from chalicelib.adapters.dynamodb.imports import ImportJobRecord
from chalicelib.adapters.dynamodb.mail_models import (
    SelfUpdateLinkRecord,
    SentMailRecord,
    SuppressionRecord,
)
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord
from chalicelib.adapters.dynamodb.search_reader import forget_search_client
from chalicelib.adapters.dynamodb.stats import StatsRecord
from chalicelib.adapters.dynamodb.submissions import SubmissionRecord
from chalicelib.adapters.dynamodb.subscriptions import NewsletterIssueRecord, SubscriptionRecord
from chalicelib.adapters.dynamodb.translations import TranslationRecord

# logical name -> model. Keep in sync with infra/ (a test checks the synthesized template).
TABLES: dict[str, type[Model]] = {
    "places": PlaceRecord,
    "search-cells": SearchCellRecord,
    "place-history": PlaceHistoryRecord,
    "batch-updates": BatchLedgerRecord,
    "announcements": AnnouncementRecord,
    "exports": ExportItem,
    "submissions": SubmissionRecord,
    "sent-mail": SentMailRecord,
    "mail-suppressions": SuppressionRecord,
    "self-update-links": SelfUpdateLinkRecord,
    "newsletter-subscriptions": SubscriptionRecord,
    "newsletter-issues": NewsletterIssueRecord,
    "stats": StatsRecord,
    "campaigns": CampaignRecord,
    "campaign-targets": CampaignTargetRecord,
    "api-keys": ApiKeyRecord,
    "changes": ChangeRecord,
    "import-jobs": ImportJobRecord,
    "translations": TranslationRecord,
}


def bind_tables(prefix: str, region: str, host: str | None = None) -> None:
    """Point every model at its table. Call once at start-up, before any read or write.

    ``host`` is an endpoint URL for a local DynamoDB; None means the AWS endpoint of
    ``region`` (or AWS_ENDPOINT_URL_DYNAMODB). Rebinding drops cached connections, so tests
    can bind once per test inside their own moto mock.
    """
    names.bind(prefix, region)  # also for the search path, which reads without PynamoDB
    for logical, model in TABLES.items():
        meta: Any = model.Meta  # PynamoDB types Meta as read-only settings
        meta.table_name = names.table_name(prefix, logical)
        meta.region = region
        meta.host = host
        model._connection = None
    forget_search_client()  # the search client follows the binding too


def set_timeouts(connect_seconds: float, read_seconds: float, attempts: int) -> None:
    """Give every model this process's store budget (``attempts`` counts the first try)."""
    for model in TABLES.values():
        meta: Any = model.Meta  # PynamoDB types Meta as read-only settings
        meta.connect_timeout_seconds = connect_seconds
        meta.read_timeout_seconds = read_seconds
        # PynamoDB counts retries after the first attempt (botocore standard mode); its
        # base_backoff_ms is no longer read by PynamoDB 6: botocore's jittered backoff applies.
        meta.max_retry_attempts = attempts - 1


def create_tables(wait: bool = True) -> None:
    """Create the bound tables that do not exist yet (tests, local stack; AWS uses infra/)."""
    for model in TABLES.values():
        if not model.exists():
            model.create_table(wait=wait)
