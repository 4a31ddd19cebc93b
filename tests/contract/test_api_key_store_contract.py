"""ApiKeyStore contract: the in-memory fake and the DynamoDB adapter behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb.api_keys import ApiKeyRecord, DynamoApiKeyStore
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.partners.models import ApiKey, Quota, Scope
from chalicelib.domain.partners.ports import ApiKeyStore
from tests.backoffice_fakes import fresh_tables
from tests.partner_fakes import InMemoryApiKeyStore

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> ApiKeyStore:
    if request.param == "memory":
        return InMemoryApiKeyStore()
    request.getfixturevalue("_moto")
    fresh_tables(ApiKeyRecord)
    return DynamoApiKeyStore()


def key(key_id: str = "0123456789abcdef", *, minutes: int = 0) -> ApiKey:
    return ApiKey(
        id=key_id,
        name="data·inclusion",
        scopes=(Scope.CHANGES, Scope.NATIONAL_FILES),
        quota=Quota(per_minute=600, per_day=100_000),
        secret_sha256="ab" * 32,
        created_at=AT + timedelta(minutes=minutes),
        created_by="admin-1",
    )


def test_a_key_reads_back_as_stored(store: ApiKeyStore) -> None:
    store.add(key())
    assert store.get("0123456789abcdef") == key()
    assert store.get("fedcba9876543210") is None


def test_an_id_is_taken_once(store: ApiKeyStore) -> None:
    store.add(key())
    with pytest.raises(Conflict):
        store.add(key())


def test_keys_are_listed_newest_first(store: ApiKeyStore) -> None:
    store.add(key("0000000000000001", minutes=1))
    store.add(key("0000000000000002", minutes=2))
    assert [k.id for k in store.all()] == ["0000000000000002", "0000000000000001"]


def test_revoking_keeps_the_first_date(store: ApiKeyStore) -> None:
    store.add(key())
    first = store.revoke("0123456789abcdef", AT + timedelta(days=1))
    assert first.revoked_at == AT + timedelta(days=1)
    again = store.revoke("0123456789abcdef", AT + timedelta(days=2))
    assert again.revoked_at == AT + timedelta(days=1)
    stored = store.get("0123456789abcdef")
    assert stored is not None
    assert stored.revoked
    assert stored.secret_sha256 == "ab" * 32


def test_revoking_an_unknown_key_is_not_found(store: ApiKeyStore) -> None:
    with pytest.raises(NotFound):
        store.revoke("0123456789abcdef", AT)
