"""Self-update links with real signed tokens: issue, every way a token can be wrong, revoke,
rotation, the edit and confirm paths through PlaceEditor (history, verified_at), rate limit."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.adapters.auth.link_tokens import (
    AUDIENCE,
    ISSUER,
    JwtLinkCodec,
    KeyRing,
    StaticKeySource,
)
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import (
    Forbidden,
    Gone,
    InvalidInput,
    TooManyRequests,
    Unauthorized,
    VersionConflict,
)
from chalicelib.domain.hours.models import TemporaryClosure
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import PlaceEditor
from chalicelib.domain.places.history import Action, Channel
from chalicelib.domain.selfupdate.models import SelfUpdateChange
from chalicelib.domain.selfupdate.service import GONE_MESSAGE, INVALID_MESSAGE, SelfUpdateService
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.selfupdate_fakes import InMemoryLinkStateStore

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEY_A = "a" * 40
KEY_B = "b" * 40
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR_75 = Principal(subject="mod-75", role=Role.TERRITORY_MODERATOR, departments=("75",))
MODERATOR_93 = Principal(subject="mod-93", role=Role.TERRITORY_MODERATOR, departments=("93",))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))


class World:
    def __init__(self, writes_per_hour: int = 30) -> None:
        self.store = InMemoryPlaceRepository()
        self.store.load_fresh([make_place("p1"), make_place("p2")])
        self.clock = FixedClock(NOW)
        self.links = InMemoryLinkStateStore()
        self.keys = StaticKeySource(KeyRing(current="k1", keys={"k1": KEY_A}))
        self.codec = JwtLinkCodec(self.keys)
        editor = PlaceEditor(self.store, self.clock, SequentialIds("new-"), default_taxonomy())
        self.service = SelfUpdateService(
            editor,
            self.store,
            self.links,
            self.codec,
            self.clock,
            ids=SequentialIds("tok-"),
            page_url="https://repere.example.org/mise-a-jour",
            link_days=30,
            writes_per_hour=writes_per_hour,
        )

    def token(self, place_id: str = "p1") -> str:
        return self.service.issue(ADMIN, place_id).token


@pytest.fixture
def world() -> World:
    return World()


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unb64(segment: str) -> dict[str, object]:
    padded = segment + "=" * (-len(segment) % 4)
    value: dict[str, object] = json.loads(base64.urlsafe_b64decode(padded))
    return value


def _assert_invalid(world: World, token: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        world.service.view(token)
    assert caught.value.message == INVALID_MESSAGE
    assert caught.value.code == "invalid_link"


def test_an_issued_link_opens_the_editable_subset_of_its_place(world: World) -> None:
    link = world.service.issue(ADMIN, "p1")
    assert link.url == f"https://repere.example.org/mise-a-jour#token={link.token}"
    assert link.expires_at == NOW + timedelta(days=30)
    view = world.service.view(link.token)
    assert view.place_id == "p1"
    assert view.version == 1
    assert view.link_expires_at == link.expires_at
    assert [service.id for service in view.services] == ["s1"]
    assert "internal_note" not in view.model_dump()


def test_the_token_header_names_its_key_and_pins_hs256(world: World) -> None:
    header = jwt.get_unverified_header(world.token())
    assert header == {"alg": "HS256", "kid": "k1", "typ": "JWT"}


def test_a_territory_moderator_issues_links_in_their_territory_only(world: World) -> None:
    assert world.service.issue(MODERATOR_75, "p1").place_id == "p1"
    with pytest.raises(Forbidden):
        world.service.issue(MODERATOR_93, "p1")


def test_volunteers_neither_issue_nor_revoke_links(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.issue(VOLUNTEER, "p1")
    with pytest.raises(Forbidden):
        world.service.revoke(VOLUNTEER, "p1")


@pytest.mark.parametrize("part", [0, 1, 2])
def test_changing_any_character_of_any_part_gives_the_same_401(world: World, part: int) -> None:
    segments = _segments(world.token())
    segment = segments[part]
    middle = len(segment) // 2
    flipped = "A" if segment[middle] != "A" else "B"
    segments[part] = segment[:middle] + flipped + segment[middle + 1 :]
    _assert_invalid(world, ".".join(segments))


def test_a_payload_naming_another_place_with_the_old_signature_is_refused(world: World) -> None:
    header, payload, signature = _segments(world.token("p1"))
    claims = _unb64(payload)
    claims["sub"] = "p2"
    _assert_invalid(world, ".".join([header, _b64(claims), signature]))


def test_a_raised_generation_with_the_old_signature_is_refused(world: World) -> None:
    world.service.revoke(ADMIN, "p1")
    header, payload, signature = _segments(world.token("p1"))
    claims = _unb64(payload)
    claims["gen"] = 1
    _assert_invalid(world, ".".join([header, _b64(claims), signature]))


def test_alg_none_is_refused(world: World) -> None:
    _, payload, _ = _segments(world.token())
    forged = _b64({"alg": "none", "kid": "k1", "typ": "JWT"}) + "." + payload + "."
    _assert_invalid(world, forged)


def test_an_unknown_key_id_is_refused_like_a_bad_signature(world: World) -> None:
    good = _unb64(_segments(world.token())[1])
    forged = jwt.encode(good, KEY_A, algorithm="HS256", headers={"kid": "k9"})
    _assert_invalid(world, forged)


def test_a_token_signed_with_another_secret_under_our_key_id_is_refused(world: World) -> None:
    good = _unb64(_segments(world.token())[1])
    forged = jwt.encode(good, "x" * 40, algorithm="HS256", headers={"kid": "k1"})
    _assert_invalid(world, forged)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("scope", "admin"), ("aud", "repere-backoffice"), ("iss", "someone-else")],
)
def test_a_well_signed_token_with_a_wrong_claim_is_refused(
    world: World, claim: str, value: str
) -> None:
    claims = _unb64(_segments(world.token())[1])
    claims[claim] = value
    _assert_invalid(world, jwt.encode(claims, KEY_A, algorithm="HS256", headers={"kid": "k1"}))


def test_a_well_signed_token_missing_a_claim_is_refused(world: World) -> None:
    claims = _unb64(_segments(world.token())[1])
    del claims["gen"]
    _assert_invalid(world, jwt.encode(claims, KEY_A, algorithm="HS256", headers={"kid": "k1"}))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_refused_like_a_tampered_token(world: World, token: str) -> None:
    _assert_invalid(world, token)


def test_an_expired_link_is_gone_with_how_to_get_a_new_one(world: World) -> None:
    token = world.token()
    world.clock.set(NOW + timedelta(days=30))
    with pytest.raises(Gone) as caught:
        world.service.view(token)
    assert caught.value.message == GONE_MESSAGE
    assert "new link" in caught.value.message


def test_a_link_still_works_one_second_before_it_expires(world: World) -> None:
    token = world.token()
    world.clock.set(NOW + timedelta(days=30) - timedelta(seconds=1))
    assert world.service.view(token).place_id == "p1"


def test_revoking_makes_every_earlier_link_gone_and_the_same_error_as_expiry(
    world: World,
) -> None:
    first, second = world.token(), world.token()
    other_place = world.token("p2")
    revoked = world.service.revoke(MODERATOR_75, "p1")
    assert revoked.generation == 2
    for token in (first, second):
        with pytest.raises(Gone) as caught:
            world.service.view(token)
        assert caught.value.message == GONE_MESSAGE
    assert world.service.view(other_place).place_id == "p2"
    assert world.service.view(world.token()).place_id == "p1"


def test_rotation_new_key_signs_old_key_verifies_until_retired(world: World) -> None:
    old_token = world.token()
    world.keys._ring = KeyRing(current="k2", keys={"k1": KEY_A, "k2": KEY_B})
    new_token = world.token()
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert world.service.view(old_token).place_id == "p1"
    assert world.service.view(new_token).place_id == "p1"
    world.keys._ring = KeyRing(current="k2", keys={"k2": KEY_B})
    _assert_invalid(world, old_token)
    assert world.service.view(new_token).place_id == "p1"


def test_a_self_update_goes_through_the_versioned_history_path(world: World) -> None:
    token = world.token()
    world.clock.set(NOW + timedelta(hours=1))
    closure = TemporaryClosure(start_date=NOW.date(), end_date=NOW.date() + timedelta(days=7))
    change = SelfUpdateChange.model_validate(
        {
            "description": "Nouvelle description",
            "services": [{"id": "s1", "temporary_closure": closure.model_dump(mode="json")}],
        }
    )
    view = world.service.edit(token, expected_version=1, change=change)
    assert view.version == 2
    assert view.description == "Nouvelle description"
    assert view.services[0].temporary_closure == closure
    place = world.store.get("p1")
    assert place.verified_at == NOW + timedelta(hours=1)
    entry = world.store.history("p1", limit=1).entries[0]
    assert entry.channel is Channel.SELF_UPDATE
    assert entry.action is Action.EDITED
    assert entry.actor.role == "structure"
    assert entry.actor.subject.startswith("link:")
    assert {change.field for change in entry.changes} == {
        "description",
        "services",
        "verified_at",
    }


def test_confirm_moves_verified_at_and_writes_a_history_entry(world: World) -> None:
    token = world.token()
    view = world.service.confirm(token, expected_version=1)
    assert view.verified_at == NOW
    entry = world.store.history("p1", limit=1).entries[0]
    assert (entry.channel, entry.action) == (Channel.SELF_UPDATE, Action.VERIFIED)
    assert [change.field for change in entry.changes] == ["verified_at"]


def test_a_stale_version_is_a_conflict(world: World) -> None:
    token = world.token()
    world.service.confirm(token, expected_version=1)
    with pytest.raises(VersionConflict) as caught:
        world.service.confirm(token, expected_version=1)
    assert caught.value.current_version == 2


def test_a_body_naming_another_place_is_forbidden(world: World) -> None:
    token = world.token("p1")
    change = SelfUpdateChange.model_validate({"place_id": "p2", "description": "x"})
    with pytest.raises(Forbidden):
        world.service.edit(token, expected_version=1, change=change)
    with pytest.raises(Forbidden):
        world.service.confirm(token, expected_version=1, place_id="p2")
    assert world.store.get("p2").version == 1


def test_a_structure_cannot_touch_fields_outside_the_editable_subset() -> None:
    with pytest.raises(ValueError, match="extra"):
        SelfUpdateChange.model_validate({"status": "offline"})
    with pytest.raises(ValueError, match="extra"):
        SelfUpdateChange.model_validate({"services": [{"id": "s1", "category": "shower"}]})


def test_an_unknown_service_is_invalid(world: World) -> None:
    change = SelfUpdateChange.model_validate(
        {"services": [{"id": "nope", "temporary_closure": None}]}
    )
    with pytest.raises(InvalidInput):
        world.service.edit(world.token(), expected_version=1, change=change)


def test_writes_beyond_the_hourly_limit_are_refused_until_the_next_hour() -> None:
    world = World(writes_per_hour=2)
    token = world.token()
    world.service.confirm(token, expected_version=1)
    world.clock.set(NOW + timedelta(minutes=1))
    world.service.confirm(token, expected_version=2)
    with pytest.raises(TooManyRequests):
        world.service.confirm(token, expected_version=3)
    assert world.service.view(token).version == 3  # reading is not limited
    other_link = world.token()
    world.clock.set(NOW + timedelta(minutes=2))
    world.service.confirm(other_link, expected_version=3)  # per token, not per place
    world.clock.set(NOW + timedelta(hours=1))
    world.service.confirm(token, expected_version=4)


def test_issuer_and_audience_constants_are_our_own() -> None:
    assert (ISSUER, AUDIENCE) == ("repere", "repere-self-update")
