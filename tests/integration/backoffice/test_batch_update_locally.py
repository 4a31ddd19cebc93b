"""The batch-update function under `make run`: an operator's ``aws lambda invoke`` against the
local Invoke endpoint (devtools/local_lambda.py) runs the real worker with a Lambda-like
context, as `make invoke FN=batch-update` does (devtools/invoke.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devtools.invoke import run_worker
from devtools.local_lambda import LocalLambda, registry_functions
from tests.builders import make_place
from tests.integration.backoffice.conftest import AdminApi

CALLER = {"subject": "ops-alice", "role": "admin", "departments": []}
BATCH = {
    "idempotency_key": "lockdown-2020-03-17",
    "selection": {"filter": {"department": "75", "status": "online"}},
    "patch": {"temporary_closure": {"start_date": "2020-03-17", "reason": "Confinement"}},
    "comment": "confinement",
}


@pytest.fixture
def lambda_client() -> Iterator[Any]:
    server = LocalLambda(registry_functions("repere-local"))
    server.start()
    try:
        yield boto3.client("lambda", region_name="eu-west-3", endpoint_url=server.endpoint)
    finally:
        server.stop()


def test_every_worker_is_served_under_its_stage_name() -> None:
    served = registry_functions("repere-local")
    assert {"repere-local-batch-update", "repere-local-newsletter-preview"} <= set(served)
    assert "repere-local-stats-snapshot" in served


def test_aws_lambda_invoke_runs_the_batch_update_locally(
    admin_api: AdminApi, lambda_client: Any
) -> None:
    admin_api.places.load_fresh([make_place(f"p{number:02d}") for number in range(3)])
    payload = json.dumps({"caller": CALLER, "batch": BATCH}).encode()

    response = lambda_client.invoke(FunctionName="repere-local-batch-update", Payload=payload)

    assert "FunctionError" not in response
    answer = json.loads(response["Payload"].read())
    assert answer["ok"] is True
    assert answer["report"]["counts"]["applied"] == 3
    # make invoke runs the same worker: a replay of the same batch.
    assert run_worker("batch-update", {"caller": CALLER, "batch": BATCH})["report"]["replayed"]
