"""The vocabulary of infra/registry.py: workers, their triggers, and what a function may touch.

Plain frozen dataclasses, no CDK: the registry can be imported, validated and turned into IAM
statements (infra/permissions.py) by fast unit tests, and the stack (infra/stack.py) reads the
same declarations to build resources.

An access declaration names a resource of the registry and *verbs*; the verbs map to exact IAM
actions in infra/permissions.py (no wildcard action ever). Verbs per resource kind:

- table: ``read`` (GetItem, BatchGetItem, Query, ConditionCheckItem, on the table and each of
  its indexes), ``write`` (PutItem, UpdateItem, DeleteItem, BatchWriteItem, ConditionCheckItem),
  ``scan`` (Scan: a full read, declared apart because it costs the whole table);
- bucket: ``read`` (GetObject), ``write`` (PutObject), ``delete`` (DeleteObject), ``list``
  (ListBucket), optionally limited to a key prefix;
- queue: ``send`` (SendMessage). Consuming is implied by a ``QueueTrigger``;
- search (the OpenSearch domain): ``read`` (GET/HEAD/POST) or ``write`` (also PUT/DELETE);
- email: ``send`` through the stage's SES identity and configuration set;
- parameter: read (with decryption) the SSM parameter ``/repere/<stage>/<name>``, created by
  operators as a SecureString (CloudFormation cannot create one); the function gets its *name*
  in ``env`` and reads it at run time (the self-update signing keys);
- secret: a Secrets Manager secret the stack creates with a random value. ``delivery="arn"``:
  the function gets its ARN in ``env`` and may read it; ``delivery="value"``: CloudFormation
  puts the value itself in ``env`` at deploy time (for settings read from the environment;
  it is then visible in the function's configuration, see docs/infra.md "Secrets");
- translate: ``translate`` (translate:TranslateText, Amazon Translate's real-time call; the
  translations worker only, docs/translations.md);
- function (a worker of the registry): ``invoke`` (InvokeFunction on that one function, for a
  synchronous call); the caller gets the function's name in ``env`` (the API asks the
  ``newsletter-preview`` worker to render a preview: the API never renders templates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

NAME = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
"""Logical names of workers, queues, buckets and secrets: they become parts of AWS names
(``repere-<stage>-<name>``), so they stay short, lowercase and hyphenated."""

HANDLER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$")

TABLE_VERBS = frozenset({"read", "write", "scan"})
BUCKET_VERBS = frozenset({"read", "write", "delete", "list"})
QUEUE_VERBS = frozenset({"send"})
SEARCH_VERBS = frozenset({"read", "write"})
EMAIL_VERBS = frozenset({"send"})
FUNCTION_VERBS = frozenset({"invoke"})
TRANSLATE_VERBS = frozenset({"translate"})

LAMBDA_MAX_TIMEOUT = 900
VISIBILITY_PER_TIMEOUT = 6
"""AWS's advice for an SQS event source: the queue's visibility timeout is at least six times
the function's timeout, so a message is not redelivered while a retried batch still runs
(900 s x 6 stays under SQS's 12-hour maximum)."""


class Package(StrEnum):
    """How a worker's code is packaged (docs/infra.md, "Packaging")."""

    ZIP = "zip"
    """functions/, chalicelib/ and templates/ with requirements.txt, bundled by pip (no Docker)."""
    IMAGE = "image"
    """The container image of infra/docker/workers.Dockerfile: requirements-workers.txt and the
    native libraries WeasyPrint needs (pango, harfbuzz, fonts)."""


def _verbs(kind: str, verbs: tuple[str, ...], allowed: frozenset[str]) -> frozenset[str]:
    if not verbs:
        raise ValueError(f"{kind} access needs at least one verb (one of {sorted(allowed)})")
    unknown = set(verbs) - allowed
    if unknown:
        raise ValueError(f"unknown {kind} verbs {sorted(unknown)} (allowed: {sorted(allowed)})")
    return frozenset(verbs)


def _name(kind: str, name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"{kind} name {name!r} must match {NAME.pattern}")
    return name


@dataclass(frozen=True)
class TableAccess:
    table: str
    verbs: frozenset[str]


@dataclass(frozen=True)
class BucketAccess:
    bucket: str
    verbs: frozenset[str]
    prefix: str = ""
    """Object key prefix the grant is limited to ("" = every object of the bucket)."""


@dataclass(frozen=True)
class QueueAccess:
    queue: str
    verbs: frozenset[str]


@dataclass(frozen=True)
class SearchAccess:
    verbs: frozenset[str]


@dataclass(frozen=True)
class EmailAccess:
    verbs: frozenset[str]


@dataclass(frozen=True)
class TranslateAccess:
    verbs: frozenset[str]


@dataclass(frozen=True)
class ParameterAccess:
    parameter: str
    env: str


@dataclass(frozen=True)
class SecretAccess:
    secret: str
    env: str
    delivery: Literal["arn", "value"] = "arn"


@dataclass(frozen=True)
class FunctionAccess:
    function: str
    """A worker's name (``Worker.name``)."""
    verbs: frozenset[str]
    env: str


Access = (
    TableAccess
    | BucketAccess
    | QueueAccess
    | SearchAccess
    | EmailAccess
    | ParameterAccess
    | SecretAccess
    | FunctionAccess
    | TranslateAccess
)


def table(name: str, *verbs: str) -> TableAccess:
    """Access to the DynamoDB table ``name`` (a key of ``tables.TABLES``)."""
    return TableAccess(name, _verbs("table", verbs, TABLE_VERBS))


def bucket(name: str, *verbs: str, prefix: str = "") -> BucketAccess:
    if prefix.startswith("/") or "*" in prefix:
        raise ValueError(f"bucket prefix {prefix!r}: no leading slash, no wildcard")
    return BucketAccess(_name("bucket", name), _verbs("bucket", verbs, BUCKET_VERBS), prefix)


def queue(name: str, *verbs: str) -> QueueAccess:
    return QueueAccess(_name("queue", name), _verbs("queue", verbs, QUEUE_VERBS))


def search(*verbs: str) -> SearchAccess:
    return SearchAccess(_verbs("search", verbs, SEARCH_VERBS))


def translate(*verbs: str) -> TranslateAccess:
    return TranslateAccess(_verbs("translate", verbs, TRANSLATE_VERBS))


def email(*verbs: str) -> EmailAccess:
    return EmailAccess(_verbs("email", verbs, EMAIL_VERBS))


def parameter(name: str, *, env: str) -> ParameterAccess:
    if not env.startswith("REPERE_"):
        raise ValueError(f"parameter {name!r}: its name goes in a REPERE_ variable, not {env!r}")
    return ParameterAccess(_name("parameter", name), env)


def secret(name: str, *, env: str, delivery: Literal["arn", "value"] = "arn") -> SecretAccess:
    if not env.startswith("REPERE_"):
        raise ValueError(f"secret {name!r}: it goes in a REPERE_ variable, not {env!r}")
    if delivery not in ("arn", "value"):
        raise ValueError(f"secret {name!r}: delivery is 'arn' or 'value', not {delivery!r}")
    return SecretAccess(_name("secret", name), env, delivery)


def function(name: str, *verbs: str, env: str) -> FunctionAccess:
    """Calling the worker ``name`` of the registry; its function name goes in ``env``."""
    if not env.startswith("REPERE_"):
        raise ValueError(f"function {name!r}: its name goes in a REPERE_ variable, not {env!r}")
    return FunctionAccess(_name("function", name), _verbs("function", verbs, FUNCTION_VERBS), env)


# Triggers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler schedule invoking the worker.

    ``expression`` is read in ``timezone`` (``cron(0 6 ? * MON *)`` is 06:00 in Paris, summer
    and winter). By default the worker receives ``{"time": <scheduled time>, "detail":
    <detail>}``, the part of an EventBridge event handlers parse (``time`` is the scheduled
    instant, so a retried delivery names the same day); ``payload`` replaces that with a
    constant event (a handler that forbids unknown fields gets exactly what it expects).
    """

    name: str
    expression: str
    description: str
    timezone: str = "Europe/Paris"
    detail: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] | None = None
    retry_attempts: int = 2
    max_event_age_seconds: int = 3600

    @property
    def event(self) -> dict[str, Any]:
        """What the worker receives (``<aws.scheduler.scheduled-time>`` is filled in by
        EventBridge Scheduler)."""
        if self.payload is not None:
            return dict(self.payload)
        return {"time": "<aws.scheduler.scheduled-time>", "detail": dict(self.detail)}

    def __post_init__(self) -> None:
        _name("schedule", self.name)
        if self.payload is not None and self.detail:
            raise ValueError(f"schedule {self.name!r}: a constant payload has no detail")
        if not re.match(r"^(cron|rate|at)\(.+\)$", self.expression):
            raise ValueError(f"schedule {self.name!r}: {self.expression!r} is not an expression")
        if not 0 <= self.retry_attempts <= 185:
            raise ValueError("schedule retry_attempts must be within 0..185")
        if not 60 <= self.max_event_age_seconds <= 86_400:
            raise ValueError("schedule max_event_age_seconds must be within 60..86400")


@dataclass(frozen=True)
class QueueTrigger:
    """The worker consumes the SQS queue ``queue`` (created by the stack, with its dead-letter
    queue). Handlers report failures per record (``batchItemFailures``): the mapping enables
    ReportBatchItemFailures, so only failed messages come back, and after
    ``max_receive_count`` deliveries a message moves to the dead-letter queue."""

    queue: str
    batch_size: int = 1
    max_batching_window_seconds: int = 0
    max_receive_count: int = 3
    max_concurrency: int | None = None
    """Concurrent invocations the mapping may run (2..1000; None = Lambda's default)."""

    def __post_init__(self) -> None:
        _name("queue", self.queue)
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError("queue batch_size must be within 1..10000")
        if self.batch_size > 10 and self.max_batching_window_seconds == 0:
            raise ValueError("a queue batch_size above 10 needs a batching window")
        if not 0 <= self.max_batching_window_seconds <= 300:
            raise ValueError("queue max_batching_window_seconds must be within 0..300")
        if not 1 <= self.max_receive_count <= 1000:
            raise ValueError("queue max_receive_count must be within 1..1000")
        if self.max_concurrency is not None and not 2 <= self.max_concurrency <= 1000:
            raise ValueError("queue max_concurrency must be within 2..1000")


@dataclass(frozen=True)
class StreamTrigger:
    """The worker consumes the DynamoDB stream of ``table`` (whose model must declare a
    ``stream_view_type``). The mapping reports batch item failures, bisects a failing batch,
    retries ``retry_attempts`` times, then sends the failed batch's description to a dead-letter
    queue (the on-failure destination) so the stream moves on."""

    table: str
    batch_size: int = 100
    max_batching_window_seconds: int = 1
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"
    retry_attempts: int = 10
    max_record_age_seconds: int = 86_400
    bisect_batch_on_error: bool = True
    parallelization_factor: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError("stream batch_size must be within 1..10000")
        if not 0 <= self.max_batching_window_seconds <= 300:
            raise ValueError("stream max_batching_window_seconds must be within 0..300")
        if not 0 <= self.retry_attempts <= 10_000:
            raise ValueError("stream retry_attempts must be within 0..10000")
        if not 60 <= self.max_record_age_seconds <= 604_800:
            raise ValueError("stream max_record_age_seconds must be within 60..604800")
        if not 1 <= self.parallelization_factor <= 10:
            raise ValueError("stream parallelization_factor must be within 1..10")


Trigger = Schedule | QueueTrigger | StreamTrigger


@dataclass(frozen=True)
class Worker:
    """One Lambda function of functions/: one entry of ``registry.WORKERS``.

    The function is named ``repere-<stage>-<name>``, logs to ``/aws/lambda/<that name>``,
    runs with a role holding exactly the statements ``access`` and ``triggers`` imply, and is
    alarmed on errors and throttles.
    """

    name: str
    handler: str
    """``module.function`` (``functions.exports.handlers.queue_handler``)."""
    description: str
    package: Package = Package.ZIP
    memory_mb: int = 512
    timeout_seconds: int = 60
    triggers: tuple[Trigger, ...] = ()
    access: tuple[Access, ...] = ()
    reserved_concurrency: int | None = None
    service: str | None = None
    """POWERTOOLS_SERVICE_NAME (default ``repere-<name>``)."""
    ephemeral_storage_mb: int = 512
    """Lambda's ephemeral storage (default 512 MB): where the national export files spool."""

    def __post_init__(self) -> None:
        _name("worker", self.name)
        if not HANDLER.match(self.handler):
            raise ValueError(f"worker {self.name!r}: handler {self.handler!r} is not module.func")
        if not 128 <= self.memory_mb <= 10_240:
            raise ValueError(f"worker {self.name!r}: memory_mb must be within 128..10240")
        if not 1 <= self.timeout_seconds <= LAMBDA_MAX_TIMEOUT:
            raise ValueError(f"worker {self.name!r}: timeout_seconds must be within 1..900")
        if not 512 <= self.ephemeral_storage_mb <= 10_240:
            raise ValueError(
                f"worker {self.name!r}: ephemeral_storage_mb must be within 512..10240"
            )
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise ValueError(f"worker {self.name!r}: reserved_concurrency must be >= 0")

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def function(self) -> str:
        return self.handler.rpartition(".")[2]

    @property
    def service_name(self) -> str:
        return self.service or f"repere-{self.name}"


@dataclass(frozen=True)
class Api:
    """The Chalice API function: what its role may touch (the rest comes from .chalice/)."""

    access: tuple[Access, ...]
    service: str = "repere-api"


# Shared resources ---------------------------------------------------------------------------


TOPICS = frozenset({"mail-feedback"})
"""SNS topics of the stack a queue may subscribe to (``mail-feedback``: SES bounces and
complaints of the stage's configuration set)."""


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue (and its dead-letter queue). ``env``: the REPERE_ variable holding its URL
    in every function's environment (None: no function needs the URL). ``topic``: a topic of
    the stack (``TOPICS``) whose notifications the queue receives, in their SNS envelope."""

    env: str | None = None
    topic: str | None = None
    dlq_retention_days: int = 14

    def __post_init__(self) -> None:
        if self.topic is not None and self.topic not in TOPICS:
            raise ValueError(f"unknown topic {self.topic!r} (known: {sorted(TOPICS)})")


@dataclass(frozen=True)
class BucketSpec:
    """A private S3 bucket. ``env``: the REPERE_ variable holding its name."""

    env: str
    expire_noncurrent_days: int = 30
    expire_objects_days: int | None = None
    """Delete objects this long after they were written (None: keep them)."""


@dataclass(frozen=True)
class SecretSpec:
    """A Secrets Manager secret the stack creates with a random value (never in the
    repository); functions receive its ARN and read it at cold start."""

    description: str
