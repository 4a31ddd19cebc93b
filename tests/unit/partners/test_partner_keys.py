"""Partner keys: shown once, kept hashed, every failure the same 401, scopes, quotas by the
minute and the day with the seconds to wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from chalicelib.domain.partners.models import KeyRequest, Quota, Scope
from chalicelib.domain.partners.service import KeyPolicy, PartnerKeys, secret_hash
from tests.partner_fakes import InMemoryApiKeyStore, InMemoryKeyGateway, InMemoryWindowCounter

NOW = datetime(2026, 12, 4, 10, 15, 30, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("93",))


class World:
    def __init__(self, *, per_minute: int = 5, per_day: int = 1000) -> None:
        self.store = InMemoryApiKeyStore()
        self.counter = InMemoryWindowCounter()
        self.clock = FixedClock(NOW)
        self.gateway = InMemoryKeyGateway()
        self.keys = PartnerKeys(
            self.store,
            self.counter,
            self.clock,
            policy=KeyPolicy(default_quota=Quota(per_minute=per_minute, per_day=per_day)),
            gateway=self.gateway,
        )

    def issue(self, *scopes: Scope) -> str:
        issued = self.keys.issue(
            ADMIN, KeyRequest(name="kiosque Paris 19", scopes=list(scopes or [Scope.CHANGES]))
        )
        return issued.key


def test_the_secret_is_shown_once_and_only_its_hash_is_kept() -> None:
    world = World()
    issued = world.keys.issue(ADMIN, KeyRequest(name="data·inclusion", scopes=[Scope.CHANGES]))
    prefix, key_id, secret = issued.key.split("_", 2)
    assert prefix == "rpk"
    assert issued.api_key.id == key_id
    stored = world.store.keys[key_id]
    assert stored.secret_sha256 == secret_hash(secret)
    assert secret not in stored.model_dump_json()
    assert "secret" not in issued.api_key.model_dump_json()
    assert issued.api_key.quota == Quota(per_minute=5, per_day=1000)  # the stage's plan
    listed = world.keys.list_keys(ADMIN, include_revoked=False)
    assert [view.id for view in listed] == [key_id]
    assert secret not in listed[0].model_dump_json()


def test_only_admins_manage_keys() -> None:
    world = World()
    with pytest.raises(Forbidden):
        world.keys.issue(MODERATOR, KeyRequest(name="x", scopes=[Scope.SEARCH]))
    with pytest.raises(Forbidden):
        world.keys.list_keys(MODERATOR, include_revoked=True)
    key = world.issue()
    with pytest.raises(Forbidden):
        world.keys.revoke(MODERATOR, key.split("_")[1])


def test_a_valid_key_opens_its_scopes_only() -> None:
    world = World()
    key = world.issue(Scope.CHANGES)
    found = world.keys.authenticate(key, Scope.CHANGES, required=True)
    assert found is not None
    assert found.name == "kiosque Paris 19"
    with pytest.raises(Forbidden) as raised:
        world.keys.authenticate(key, Scope.NATIONAL_FILES, required=True)
    assert raised.value.code == "out_of_scope"


@pytest.mark.parametrize(
    "presented",
    [
        "nonsense",
        "rpk_0123456789abcdef_" + "A" * 43,  # unknown id
        "rpk_0123456789ABCDEF_" + "A" * 43,  # not our alphabet
        "rpk_0123456789abcdef_" + "A" * 42,  # too short
        "x" * 10_000,
        "rpk_0123456789abcdef_" + "é" * 43,
    ],
)
def test_every_invalid_key_is_the_same_401(presented: str) -> None:
    world = World()
    world.issue()
    with pytest.raises(Unauthorized) as raised:
        world.keys.authenticate(presented, Scope.CHANGES, required=False)
    assert raised.value.code == "invalid_api_key"


def test_a_wrong_secret_for_a_known_id_is_the_same_401() -> None:
    world = World()
    key = world.issue()
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    with pytest.raises(Unauthorized) as raised:
        world.keys.authenticate(tampered, Scope.CHANGES, required=True)
    assert raised.value.code == "invalid_api_key"


def test_a_missing_key_is_401_only_where_one_is_required() -> None:
    world = World()
    assert world.keys.authenticate(None, Scope.SEARCH, required=False) is None
    with pytest.raises(Unauthorized) as raised:
        world.keys.authenticate(None, Scope.CHANGES, required=True)
    assert raised.value.code == "api_key_required"


def test_a_revoked_key_is_refused_at_once_in_this_container_and_after_the_cache_elsewhere() -> None:
    world = World()
    key = world.issue()
    key_id = key.split("_")[1]
    other = PartnerKeys(
        world.store,
        world.counter,
        world.clock,
        policy=KeyPolicy(default_quota=Quota(per_minute=100, per_day=1000), cache_seconds=30),
    )
    assert other.authenticate(key, Scope.CHANGES, required=True) is not None  # cached there
    revoked = world.keys.revoke(ADMIN, key_id)
    assert revoked.revoked_at == NOW
    with pytest.raises(Unauthorized):
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    assert other.authenticate(key, Scope.CHANGES, required=True) is not None  # within 30 s
    world.clock.set(world.clock.now() + timedelta(seconds=30))
    with pytest.raises(Unauthorized):
        other.authenticate(key, Scope.CHANGES, required=True)
    assert world.keys.list_keys(ADMIN, include_revoked=False) == []
    assert [v.id for v in world.keys.list_keys(ADMIN, include_revoked=True)] == [key_id]
    with pytest.raises(NotFound):
        world.keys.revoke(ADMIN, "fedcba9876543210")


def test_verified_keys_are_read_once_per_cache_period() -> None:
    world = World(per_minute=100)
    key = world.issue()
    for _ in range(10):
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    assert world.store.reads == 1


def test_over_the_minute_quota_is_429_with_the_seconds_left_in_the_minute() -> None:
    world = World(per_minute=3)
    key = world.issue()
    for _ in range(3):
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    with pytest.raises(TooManyRequests) as raised:
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    assert raised.value.code == "quota_exceeded"
    assert raised.value.retry_after_seconds == 30  # 10:15:30 -> 10:16:00
    world.clock.set(world.clock.now() + timedelta(seconds=30))
    assert world.keys.authenticate(key, Scope.CHANGES, required=True) is not None


def test_over_the_day_quota_is_429_until_midnight_utc() -> None:
    world = World(per_minute=100, per_day=2)
    key = world.issue()
    world.keys.authenticate(key, Scope.CHANGES, required=True)
    world.clock.set(world.clock.now() + timedelta(minutes=5))
    world.keys.authenticate(key, Scope.CHANGES, required=True)
    world.clock.set(world.clock.now() + timedelta(minutes=5))
    with pytest.raises(TooManyRequests) as raised:
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    assert raised.value.retry_after_seconds == (24 * 3600) - (10 * 3600 + 25 * 60 + 30)


def test_two_keys_count_apart() -> None:
    world = World(per_minute=1)
    first, second = world.issue(), world.issue()
    world.keys.authenticate(first, Scope.CHANGES, required=True)
    assert world.keys.authenticate(second, Scope.CHANGES, required=True) is not None


# API Gateway's copy (the partner usage plan) -------------------------------------------------


def test_an_issued_key_is_registered_in_the_usage_plan_and_disabled_on_revocation() -> None:
    world = World()
    key = world.issue()
    key_id = key.split("_")[1]
    assert world.gateway.enabled_values() == {key}
    gateway_id = world.store.keys[key_id].gateway_key_id
    assert gateway_id is not None
    assert "gateway" not in world.keys.list_keys(ADMIN, include_revoked=True)[0].model_dump_json()

    world.keys.revoke(ADMIN, key_id)
    assert world.gateway.enabled_values() == set()
    world.keys.revoke(ADMIN, key_id)  # a retry disables it again, harmlessly
    assert world.gateway.keys[gateway_id] == (key, False)


def test_a_gateway_that_does_not_answer_issues_nothing() -> None:
    world = World()
    world.gateway.down = True
    with pytest.raises(Unavailable):
        world.issue()
    assert world.store.keys == {}


def test_a_store_failure_after_registration_disables_the_gateway_copy() -> None:
    world = World()
    taken = world.issue()
    world.keys = PartnerKeys(
        world.store,
        world.counter,
        world.clock,
        policy=KeyPolicy(default_quota=Quota(per_minute=5, per_day=1000)),
        gateway=world.gateway,
        new_id=lambda: taken.split("_")[1],  # the store refuses the id (Conflict)
    )
    with pytest.raises(Conflict):
        world.issue()
    assert world.gateway.enabled_values() == {taken}


def test_a_revocation_the_gateway_missed_is_refused_by_the_api_and_can_be_retried() -> None:
    world = World()
    key = world.issue()
    key_id = key.split("_")[1]
    world.gateway.down = True
    with pytest.raises(Unavailable):
        world.keys.revoke(ADMIN, key_id)
    with pytest.raises(Unauthorized):  # the API's own gate closed first
        world.keys.authenticate(key, Scope.CHANGES, required=True)
    world.gateway.down = False
    world.keys.revoke(ADMIN, key_id)
    assert world.gateway.enabled_values() == set()
