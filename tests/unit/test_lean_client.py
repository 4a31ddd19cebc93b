"""The search path's botocore client: built from less data, it must be the same client.

``chalicelib/adapters/dynamodb/lean_client.py`` reads DynamoDB's endpoints from a cut-down
copy of botocore's ``endpoints.json``; these tests fail when the installed botocore's data
says otherwise (then run ``.venv/bin/python -m devtools.botocore_endpoints``), and check the
client resolves every partition's endpoint exactly as botocore's default client does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.session import get_session

from chalicelib.adapters.dynamodb.lean_client import ENDPOINTS_FILE, create_dynamodb_client
from devtools.botocore_endpoints import installed_endpoints

CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"})


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def _meta(client: Any) -> tuple[str, str, str]:
    return client.meta.endpoint_url, client.meta.region_name, client.meta.partition


def test_the_committed_endpoints_are_the_installed_botocores() -> None:
    committed = json.loads(ENDPOINTS_FILE.read_text(encoding="utf-8"))

    assert committed == installed_endpoints()
    assert committed["partitions"], "no partition: the file would resolve nothing"
    assert all(set(partition["services"]) <= {"dynamodb"} for partition in committed["partitions"])


@pytest.mark.parametrize(
    "region", ["eu-west-3", "us-east-1", "cn-north-1", "us-gov-west-1", "eu-isoe-west-1"]
)
def test_the_lean_client_resolves_endpoints_like_botocores_own(region: str) -> None:
    lean = create_dynamodb_client(region, CONFIG)
    default = get_session().create_client("dynamodb", region_name=region, config=CONFIG)

    assert _meta(lean) == _meta(default)


def test_the_lean_client_follows_the_endpoint_override(monkeypatch: pytest.MonkeyPatch) -> None:
    # How the local stack and the benchmarks point the search path at moto or dynalite.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:5999")

    client = create_dynamodb_client("eu-west-3", CONFIG)

    assert client.meta.endpoint_url == "http://127.0.0.1:5999"


def test_the_lean_client_knows_every_dynamodb_operation() -> None:
    lean = create_dynamodb_client("eu-west-3", CONFIG)
    default = get_session().create_client("dynamodb", region_name="eu-west-3", config=CONFIG)

    assert lean.meta.service_model.operation_names == default.meta.service_model.operation_names
