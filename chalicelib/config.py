"""One settings model, read once per container at cold start (environment variables REPERE_*).

A plain pydantic model fed from ``os.environ`` rather than pydantic-settings: that package
imports asyncio and its source providers, ~150 ms of cold start for a dozen variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

PREFIX = "REPERE_"

DEV_JWT_SECRET = "repere-DEVELOPMENT-ONLY-jwt-secret-never-use-in-a-deployed-stage"  # noqa: S105
"""Signs back-office tokens of the local stack and tests (``make token``). Refused when the
stage is a deployed one (see ``Settings._check_auth``): a deployed stage in local auth mode
must be given its own secret."""

LOCAL_STAGES = frozenset({"local", "test"})
_LOCAL_ORIGIN = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?")

DEV_SUBMISSIONS_SECRET = "repere-DEVELOPMENT-ONLY-submissions-hmac-key"  # noqa: S105
"""Keys the hashes of client addresses and payloads of submissions on local stages; deployed
stages must set REPERE_SUBMISSIONS_HASH_SECRET, and this value is refused there
(``Settings._check_submissions_secret``, docs/submissions.md)."""


API_STORE_CALL_BUDGET_SECONDS = 10.0
"""The longest one store call of the API may take (``Settings._check_store_budget``): a third
of API Gateway's 29 s, so a request that meets a slow store still answers, if only with 503."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    stage: str = "local"
    region: str = "eu-west-3"
    # Tables are named <table_prefix>-<name> (chalicelib/adapters/dynamodb/tables.py).
    table_prefix: str = Field(default="repere-local", pattern=r"^[A-Za-z0-9_.-]{1,200}$")
    # Where the website shows a place; the API builds public links from it.
    public_site_url: str = "https://repere.example.org"
    # Origins of the website allowed by CORS on public routes (comma-separated in the env).
    # Unset: on a local stage, any port of localhost / 127.0.0.1 / [::1] (a kiosk or website
    # development server picks its own port); on a deployed stage, none (infra/ sets the
    # stage's site). Set, it is exactly the list, on every stage.
    cors_origins: list[str] | None = None
    search_backend: Literal["dynamodb", "opensearch"] = "dynamodb"
    # OpenSearch backend (docs/opensearch.md). The endpoint is the domain's HTTPS URL; requests
    # are signed with SigV4 (service "es" for a managed domain, "aoss" for serverless) unless
    # opensearch_auth is "none" (a local cluster). Searches go to the alias, never to an index.
    opensearch_endpoint: str | None = Field(default=None, pattern=r"^https?://\S+$")
    opensearch_auth: Literal["sigv4", "none"] = "sigv4"
    opensearch_sigv4_service: Literal["es", "aoss"] = "es"
    opensearch_alias: str = Field(default="repere-places", pattern=r"^[a-z0-9][a-z0-9_-]{0,150}$")
    # A search slower than this answers from DynamoDB instead (the fallback).
    opensearch_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # After a timeout, refused connection, throttling or 5xx, searches skip OpenSearch for this
    # long (DynamoDB answers), then one search probes it: a hung cluster costs one timeout per
    # interval per container instead of one per search (adapters/opensearch/fallback.py).
    opensearch_breaker_seconds: float = Field(default=30.0, ge=1, le=600)
    # Indexing (stream indexer, reindex) may wait longer: bulk requests are large.
    opensearch_bulk_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    opensearch_bulk_size: int = Field(default=500, ge=1, le=10000)
    opensearch_replicas: int = Field(default=1, ge=0, le=5)
    # Days of opening intervals indexed ahead for open=now/today (refreshed daily by reindex).
    opensearch_hours_days: int = Field(default=8, ge=2, le=60)
    default_timezone: str = "Europe/Paris"
    # Public GET responses may be cached this long by kiosks and the CDN. Short, because
    # open-now changes by the minute.
    public_cache_seconds: int = Field(default=60, ge=0, le=3600)
    taxonomy_cache_seconds: int = Field(default=3600, ge=0, le=86400)
    search_default_limit: int = Field(default=20, ge=1, le=100)
    search_max_limit: int = Field(default=100, ge=1, le=500)
    search_default_radius_km: float = Field(default=5.0, gt=0)
    # The geohash planner covers at most 100 km (chalicelib/adapters/dynamodb/geo_cells.py).
    search_max_radius_km: float = Field(default=100.0, gt=0, le=100)
    # Threads used to run the geohash cell queries of one search in parallel.
    geo_query_workers: int = Field(default=8, ge=1, le=32)
    # How the DynamoDB search path talks to DynamoDB (chalicelib/adapters/dynamodb/wire.py):
    # "http", its own signed requests (falls back to botocore without credentials in the
    # environment), or "botocore" (tests with moto in process, which only patches botocore).
    dynamodb_search_transport: Literal["http", "botocore"] = "http"

    # Store budget (docs/faults.md). Every DynamoDB, SQS, S3, SES and SSM call of the API
    # gets store_max_attempts tries (botocore "standard" retries: throttling, 5xx, broken or
    # timed-out connections) of at most connect + read timeout each, with one backoff of at
    # most 1 s between them: 2 × (1 + 1) + 1 = 5 s at worst, 3 s when the store accepts
    # connections and never answers. The first call that fails ends the request with 503, so
    # a request stays far below API Gateway's 29 s (``_check_store_budget`` keeps any override
    # within 10 s per call). Workers have no caller waiting and their failures cost a whole
    # redelivered batch: they wait longer and retry more (worker_store_*).
    store_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=10)
    store_read_timeout_seconds: float = Field(default=1.0, gt=0, le=10)
    store_max_attempts: int = Field(default=2, ge=1, le=5)
    worker_store_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    worker_store_read_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    worker_store_max_attempts: int = Field(default=4, ge=1, le=10)
    # Retry-After of a 503 (a dependency failed): a few seconds, the time a throttled table or
    # a restarted node takes to answer again; not 30 s, which would keep clients away longer
    # than the fault lasts.
    unavailable_retry_after_seconds: int = Field(default=3, ge=1, le=300)

    # Exports (docs/exports.md): files in this bucket, jobs on this queue (the API only
    # enqueues; functions/exports renders). The download link lives a few minutes.
    exports_bucket: str = Field(
        default="repere-local-exports", pattern=r"^[a-z0-9][a-z0-9.-]{2,62}$"
    )
    exports_queue_url: str | None = None
    exports_download_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    exports_list_cache_seconds: int = Field(default=300, ge=0, le=86400)
    exports_list_max_limit: int = Field(default=100, ge=1, le=500)
    # The schedule's export sets (JSON, ExportSchedule); default functions/exports/export_sets.json
    exports_sets_file: str | None = None

    # Imports (docs/imports.md): files PUT to the exports bucket under imports/; a dry run or an
    # apply over HTTP reads at most imports_http_max_bytes and writes at most
    # imports_http_max_writes places (API Gateway's 29 s), the imports worker up to
    # imports_max_bytes.
    imports_max_bytes: int = Field(default=50_000_000, ge=1_000, le=500_000_000)
    imports_http_max_bytes: int = Field(default=1_000_000, ge=1_000, le=50_000_000)
    imports_http_max_writes: int = Field(default=300, ge=1, le=5_000)
    imports_upload_ttl_seconds: int = Field(default=900, ge=60, le=3600)

    # Partner API keys (docs/partners.md): a key's quota when the admin gives none (the
    # stage's partner usage plan sets the same figures on API Gateway: infra/stages.py),
    # and how long a container trusts a key it verified (a revocation's delay).
    partner_quota_per_minute: int = Field(default=1200, ge=1, le=100_000)
    partner_quota_per_day: int = Field(default=200_000, ge=1, le=100_000_000)
    partner_key_cache_seconds: int = Field(default=30, ge=0, le=300)
    # The SSM parameter holding the id of the stage's partner usage plan on API Gateway
    # (infra/api.py): each issued key is registered in that plan. None (local): no gateway
    # in front of the API, nothing to mirror.
    partner_usage_plan_parameter: str | None = Field(
        default=None, pattern=r"^/[A-Za-z0-9/_.-]{1,500}$"
    )
    # The change feed (docs/changes.md): pages of at most this many changes.
    changes_max_limit: int = Field(default=500, ge=1, le=1000)

    # Mail (docs/selfupdate.md): the API queues messages on mail_queue_url; functions/mailer.py
    # renders templates/mail/ and sends through SES v2 from mail_from_address (a verified
    # identity). A message id is remembered mail_sent_retention_days (no duplicate send).
    mail_queue_url: str | None = None
    mail_from_address: str = Field(
        default="no-reply@repere.example.org", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )
    mail_configuration_set: str | None = None
    mail_sent_retention_days: int = Field(default=30, ge=1, le=365)
    # Sends per second of one mailer container (0: no limit); the stage's rate is at most
    # this × the mail queue's max concurrency (infra/registry.py): keep it under SES's quota.
    mail_send_rate_per_second: float = Field(default=0, ge=0, le=1000)
    # Newsletters (docs/newsletters.md): subscriber ids are an HMAC of the address under
    # newsletter_id_secret (unset: the development key, local stages only); confirmation and
    # unsubscription pages on the website (token in the fragment); newsletter_api_url is the
    # API's public URL (one-click List-Unsubscribe, export links); an optional mailto.
    newsletter_id_secret: SecretStr | None = Field(default=None, min_length=32)
    newsletter_confirm_page_url: str = Field(
        default="https://repere.example.org/lettre/confirmer", pattern=r"^https?://\S+$"
    )
    newsletter_unsubscribe_page_url: str = Field(
        default="https://repere.example.org/lettre/desabonner", pattern=r"^https?://\S+$"
    )
    newsletter_api_url: str = Field(default="http://localhost:8000", pattern=r"^https?://\S+$")
    newsletter_unsubscribe_mailto: str | None = Field(
        default=None, pattern=r"^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$"
    )
    newsletter_confirm_days: int = Field(default=7, ge=1, le=30)
    newsletter_unsubscribe_days: int = Field(default=730, ge=30, le=3650)
    newsletter_confirm_cooldown_minutes: int = Field(default=60, ge=0, le=10080)
    newsletter_subscribe_per_client_per_hour: int = Field(default=10, ge=1, le=10000)
    # The worker rendering the back-office preview, invoked synchronously (set by the stack;
    # unset: previews render in process where a renderer was injected, else the digest alone).
    newsletter_preview_function: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # Update campaigns (docs/campaigns.md): the API prepares at most campaign_http_max_places
    # places of a start, the campaigns worker (campaigns_queue_url) the rest, by
    # campaign_worker_max_places; without a queue URL (make run) the API does it all.
    # Reminders after campaign_reminder_delay_days without an answer, at most
    # campaign_max_reminders per place.
    campaigns_queue_url: str | None = None
    campaign_http_max_places: int = Field(default=200, ge=1, le=5000)
    campaign_worker_max_places: int = Field(default=5000, ge=1, le=50000)
    campaign_reminder_delay_days: int = Field(default=7, ge=1, le=90)
    campaign_max_reminders: int = Field(default=2, ge=0, le=10)
    # Self-update links (docs/selfupdate.md): the website page the link opens (the token goes
    # in its fragment), how long a link lives, how many writes a link may make per hour, and
    # the SSM SecureString parameter holding the signing keys (cached per container).
    self_update_page_url: str = Field(
        default="https://repere.example.org/mise-a-jour", pattern=r"^https?://\S+$"
    )
    self_update_link_days: int = Field(default=30, ge=1, le=365)
    self_update_writes_per_hour: int = Field(default=30, ge=1, le=10000)
    self_update_keys_parameter: str = Field(
        default="/repere/local/self-update-keys", pattern=r"^/[A-Za-z0-9_./-]{1,1000}$"
    )
    self_update_keys_cache_seconds: int = Field(default=300, ge=0, le=3600)

    # Back office (docs/backoffice.md). "local": HS256 bearer tokens signed with
    # local_jwt_secret (`make token`); "cognito": API Gateway's Cognito user pool authorizer
    # verifies the token and the API reads its claims.
    auth_mode: Literal["local", "cognito"] = "local"
    local_jwt_secret: SecretStr = Field(default=SecretStr(DEV_JWT_SECRET), min_length=32)
    local_jwt_issuer: str = Field(default="repere-local", min_length=1)
    local_jwt_audience: str = Field(default="repere-backoffice", min_length=1)
    cognito_user_pool_arns: list[str] = Field(default_factory=list)
    # A batch update over HTTP must finish within API Gateway's 29 s; larger ones go to the
    # batch_update Lambda function (same service). Over HTTP, a batch applying more than
    # batch_http_sync_max_places places is planned, answered 202 with its status URL and
    # applied by the batch worker through batch_queue_url (unset, as under `make run`: the
    # request applies it all itself, up to batch_http_max_places).
    batch_http_max_places: int = Field(default=1000, ge=1, le=10000)
    batch_http_sync_max_places: int = Field(default=100, ge=1, le=1000)
    batch_queue_url: str | None = None
    admin_default_limit: int = Field(default=50, ge=1, le=500)
    admin_max_limit: int = Field(default=200, ge=1, le=1000)

    # Public submissions (docs/submissions.md). Client addresses are kept only as an HMAC
    # under this key; "fake" geocodes a few cities offline (tests, `make run`).
    # Unset: the development key on local stages; on a deployed stage only the API (the one
    # function given the variable) needs it, and submissions cannot be built without.
    submissions_hash_secret: SecretStr | None = Field(default=None, min_length=32)
    submissions_per_hour: int = Field(default=10, ge=1, le=1000)
    submissions_queue_max_limit: int = Field(default=100, ge=1, le=100)
    geocoder: Literal["api_adresse", "fake"] = "api_adresse"
    geocoder_url: str = Field(
        default="https://api-adresse.data.gouv.fr/search/", pattern=r"^https?://\S+$"
    )
    geocoder_timeout_seconds: float = Field(default=3.0, gt=0, le=10)

    # Translations (docs/translations.md): "amazon" is Amazon Translate (the translations
    # worker only), in translate_region (unset: the stage's region); "pseudo" marks texts with
    # their language, offline (`make run`).
    translator: Literal["amazon", "pseudo"] = "amazon"
    translate_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    translations_feed_batch: int = Field(default=100, ge=1, le=1000)

    # Statistics (docs/statistics.md): search counters (one UpdateItem per public search; off
    # turns counting off, not the search), the start of the update coverage window (a
    # campaign's first day; unset: the last stats_coverage_days days) and the widest report.
    search_stats_enabled: bool = True
    stats_coverage_since: date | None = None
    stats_coverage_days: int = Field(default=7, ge=1, le=3660)
    stats_max_range_days: int = Field(default=366, ge=1, le=3660)

    def allows_origin(self, origin: str) -> bool:
        if self.cors_origins is not None:
            return origin in self.cors_origins
        return self.stage in LOCAL_STAGES and _LOCAL_ORIGIN.fullmatch(origin) is not None

    @field_validator("cors_origins", "cognito_user_pool_arns", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _check_auth(self) -> Settings:
        deployed = self.stage not in LOCAL_STAGES
        if (
            self.auth_mode == "local"
            and deployed
            and self.local_jwt_secret.get_secret_value() == DEV_JWT_SECRET
        ):
            raise ValueError(
                f"stage {self.stage!r} uses the development JWT secret: set "
                "REPERE_LOCAL_JWT_SECRET, or REPERE_AUTH_MODE=cognito"
            )
        if self.auth_mode == "cognito" and not self.cognito_user_pool_arns:
            raise ValueError("REPERE_AUTH_MODE=cognito needs REPERE_COGNITO_USER_POOL_ARNS")
        return self

    @model_validator(mode="after")
    def _check_store_budget(self) -> Settings:
        if self.store_call_budget_seconds() > API_STORE_CALL_BUDGET_SECONDS:
            raise ValueError(
                f"REPERE_STORE_* allow {self.store_call_budget_seconds():.1f} s per store call: "
                f"at most {API_STORE_CALL_BUDGET_SECONDS:.0f} s fit API Gateway's 29 s"
            )
        return self

    def store_call_budget_seconds(self) -> float:
        """The longest one store call of the API may take: every attempt times out, with
        botocore's standard backoff (at most 1 s after the first attempt, 2 s after the
        second...) between them."""
        attempts = self.store_max_attempts
        per_attempt = self.store_connect_timeout_seconds + self.store_read_timeout_seconds
        backoff = sum(min(2.0**n, 20.0) for n in range(attempts - 1))
        return attempts * per_attempt + backoff

    @model_validator(mode="after")
    def _check_submissions_secret(self) -> Settings:
        secret = self.submissions_hash_secret
        if (
            self.stage not in LOCAL_STAGES
            and secret is not None
            and secret.get_secret_value() == DEV_SUBMISSIONS_SECRET
        ):
            raise ValueError(
                f"stage {self.stage!r} uses the development submissions key: set "
                "REPERE_SUBMISSIONS_HASH_SECRET to the stage's own secret"
            )
        return self

    def newsletter_key(self) -> bytes:
        """The HMAC key of subscriber ids (docs/newsletters.md). The development key serves
        local stages only; it must never change on a stage (ids would no longer match)."""
        if self.newsletter_id_secret is not None:
            return self.newsletter_id_secret.get_secret_value().encode()
        if self.stage in LOCAL_STAGES:
            return b"repere-DEVELOPMENT-ONLY-newsletter-subscriber-ids"
        raise ValueError(
            f"stage {self.stage!r} has no newsletter key: set REPERE_NEWSLETTER_ID_SECRET"
        )

    def submissions_key(self) -> bytes:
        """The HMAC key of submissions (client addresses, payload ids, queue cursors). The
        development key serves local stages only: a deployed stage must be given its own."""
        if self.submissions_hash_secret is not None:
            return self.submissions_hash_secret.get_secret_value().encode()
        if self.stage in LOCAL_STAGES:
            return DEV_SUBMISSIONS_SECRET.encode()
        raise ValueError(
            f"stage {self.stage!r} has no submissions key: set REPERE_SUBMISSIONS_HASH_SECRET "
            "(the development key is refused on deployed stages)"
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """REPERE_<FIELD> variables (unknown REPERE_ names are errors: typos must not pass)."""
        values: dict[str, object] = {
            name.removeprefix(PREFIX).lower(): value
            for name, value in environ.items()
            if name.startswith(PREFIX)
        }
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region and "region" not in values:
            values["region"] = region
        return cls.model_validate(values)


@cache
def get_settings() -> Settings:
    return Settings.from_environ(os.environ)
