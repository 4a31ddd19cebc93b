"""The production adapters under moto: keys from an SSM SecureString (cached, rotated),
link generations and write counters in DynamoDB, the whole flow through the wired service."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.base import ExpirableValue

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, SsmKeySource
from chalicelib.adapters.dynamodb.link_state import DynamoLinkStateStore
from chalicelib.adapters.dynamodb.tables import TABLES
from chalicelib.config import get_settings
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Gone, Unauthorized
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.history import Channel
from chalicelib.domain.selfupdate.models import SelfUpdateChange
from chalicelib.domain.selfupdate.ports import InvalidLinkToken
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.search_support import assert_search_cells_match_places

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PARAMETER = "/repere/test/self-update-keys"
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


def _put_keys(ssm: Any, current: str, keys: dict[str, str]) -> None:
    ssm.put_parameter(
        Name=PARAMETER,
        Value=json.dumps({"current": current, "keys": keys}),
        Type="SecureString",
        Overwrite=True,
    )


@pytest.fixture
def ssm(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    client = boto3.client("ssm", region_name=TEST_REGION)
    _put_keys(client, "k1", {"k1": "1" * 40})
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_SELF_UPDATE_KEYS_PARAMETER", PARAMETER)
    get_settings.cache_clear()
    roots.reset()
    roots.use(clock=FixedClock(NOW), ids=SequentialIds("id-"))
    try:
        yield client
    finally:
        roots.reset()


def test_the_wired_service_runs_on_dynamodb_and_ssm(ssm: Any) -> None:
    roots.current().adapters.places.load_fresh([make_place("p1")])
    service = roots.current().self_update_service
    token = service.issue(ADMIN, "p1").token
    change = SelfUpdateChange.model_validate({"description": "Mise à jour"})
    assert service.edit(token, expected_version=1, change=change).version == 2
    assert_search_cells_match_places()  # the description's words are searchable at once
    entry = roots.current().adapters.places.history("p1", limit=1).entries[0]
    assert entry.channel is Channel.SELF_UPDATE
    assert roots.current().adapters.places.get("p1").verified_at == NOW
    service.revoke(ADMIN, "p1")
    with pytest.raises(Gone):
        service.view(token)
    assert service.view(service.issue(ADMIN, "p1").token).version == 2


def test_generations_start_at_one_and_each_revocation_bumps(ssm: Any) -> None:
    store = DynamoLinkStateStore()
    assert store.generation("p1") == 1
    assert store.revoke("p1", NOW) == 2
    assert store.revoke("p1", NOW) == 3
    assert store.generation("p1") == 3
    assert store.generation("p2") == 1


def test_the_write_counter_stops_at_the_limit_per_token_and_hour(ssm: Any) -> None:
    store = DynamoLinkStateStore()
    assert [store.count_write("t1", "p1", "2026110209", 2) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert store.count_write("t2", "p1", "2026110209", 2)
    assert store.count_write("t1", "p1", "2026110210", 2)


class SteppedSSMProvider(SSMProvider):
    """Powertools' SSMProvider whose cache follows the test's clock, not the wall clock."""

    def __init__(self, client: Any, now: Callable[[], datetime]) -> None:
        super().__init__(boto3_client=client)
        self._now = now

    def has_not_expired_in_cache(self, key: tuple[Any, ...]) -> bool:
        return key in self.store and self.store[key].ttl >= self._now()

    def add_to_cache(self, key: tuple[Any, ...], value: Any, max_age: int) -> None:
        if max_age > 0:
            self.store[key] = ExpirableValue(value, self._now() + timedelta(seconds=max_age))


def test_a_rotated_key_reaches_a_container_after_its_cache_delay(ssm: Any) -> None:
    ticks = [NOW]
    provider = SteppedSSMProvider(ssm, lambda: ticks[0])
    keys = SsmKeySource(ssm, PARAMETER, cache_seconds=300, provider=provider)
    codec = JwtLinkCodec(keys)
    old_service_token = _token(codec)
    _put_keys(ssm, "k2", {"k1": "1" * 40, "k2": "2" * 40})
    assert keys.ring().current == "k1"  # cached
    ticks[0] = NOW + timedelta(seconds=301)
    assert keys.ring().current == "k2"
    codec.decode(old_service_token)  # the old key still verifies
    _put_keys(ssm, "k2", {"k2": "2" * 40})
    ticks[0] = NOW + timedelta(seconds=700)
    with pytest.raises(InvalidLinkToken):
        codec.decode(old_service_token)


def test_the_ring_is_read_from_ssm_with_powertools_default_provider(ssm: Any) -> None:
    keys = SsmKeySource(ssm, PARAMETER, cache_seconds=0)  # no cache: every call reads
    assert keys.ring().current == "k1"
    _put_keys(ssm, "k2", {"k1": "1" * 40, "k2": "2" * 40})
    assert keys.ring().current == "k2"


def test_a_key_ring_refuses_short_keys_and_a_missing_current_key() -> None:
    with pytest.raises(ValueError):
        KeyRing.from_json(json.dumps({"current": "k1", "keys": {"k1": "short"}}))
    with pytest.raises(ValueError):
        KeyRing.from_json(json.dumps({"current": "k2", "keys": {"k1": "1" * 40}}))


def test_a_garbage_token_is_unauthorized_on_the_wired_service(ssm: Any) -> None:
    with pytest.raises(Unauthorized):
        roots.current().self_update_service.view("not-a-token")


def _token(codec: JwtLinkCodec) -> str:
    from chalicelib.domain.selfupdate.models import SCOPE, LinkClaims

    return codec.encode(
        LinkClaims(
            token_id="t1",
            place_id="p1",
            generation=1,
            scope=SCOPE,
            issued_at=NOW,
            expires_at=NOW + timedelta(days=1),
        )
    )


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, str]]]:
    """(operation, table) of every DynamoDB request made inside the block, in order."""
    calls: list[tuple[str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        names = {params["TableName"]} if "TableName" in params else set()
        names |= set(params.get("RequestItems", {}))
        names |= {
            next(iter(item.values()))["TableName"] for item in params.get("TransactItems", [])
        }
        short = sorted(name.removeprefix(f"{TEST_TABLE_PREFIX}-") for name in names)
        calls.append((model.name, ",".join(short)))

    emitters = []
    for table in TABLES.values():
        emitter = table._get_connection().connection.client.meta.events
        if emitter not in emitters:
            emitter.register("provide-client-params.dynamodb.*", record)
            emitters.append(emitter)
    try:
        yield calls
    finally:
        for emitter in emitters:
            emitter.unregister("provide-client-params.dynamodb.*", record)


def test_a_self_update_edit_reads_the_place_once(ssm: Any) -> None:
    """The PATCH reads the link's generation, counts the write, reads the place, reads the
    search cells it leaves and writes everything in one transaction: the editor writes over
    the place the service read (it used to read it again)."""
    roots.current().adapters.places.load_fresh([make_place("p1")])
    service = roots.current().self_update_service
    token = service.issue(ADMIN, "p1").token
    change = SelfUpdateChange.model_validate({"description": "Mise à jour"})

    with dynamodb_calls() as calls:
        assert service.edit(token, expected_version=1, change=change).version == 2

    assert calls == [
        ("GetItem", "self-update-links"),  # the link's generation
        ("UpdateItem", "self-update-links"),  # the write counter
        ("GetItem", "places"),  # the place, read once
        ("Query", "search-cells"),  # the search cell it is in
        # The place, its history entry, its search cells and its news for the change feed.
        ("TransactWriteItems", "changes,place-history,places,search-cells"),
    ]
