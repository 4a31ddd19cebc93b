"""Every route, with an admin's token, answers malformed input with a 4xx JSON error — never a
500, never a stack trace. A sweep over the whole route table (new routes are covered the day
they are added), on the production adapters under moto."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import wiring
from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
from chalicelib.config import get_settings
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN


def _routes() -> list[tuple[str, str]]:
    from app import app

    routes = []
    for path, methods in sorted(app.routes.items()):
        concrete = re.sub(r"\{[a-z_]+\}", "x1", path)
        routes.extend((method, concrete) for method in sorted(methods) if method != "OPTIONS")
    return routes


BAD_INPUTS: dict[str, tuple[str, bytes | None]] = {
    "not JSON": ("", b"{not json"),
    "a JSON array": ("", b"[]"),
    "an unknown field": ("", b'{"unexpected_field": 1}'),
    "an unknown query parameter": ("?unexpected_parameter=1", None),
    "a query parameter twice": ("?department=75&department=93", None),
}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # One moto and one set of tables for the whole sweep: malformed input writes nothing.
    from app import app

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        patch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
        bind_tables(TEST_TABLE_PREFIX, region=TEST_REGION)
        create_tables()
        get_settings.cache_clear()
        get_settings()
        wiring.reset()
        try:
            with Client(app, stage_name="local") as test_client:
                yield test_client
        finally:
            wiring.reset()
            get_settings.cache_clear()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_malformed_input_is_a_4xx_json_error_on_every_route(client: Client, case: str) -> None:
    query, body = BAD_INPUTS[case]
    headers = {
        **ADMIN,
        "Content-Type": "application/json",
        "Idempotency-Key": "sweep-key-0001",
        "If-Match": '"1"',
    }
    wrong: list[str] = []
    for method, path in _routes():
        if body is not None and method in ("GET", "DELETE"):
            continue  # no body on these methods
        response = client.http.request(method, path + query, headers=headers, body=body or b"")
        if response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code}")
        elif response.status_code >= 400:
            payload: Any = json.loads(response.body)
            if set(payload) != {"code", "message", "field"}:
                wrong.append(f"{method} {path}: body {payload}")

    assert wrong == []
