"""The runtime of every worker of functions/: what each handler used to copy, done once.

``@worker(service, ...)`` wraps a handler with:

- the worker's own service name on every log line it causes, its own and those of
  ``chalicelib`` (one shared Powertools logger: ``chalicelib.observability.logger``), for the
  time of the invocation. The name is the registry's (``infra/registry.py``,
  ``Worker.service_name``; tests/unit/test_worker_runtime.py holds both to the same value):
  infra/ is not packaged with the workers, so the name is written beside the handler;
- Powertools ``inject_lambda_context``: the function's name, ARN, memory and request id, the
  cold start, and a correlation id (``CORRELATION_PATH``: an EventBridge event's id, the first
  SQS message's id or the first stream record's id; else Lambda's request id). A message's id
  stays the same across redeliveries, so a batch resumed five times reads as one story;
- ``log_metrics`` (EMF, flushed at the end of the invocation) and the X-Ray tracer (when
  ``aws-xray-sdk`` is installed: see ``_tracer``);
- the event's pydantic model, if given: a malformed event is refused in the worker's own shape
  (``refuse``) before the body runs, so it touches nothing.

``RecordBatch`` runs SQS and stream records through Powertools' ``BatchProcessor``, each SQS
message's JSON body parsed by a pydantic model (``SqsMessage``): a record that does not parse,
or whose handler raises, is reported in ``batchItemFailures`` and only that one is retried.

Callers that are not Lambda (tests, devtools) pass no context, or a partial one: the runtime
completes it for the logger (``LocalContext``, a generated request id) and hands the body the
caller's own, unchanged (``None`` stays ``None``: a worker reads it as "no deadline").
"""

from __future__ import annotations

import functools
import importlib.util
import os
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from pydantic import BaseModel, ConfigDict, Json, ValidationError, model_validator

from chalicelib import composition
from chalicelib.composition.root import Services
from chalicelib.domain.errors import first_problem
from chalicelib.observability import logger

Answer = dict[str, Any]
Handler = Callable[[Any, Any], Answer]
E = TypeVar("E", bound=BaseModel)
B = TypeVar("B")
R = TypeVar("R")

CORRELATION_PATH = "id || Records[0].messageId || Records[0].eventID"
"""JMESPath of the correlation id in an event (Powertools ``correlation_id_path``)."""

DEFAULT_METRICS_NAMESPACE = "Repere"
"""Outside Lambda (tests, devtools) no POWERTOOLS_METRICS_NAMESPACE is set: the namespace the
API's own metrics use (chalicelib/adapters/opensearch/fallback.py)."""

NO_METRICS_WARNING = "No application metrics to publish*"
"""What log_metrics warns after every invocation that added no metric: most add none."""
# Process-wide as well as around each flush (below): ``warnings.catch_warnings`` is not
# thread-safe, and `make run` runs two workers due at the same minute in two threads, where
# one's exit restored the filters the other's flush then warned under.
warnings.filterwarnings("ignore", NO_METRICS_WARNING)


class MalformedEvent(ValueError):
    """An event a worker without a refusal shape cannot read (raised before its body runs)."""


