"""The worker registry (infra/registry.py): every entry names real code and known resources."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from chalicelib.config import Settings
from infra.registry import API, BUCKETS, QUEUES, SECRETS, WORKERS
from infra.spec import (
    Api,
    FunctionAccess,
    ParameterAccess,
    QueueSpec,
    QueueTrigger,
    Schedule,
    SecretAccess,
    StreamTrigger,
    TableAccess,
    Worker,
    bucket,
    email,
    function,
    parameter,
    queue,
    search,
    secret,
    table,
)
from infra.stack import Registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("worker", WORKERS, ids=lambda worker: worker.name)
def test_every_registered_handler_imports_and_is_callable(worker: Worker) -> None:
    module = importlib.import_module(worker.module)
    assert callable(getattr(module, worker.function))


def _handlers_in_functions() -> set[str]:
    """``module.function`` of every top-level function named like a Lambda handler."""
    found = set()
    for path in (ROOT / "functions").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.endswith("handler"):
                found.add(f"{module}.{node.name}")
    return found


def test_every_handler_of_functions_is_registered() -> None:
    """A worker added to functions/ must be declared in infra/registry.py (one entry), or
    it would never be deployed."""
    registered = {worker.handler for worker in WORKERS}
    assert _handlers_in_functions() - registered == set()


def test_the_registry_cross_references_resolve() -> None:
    Registry().check()


def test_worker_names_are_unique() -> None:
    names = [worker.name for worker in WORKERS]
    assert len(names) == len(set(names))


def test_environment_variables_the_registry_names_are_settings() -> None:
    fields = {f"REPERE_{name.upper()}" for name in Settings.model_fields}
    names = {spec.env for spec in QUEUES.values() if spec.env}
    names |= {spec.env for spec in BUCKETS.values()}
    for access in (API.access, *(worker.access for worker in WORKERS)):
        names |= {
            declared.env
            for declared in access
            if isinstance(declared, ParameterAccess | SecretAccess | FunctionAccess)
        }
    assert names <= fields
    assert all(spec.description for spec in SECRETS.values())


def test_every_queue_consumer_can_finish_within_the_visibility_timeout() -> None:
    for worker in WORKERS:
        if any(isinstance(trigger, QueueTrigger) for trigger in worker.triggers):
            assert worker.timeout_seconds * 6 <= 43_200


# Bad declarations fail at import time, with the entry's name -------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Batch_Update"}, "worker name"),
        ({"handler": "functions/batch_update.py"}, "not module.func"),
        ({"memory_mb": 64}, "memory_mb"),
        ({"timeout_seconds": 901}, "timeout_seconds"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"reserved_concurrency": -1}, "reserved_concurrency"),
    ],
)
def test_a_worker_with_bad_fields_is_refused(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "name": "batch-update",
        "handler": "functions.batch_update.handler",
        "description": "test",
        **changes,
    }
    with pytest.raises(ValueError, match=message):
        Worker(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: table("places"), "at least one verb"),
        (lambda: table("places", "read", "delete"), "unknown table verbs"),
        (lambda: bucket("exports", "write", prefix="/leaflets/"), "no leading slash"),
        (lambda: bucket("exports", "write", prefix="leaflets/*"), "no wildcard"),
        (lambda: queue("exports", "consume"), "unknown queue verbs"),
        (lambda: search("admin"), "unknown search verbs"),
        (lambda: email("receive"), "unknown email verbs"),
        (lambda: secret("signing-key", env="SIGNING_KEY_ARN"), "REPERE_"),
        (lambda: secret("signing-key", env="REPERE_X", delivery="file"), "delivery"),  # type: ignore[arg-type]
        (lambda: parameter("keys", env="KEYS"), "REPERE_"),
        (lambda: QueueSpec(topic="somewhere"), "unknown topic"),
        (lambda: Schedule(name="daily", expression="every day", description="x"), "expression"),
        (
            lambda: Schedule(
                name="daily",
                expression="rate(1 day)",
                description="x",
                detail={"sets": []},
                payload={},
            ),
            "constant payload",
        ),
        (lambda: QueueTrigger(queue="jobs", batch_size=100), "batching window"),
        (lambda: QueueTrigger(queue="jobs", max_concurrency=1), "max_concurrency"),
        (lambda: StreamTrigger(table="places", parallelization_factor=11), "parallelization"),
        (lambda: StreamTrigger(table="places", max_record_age_seconds=10), "record_age"),
    ],
)
def test_bad_declarations_are_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


NO_API = Api(access=())


def _worker(name: str, *triggers: object, access: tuple[object, ...] = ()) -> Worker:
    return Worker(
        name=name,
        handler="functions.batch_update.handler",
        description="test",
        triggers=triggers,  # type: ignore[arg-type]
        access=access,  # type: ignore[arg-type]
    )


def test_a_queue_needs_exactly_one_consumer() -> None:
    with pytest.raises(ValueError, match="exactly one consumer"):
        Registry(workers=(), queues={"jobs": QueueSpec()}).check()
    two = (_worker("one", QueueTrigger(queue="jobs")), _worker("two", QueueTrigger(queue="jobs")))
    with pytest.raises(ValueError, match="exactly one consumer"):
        Registry(workers=two, queues={"jobs": QueueSpec()}).check()


def test_a_trigger_on_an_unknown_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        Registry(workers=(_worker("one", QueueTrigger(queue="nowhere")),)).check()


def test_a_stream_trigger_needs_a_table_with_a_stream() -> None:
    with pytest.raises(ValueError, match="has no stream"):
        Registry(workers=(_worker("one", StreamTrigger(table="announcements")),)).check()
    with pytest.raises(ValueError, match="unknown table"):
        Registry(workers=(_worker("one", StreamTrigger(table="nowhere")),)).check()
    Registry(
        workers=(_worker("one", StreamTrigger(table="places")),), queues={}, api=NO_API
    ).check()


def test_access_to_an_unknown_resource_is_refused() -> None:
    for declared, message in (
        (table("nowhere", "read"), "unknown 'nowhere'"),
        (bucket("nowhere", "read"), "unknown 'nowhere'"),
        (queue("nowhere", "send"), "unknown 'nowhere'"),
        (secret("nowhere", env="REPERE_X"), "unknown 'nowhere'"),
        (function("nowhere", "invoke", env="REPERE_X"), "unknown 'nowhere'"),
    ):
        with pytest.raises(ValueError, match=message):
            Registry(workers=(_worker("one", access=(declared,)),), queues={}, api=NO_API).check()


def test_a_worker_may_not_be_named_like_the_api_or_twice() -> None:
    with pytest.raises(ValueError, match="unique"):
        Registry(workers=(_worker("api"),), queues={}).check()
    with pytest.raises(ValueError, match="unique"):
        Registry(workers=(_worker("one"), _worker("one")), queues={}).check()


def test_a_worker_only_the_api_invokes_has_no_trigger_and_reads_only() -> None:
    (preview,) = [worker for worker in WORKERS if worker.name == "newsletter-preview"]
    assert preview.triggers == ()
    assert all(
        isinstance(declared, TableAccess) and declared.verbs == {"read"}
        for declared in preview.access
    )
    assert {declared.table for declared in preview.access if isinstance(declared, TableAccess)} == {
        "places",
        "place-history",
        "exports",
        "translations",  # the digest's details in each language (docs/translations.md)
    }
    invokers = [
        owner
        for owner, access in [("api", API.access), *((w.name, w.access) for w in WORKERS)]
        if any(isinstance(declared, FunctionAccess) for declared in access)
    ]
    assert invokers == ["api"]
