"""Shared fixtures.

Every test runs with fake AWS credentials in eu-west-3 and without a local DynamoDB endpoint,
so nothing can reach a real AWS account. ``dynamodb_tables`` gives a test its own empty tables
in moto; ``place_store`` runs a test once per store implementation (memory, DynamoDB).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
from chalicelib.config import get_settings
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.search.candidates import RecordCandidates
from chalicelib.domain.search.ports import CandidateSource, SearchRecordSource
from devtools import moto_serial
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords

# moto's DynamoDB transactions are not atomic against concurrent writers (they copy and
# restore whole tables): tests that write from several threads would see writes lost that
# DynamoDB never loses. Serialised as on the local stack (devtools/moto_serial.py).
moto_serial.install()

TEST_REGION = "eu-west-3"
TEST_TABLE_PREFIX = "test"


@pytest.fixture(autouse=True)
def _fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", TEST_REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # moto in process intercepts botocore only: the search path's own HTTP transport is
    # tested against moto's server (tests/integration/test_search_wire_on_moto_server.py).
    monkeypatch.setenv("REPERE_DYNAMODB_SEARCH_TRANSPORT", "botocore")
    # chalice.test.Client runs each request inside its stage's environment variables
    # (.chalice/config.json; stage "dev" unless told otherwise). Settings first read during a
    # request would be the deployed "dev" stage's, which refuses the development JWT secret
    # (chalicelib/config.py): read them now, from the test's own environment.
    get_settings.cache_clear()
    get_settings()


@pytest.fixture(autouse=True)
def responses_match_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer a test receives through ``chalice.test.Client`` is checked against the
    served OpenAPI document (tests/openapi_check.py)."""
    from chalice.test import TestHTTPClient

    from tests import openapi_check

    original = TestHTTPClient.request

    def checked(
        self: TestHTTPClient,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Any:
        response = original(self, method, path, headers=headers, body=body)
        openapi_check.check(
            method, path, response.status_code, dict(response.headers), response.body
        )
        return response

    monkeypatch.setattr(TestHTTPClient, "request", checked)


@pytest.fixture
def dynamodb_tables() -> Iterator[None]:
    """Empty tables in an in-process moto, bound to the PynamoDB models for this test."""
    with mock_aws():
        bind_tables(TEST_TABLE_PREFIX, region=TEST_REGION)
        create_tables()
        yield


@dataclass(frozen=True)
class PlaceStore:
    """A repository and the search records over the same storage (and whole places read
    through them: ``candidates``)."""

    kind: str
    repository: PlaceRepository
    records: SearchRecordSource

    @property
    def candidates(self) -> CandidateSource:
        return RecordCandidates(self.records)


@pytest.fixture(params=["memory", "dynamodb"])
def place_store(request: pytest.FixtureRequest) -> PlaceStore:
    if request.param == "memory":
        repository = InMemoryPlaceRepository()
        return PlaceStore("memory", repository, InMemorySearchRecords(repository.places))
    request.getfixturevalue("dynamodb_tables")
    return PlaceStore("dynamodb", DynamoPlaceRepository(), DynamoSearchRecords())