@dataclass
class LocalContext:
    """Lambda's context for a caller that gave none, or only part of one (tests, devtools):
    what Powertools reads (names, memory, request id), the caller's own values kept."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 0
    function_version: str = "$LATEST"
    given: Any = None
    """The caller's own context (or None): the one the worker's body receives."""

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    @classmethod
    def completing(cls, given: Any, service: str) -> Any:
        """``given`` when it is a whole Lambda context, else a LocalContext around it."""
        needed = ("function_name", "memory_limit_in_mb", "invoked_function_arn", "aws_request_id")
        if given is not None and all(hasattr(given, name) for name in needed):
            return given
        local = cls(function_name=getattr(given, "function_name", service), given=given)
        request_id = getattr(given, "aws_request_id", None)
        if isinstance(request_id, str):
            local.aws_request_id = request_id
        return local


def _caller_context(context: Any) -> Any:
    return context.given if isinstance(context, LocalContext) else context


@dataclass(frozen=True)
class Runtime:
    """What ``@worker`` set up for one handler (``handler.runtime``)."""

    service: str
    metrics: Metrics
    tracer: Any
    """A Powertools Tracer, or None when aws-xray-sdk is not installed."""
    event: type[BaseModel] | None


class WorkerHandler:
    """A handler wrapped by the runtime: called like the Lambda handler it replaces."""

    def __init__(self, body: Callable[..., Answer], runtime: Runtime, run: Handler) -> None:
        functools.update_wrapper(self, body)
        self.runtime = runtime
        self._run = run

    def __call__(self, event: Any, context: Any) -> Answer:
        # Lambda runs one invocation at a time per process: the keys are set for this one and
        # the logger is left as it was found, so an in-process caller (the API invoking the
        # preview worker locally, a test) keeps its own service and correlation id. The keys
        # are the process's: where workers run in threads beside the API (devtools' local
        # stack), a local log line may show another thread's service.
        before = dict(logger.get_current_keys())
        logger.append_keys(service=self.runtime.service)
        try:
            return self._run(event, LocalContext.completing(context, self.runtime.service))
        finally:
            logger.remove_keys([key for key in logger.get_current_keys() if key not in before])
            logger.append_keys(**before)


def refusal_message(error: ValidationError) -> str:
    """``"loc.of.field: what is wrong"`` for the first error (never the value itself)."""
    first = first_problem(error)
    return f"{first.path}: {first.raw_message}"


def ok_false(error: Exception) -> Answer:
    """The refusal of the workers that answer ``{"ok": false, "error": "<field>: <why>"}``."""
    message = refusal_message(error) if isinstance(error, ValidationError) else str(error)
    return {"ok": False, "error": message}


@overload
def worker(service: str) -> Callable[[Callable[[Any, Any], Answer]], WorkerHandler]: ...


@overload
def worker(
    service: str,
    *,
    event: type[E],
    refuse: Callable[[Exception], Answer] | None = None,
    refused: tuple[type[Exception], ...] = (ValidationError,),
) -> Callable[[Callable[[E, Any], Answer]], WorkerHandler]: ...


def worker(
    service: str,
    *,
    event: type[BaseModel] | None = None,
    refuse: Callable[[Exception], Answer] | None = None,
    refused: tuple[type[Exception], ...] = (ValidationError,),
) -> Callable[[Callable[[Any, Any], Answer]], WorkerHandler]:
    """The runtime around a worker's handler. ``event``: the model the event must fit (the body
    then receives the parsed model); an event it refuses (``refused`` errors) is answered
    ``refuse(error)``, or raised when the worker has no refusal shape (its trigger retries)."""

    def decorate(body: Callable[[Any, Any], Answer]) -> WorkerHandler:
        metrics = Metrics(
            namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE,
            service=service,
        )
        tracer = _tracer(service)

        def parsed_then_body(raw: Any, context: Any) -> Answer:
            if event is None:
                return body(raw, context)
            try:
                parsed = event.model_validate(raw)
            except refused as error:
                _log_refusal(error)
                if refuse is None:
                    raise
                return refuse(error)
            return body(parsed, context)

        @logger.inject_lambda_context(correlation_id_path=CORRELATION_PATH)
        def in_context(raw: Any, context: Any) -> Answer:
            if not isinstance(logger.get_correlation_id(), str):
                logger.set_correlation_id(context.aws_request_id)
            return parsed_then_body(raw, _caller_context(context))

        traced: Handler = in_context
        if tracer is not None:
            traced = tracer.capture_lambda_handler(in_context, capture_response=False)
        measured: Handler = metrics.log_metrics(traced)

        def run(raw: Any, context: Any) -> Answer:
            # Scoped to the flush (a module-level filter would not survive pytest's own).
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", NO_METRICS_WARNING)
                return measured(raw, context)

        return WorkerHandler(body, Runtime(service, metrics, tracer, event), run)

    return decorate


def _log_refusal(error: Exception) -> None:
    # Where and why, never the value: an event may carry an address or a token.
    problems: list[dict[str, Any]]
    if isinstance(error, ValidationError):
        problems = [
            {"field": ".".join(map(str, item["loc"])), "type": item["type"]}
            for item in error.errors(include_url=False)
        ]
    else:
        problems = [{"field": getattr(error, "field", None), "type": type(error).__name__}]
    logger.warning("event_refused", extra={"problems": problems})


@functools.cache
def _tracer(service: str) -> Any:
    """Powertools' Tracer, or None without aws-xray-sdk. The SDK is not among the workers'
    requirements (requirements-workers.txt): Lambda's active tracing still records each
    invocation, and this turns subsegments (AWS calls, the handler) on when it is added."""
    if importlib.util.find_spec("aws_xray_sdk") is None:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)


class OptionalEvent(BaseModel):
    """An event whose every field has a default: no payload (None, ``{}``) means the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_is_empty(cls, data: Any) -> Any:
        return data or {}


class SqsMessage(BaseModel, Generic[B]):
    """What a worker reads of an SQS record: its id and its JSON body, parsed (as ``B``).
    Lambda's other fields are ignored (``extra``), so local pumps may leave them out."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Powertools' BatchProcessor reports failures by this attribute, spelled as in the event.
    messageId: str  # noqa: N815
    body: Json[B]


@dataclass
class RecordBatch(Generic[R]):
    """The records of one SQS or stream event through Powertools' BatchProcessor. ``model``
    (an ``SqsMessage`` subclass) parses each SQS record; without it the handler gets
    Powertools' record classes (``SQSRecord``, ``DynamoDBRecord``)."""

    kind: EventType
    model: type[BaseModel] | None = None
    raise_on_entire_batch_failure: bool = False
    processor: BatchProcessor = field(init=False)

    def __post_init__(self) -> None:
        self.processor = BatchProcessor(
            event_type=self.kind,
            model=self.model,  # type: ignore[arg-type]  # any pydantic model of a record
            raise_on_entire_batch_failure=self.raise_on_entire_batch_failure,
        )

    def records_of(self, event: Any) -> list[dict[str, Any]]:
        """The raw records of ``event``; MalformedEvent when it is not a batch of them."""
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list) or not records:
            error = MalformedEvent(f"a {self.kind.value} event has a non-empty list of Records")
            _log_refusal(error)
            raise error
        return records

    def process(self, event: Any, context: Any, handle: Callable[[R], None]) -> Answer:
        """``{"batchItemFailures": [...]}`` for ``event``'s records; an event that is not a
        batch (no list of ``Records``) is refused before any record is handled."""
        self.records_of(event)
        return dict(
            process_partial_response(
                event=event, record_handler=handle, processor=self.processor, context=context
            )
        )


def services() -> Services:
    """The workers' composition root: the one installed (tests, local tools), else this
    process's, built with the workers' store budget: no caller waits on a worker, and a
    failure redelivers a whole batch, so its store calls wait longer and retry more than the
    API's (chalicelib/config.py, worker_store_*)."""
    return composition.services(worker=True)
