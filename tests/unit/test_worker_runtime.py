"""The worker runtime (functions/runtime.py): service name, Lambda context and correlation id on
every log line, refusal of malformed events before the body runs, SQS records parsed by their
model with partial batch failures, and callers that pass no context."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.observability import logger
from functions.runtime import (
    MalformedEvent,
    OptionalEvent,
    RecordBatch,
    SqsMessage,
    WorkerHandler,
    ok_false,
    worker,
)
from infra.registry import WORKERS
from infra.spec import Worker


class LogLines(logging.Handler):
    """Every line the shared logger writes, as the JSON Lambda would receive."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(logger.registered_formatter.format(record)))

    def messages(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["message"] == message]


@pytest.fixture
def logs() -> Iterator[LogLines]:
    collected = LogLines()
    std_logger = logging.getLogger(logger.service)
    std_logger.addHandler(collected)
    try:
        yield collected
    finally:
        std_logger.removeHandler(collected)


@dataclass
class PartialContext:
    """What tests and local pumps pass: only the time left."""

    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class WholeContext(PartialContext):
    function_name: str = "repere-prod-reindex"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-3:123456789012:function:repere-prod-x"
    aws_request_id: str = "lambda-request-1"


class Options(OptionalEvent):
    keep_old: bool = False


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str


class JobRecord(SqsMessage[Job]):
    pass


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{number}", "body": body, "eventSource": "aws:sqs"}
            for number, body in enumerate(bodies, start=1)
        ]
    }


# Service names -------------------------------------------------------------------------------


@pytest.mark.parametrize("registered", WORKERS, ids=lambda registered: registered.name)
def test_every_registered_worker_runs_in_the_runtime_under_its_registry_service_name(
    registered: Worker,
) -> None:
    handler = getattr(importlib.import_module(registered.module), registered.function)
    assert isinstance(handler, WorkerHandler)
    assert handler.runtime.service == registered.service_name


def test_a_worker_logs_under_its_own_service_and_leaves_the_logger_as_it_found_it(
    logs: LogLines,
) -> None:
    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        logger.info("inside")
        return {"ok": True}

    before = dict(logger.get_current_keys())
    assert handler({}, None) == {"ok": True}
    (line,) = logs.messages("inside")
    assert line["service"] == "repere-example"
    assert logger.get_current_keys() == before
    logger.info("after")
    (after,) = logs.messages("after")
    assert after["service"] == "repere-api"
    # The keys of whoever called (none, or an API request's when API tests ran first).
    assert after.get("correlation_id") == before.get("correlation_id")
    assert after.get("function_request_id") == before.get("function_request_id")


# Context and correlation id ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"id": "eventbridge-7", "detail": {}}, "eventbridge-7"),
        (sqs_event('{"job_id": "j1"}'), "m1"),
        ({"Records": [{"eventID": "stream-3", "dynamodb": {}}]}, "stream-3"),
        ({"keep_old": True}, "lambda-request-1"),
    ],
    ids=["eventbridge", "sqs", "stream", "invoked"],
)
def test_the_correlation_id_is_the_events_own_id_else_lambdas_request_id(
    logs: LogLines, event: dict[str, Any], expected: str
) -> None:
    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        logger.info("inside")
        return {}

    handler(event, WholeContext())
    (line,) = logs.messages("inside")
    assert line["correlation_id"] == expected
    assert line["function_request_id"] == "lambda-request-1"
    assert line["function_name"] == "repere-prod-reindex"
    assert line["function_memory_size"] == 1024


@pytest.mark.parametrize("given", [None, PartialContext(remaining_ms=5)], ids=["none", "partial"])
def test_a_missing_or_partial_context_is_completed_for_logs_and_handed_to_the_body_unchanged(
    logs: LogLines, given: Any
) -> None:
    received: list[Any] = []

    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        received.append(context)
        logger.info("inside")
        return {}

    handler({}, given)
    handler({}, given)
    assert received == [given, given]
    first, second = logs.messages("inside")
    assert first["correlation_id"] == first["function_request_id"]
    assert first["function_request_id"] != second["function_request_id"]  # one per call
    assert first["function_name"] == "repere-example"


