"""Partner keys mirrored in API Gateway's partner usage plan, on moto: an issued key's value
is an enabled gateway key attached to the plan, a revoked one is disabled there, and the
adapter answers Unavailable (503) rather than a 500 when the gateway refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.adapters.apigateway.partner_keys import ApiGatewayKeys
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Unavailable
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN

NOW = datetime(2026, 12, 4, 10, 15, 30, tzinfo=UTC)
PLAN_PARAMETER = f"/{TEST_TABLE_PREFIX}/partner-usage-plan-id"


@pytest.fixture
def gateway(dynamodb_tables: None) -> Any:
    return boto3.client("apigateway", region_name=TEST_REGION)


@pytest.fixture
def plan_id(gateway: Any) -> str:
    plan: dict[str, Any] = gateway.create_usage_plan(
        name="repere-test-partners", throttle={"rateLimit": 20.0, "burstLimit": 40}
    )
    # What the stack writes (infra/api.py): the plan's id, under a name the API is given.
    boto3.client("ssm", region_name=TEST_REGION).put_parameter(
        Name=PLAN_PARAMETER, Value=plan["id"], Type="String"
    )
    return str(plan["id"])


@pytest.fixture
def client(plan_id: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from app import app

    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_PARTNER_USAGE_PLAN_PARAMETER", PLAN_PARAMETER)
    get_settings.cache_clear()
    roots.reset()
    roots.use(clock=FixedClock(NOW))
    try:
        with Client(app) as client:
            yield client
    finally:
        roots.reset()
        get_settings.cache_clear()


def _plan_keys(gateway: Any, plan_id: str) -> dict[str, str]:
    """The plan's keys: gateway id -> value."""
    items = gateway.get_usage_plan_keys(usagePlanId=plan_id)["items"]
    return {item["id"]: item["value"] for item in items}


def test_an_issued_key_opens_the_gateway_until_it_is_revoked(
    client: Client, gateway: Any, plan_id: str
) -> None:
    response = client.http.post(
        "/admin/api-keys",
        headers={**ADMIN, "Content-Type": "application/json"},
        body=json.dumps({"name": "kiosque Paris 19", "scopes": ["changes"]}).encode(),
    )
    assert response.status_code == 201
    issued = json.loads(response.body)
    [(gateway_id, value)] = _plan_keys(gateway, plan_id).items()
    assert value == issued["key"]
    described = gateway.get_api_key(apiKey=gateway_id, includeValue=True)
    assert described["enabled"] is True
    assert described["name"] == f"{TEST_TABLE_PREFIX}-partner-{issued['api_key']['id']}"
    assert "gateway" not in response.body.decode()  # the gateway's id stays private

    revoked = client.http.delete(f"/admin/api-keys/{issued['api_key']['id']}", headers=ADMIN)
    assert revoked.status_code == 200
    assert gateway.get_api_key(apiKey=gateway_id)["enabled"] is False


def test_a_key_the_plan_refuses_is_disabled_again_and_unavailable(dynamodb_tables: None) -> None:
    """moto accepts any plan id, so the refusal is API Gateway's recorded answer (Stubber)."""
    from botocore.stub import Stubber

    client = boto3.client("apigateway", region_name=TEST_REGION)
    ssm = boto3.client("ssm", region_name=TEST_REGION)
    ssm.put_parameter(Name=PLAN_PARAMETER, Value="nosuchplan", Type="String")
    value = "rpk_0123456789abcdef_" + "a" * 43
    with Stubber(client) as stub:
        stub.add_response(
            "create_api_key",
            {"id": "k1", "name": "repere-test-partner-0123456789abcdef", "enabled": True},
            {
                "name": f"{TEST_TABLE_PREFIX}-partner-0123456789abcdef",
                "description": "Repère partner key (issued through /admin/api-keys)",
                "enabled": True,
                "value": value,
            },
        )
        stub.add_client_error(
            "create_usage_plan_key",
            service_error_code="NotFoundException",
            service_message="Invalid Usage Plan ID specified",
            http_status_code=404,
        )
        stub.add_response(
            "update_api_key",
            {"id": "k1", "enabled": False},
            {
                "apiKey": "k1",
                "patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}],
            },
        )
        with pytest.raises(Unavailable):
            ApiGatewayKeys(client, ssm, PLAN_PARAMETER, name_prefix=TEST_TABLE_PREFIX).register(
                "0123456789abcdef", value
            )
        stub.assert_no_pending_responses()


def test_disabling_a_key_deleted_by_hand_is_not_an_error(gateway: Any) -> None:
    keys = ApiGatewayKeys(gateway, None, PLAN_PARAMETER, name_prefix=TEST_TABLE_PREFIX)
    keys.disable("nosuchkey")


def test_a_missing_plan_parameter_is_unavailable_not_a_500(gateway: Any) -> None:
    ssm = boto3.client("ssm", region_name=TEST_REGION)
    keys = ApiGatewayKeys(gateway, ssm, "/nowhere/partner-usage-plan-id", name_prefix="x")
    with pytest.raises(Unavailable):
        keys.register("0123456789abcdef", "rpk_0123456789abcdef_" + "a" * 43)
    assert gateway.get_api_keys()["items"] == []