# Malformed events ----------------------------------------------------------------------------


def test_a_malformed_event_is_refused_in_the_workers_shape_without_running_the_body(
    logs: LogLines,
) -> None:
    calls: list[Options] = []

    @worker("repere-example", event=Options, refuse=ok_false)
    def handler(options: Options, context: Any) -> dict[str, Any]:
        calls.append(options)
        return {"ok": True}

    assert handler({"keep_olds": True}, None) == {
        "ok": False,
        "error": "keep_olds: Extra inputs are not permitted",
    }
    assert calls == []
    (refusal,) = logs.messages("event_refused")
    assert refusal["problems"] == [{"field": "keep_olds", "type": "extra_forbidden"}]
    assert refusal["service"] == "repere-example"
    # No payload at all means the defaults, as before the runtime.
    assert handler(None, None) == {"ok": True}
    assert calls == [Options()]


def test_a_worker_without_a_refusal_shape_raises_the_validation_error_before_its_body() -> None:
    calls: list[Job] = []

    @worker("repere-example", event=Job)
    def handler(job: Job, context: Any) -> dict[str, Any]:
        calls.append(job)
        return {}

    with pytest.raises(ValidationError):
        handler({"job": "j1"}, None)
    assert calls == []


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": "m1"}, ["m1"]])
def test_an_event_that_is_not_a_batch_is_refused_before_any_record_is_handled(
    event: Any,
) -> None:
    handled: list[JobRecord] = []
    batch: RecordBatch[JobRecord] = RecordBatch(EventType.SQS, JobRecord)

    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return batch.process(event, context, handled.append)

    with pytest.raises(MalformedEvent, match="non-empty list of Records"):
        handler(event, None)
    assert handled == []


# SQS batches -----------------------------------------------------------------------------------


def test_sqs_records_are_parsed_by_their_model_and_only_the_failed_ones_reported() -> None:
    done: list[str] = []
    batch: RecordBatch[JobRecord] = RecordBatch(EventType.SQS, JobRecord)

    def handle(record: JobRecord) -> None:
        if record.body.job_id == "explodes":
            raise RuntimeError("store down")
        done.append(record.body.job_id)

    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return batch.process(event, context, handle)

    event = sqs_event(
        '{"job_id": "j1"}',
        "not json",
        '{"job_id": "j3", "extra": 1}',
        '{"job_id": "explodes"}',
        '{"job_id": "j5"}',
    )
    assert handler(event, None) == {
        "batchItemFailures": [
            {"itemIdentifier": "m2"},
            {"itemIdentifier": "m3"},
            {"itemIdentifier": "m4"},
        ]
    }
    assert done == ["j1", "j5"]
    assert handler(sqs_event('{"job_id": "j6"}'), None) == {"batchItemFailures": []}


# Metrics and tracing ---------------------------------------------------------------------------


def test_metrics_a_worker_adds_are_flushed_as_emf_at_the_end_of_its_invocation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        handler.runtime.metrics.add_metric(name="JobsDone", unit=MetricUnit.Count, value=2)
        return {}

    capsys.readouterr()
    handler({}, None)
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["JobsDone"] == [2.0] or emf["JobsDone"] == 2.0
    assert emf["service"] == "repere-example"
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Repere"


def test_the_tracer_is_there_when_the_xray_sdk_is_and_off_outside_lambda() -> None:
    @worker("repere-example")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return {}

    if importlib.util.find_spec("aws_xray_sdk") is None:
        assert handler.runtime.tracer is None
    else:
        assert handler.runtime.tracer.disabled  # no LAMBDA_TASK_ROOT here
    assert handler({}, None) == {}
