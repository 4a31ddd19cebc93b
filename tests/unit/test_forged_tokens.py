"""Tokens signed with the right key but hostile registered claims: refused with the route's
401 code, never accepted, never a 500 (OverflowError, TypeError). Self-update links,
newsletter links and local back-office JWTs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from chalicelib.adapters.auth.link_tokens import AUDIENCE, ISSUER, MAX_LINK_LIFETIME
from chalicelib.adapters.auth.local_jwt import MAX_LIFETIME, LocalJwtVerifier
from chalicelib.adapters.auth.newsletter_tokens import AUDIENCE as NEWSLETTER_AUDIENCE
from chalicelib.domain.auth import Role
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.newsletters.models import TokenPurpose
from chalicelib.domain.selfupdate.service import INVALID_MESSAGE
from tests.hostile import hostile_claims
from tests.newsletter_support import KEYS as NEWSLETTER_KEYS
from tests.unit.newsletters.test_subscriptions import World as NewsletterWorld
from tests.unit.selfupdate.test_link_service import KEY_A, NOW
from tests.unit.selfupdate.test_link_service import World as LinkWorld

ISSUED = int(NOW.timestamp())
LINK_CASES: dict[str, dict[str, object]] = {
    **hostile_claims(ISSUED),
    "gen a string": {"gen": "1"},
    "gen true": {"gen": True},
    "gen a float": {"gen": 1.0},
    "gen zero": {"gen": 0},
    "gen 2**40": {"gen": 2**40},
    "jti a number": {"jti": 7},
    "sub a list": {"sub": ["p1"]},
    "a lifetime one day over the longest link": {
        "exp": ISSUED + int(MAX_LINK_LIFETIME.total_seconds()) + 86_400
    },
}


def _link_claims(**changes: object) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "p1",
        "jti": "tok-1",
        "gen": 1,
        "scope": "self-update",
        "iat": ISSUED,
        "exp": ISSUED + 30 * 86_400,
    }
    claims.update(changes)
    return claims


def _sign_link(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, KEY_A, algorithm="HS256", headers={"kid": "k1"})


def test_the_untouched_forgery_is_accepted_so_each_case_tests_one_claim() -> None:
    world = LinkWorld()
    assert world.service.view(_sign_link(_link_claims())).place_id == "p1"


@pytest.mark.parametrize("case", list(LINK_CASES))
def test_a_self_update_link_with_hostile_claims_is_the_same_401(case: str) -> None:
    world = LinkWorld()
    with pytest.raises(Unauthorized) as caught:
        world.service.view(_sign_link(_link_claims(**LINK_CASES[case])))
    assert (caught.value.code, caught.value.message) == ("invalid_link", INVALID_MESSAGE)


@pytest.mark.parametrize("ahead", [timedelta(minutes=2), timedelta(days=365)])
def test_a_self_update_link_issued_in_the_future_is_refused(ahead: timedelta) -> None:
    world = LinkWorld()
    issued = ISSUED + int(ahead.total_seconds())
    with pytest.raises(Unauthorized):
        world.service.view(_sign_link(_link_claims(iat=issued, exp=issued + 86_400)))


def test_a_link_issued_within_the_clock_leeway_is_accepted() -> None:
    world = LinkWorld()
    token = _sign_link(_link_claims(iat=ISSUED + 59, exp=ISSUED + 86_400))
    assert world.service.view(token).place_id == "p1"


# Newsletter links -------------------------------------------------------------------------

NEWSLETTER_ISSUED = int(datetime(2026, 11, 23, 8, 0, tzinfo=UTC).timestamp())


def _newsletter_token(purpose: TokenPurpose, **changes: object) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": NEWSLETTER_AUDIENCE,
        "sub": "s1",
        "scope": purpose.value,
        "iat": NEWSLETTER_ISSUED,
        "exp": NEWSLETTER_ISSUED + 86_400,
    }
    claims.update(changes)
    secret = NEWSLETTER_KEYS.keys["k1"]
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "k1"})


NEWSLETTER_CASES: dict[str, dict[str, object]] = {
    **hostile_claims(NEWSLETTER_ISSUED),
    "a confirmation link of 60 days": {"exp": NEWSLETTER_ISSUED + 60 * 86_400},
    "iat two minutes ahead": {"iat": NEWSLETTER_ISSUED + 120},
    "jti a number": {"jti": 5},
}


@pytest.mark.parametrize("case", list(NEWSLETTER_CASES))
def test_a_newsletter_link_with_hostile_claims_is_the_same_401(case: str) -> None:
    world = NewsletterWorld()
    token = _newsletter_token(TokenPurpose.CONFIRM, **NEWSLETTER_CASES[case])
    with pytest.raises(Unauthorized) as caught:
        world.service.confirm(token)
    assert caught.value.code == "invalid_link"


@pytest.mark.parametrize("case", list(hostile_claims(NEWSLETTER_ISSUED)))
def test_an_unsubscribe_link_with_hostile_claims_is_the_same_401(case: str) -> None:
    world = NewsletterWorld()
    token = _newsletter_token(TokenPurpose.UNSUBSCRIBE, **hostile_claims(NEWSLETTER_ISSUED)[case])
    with pytest.raises(Unauthorized):
        world.service.unsubscribe(token)


# Local back-office JWTs (PyJWT checks iat and exp against real time) ----------------------

SECRET = "local-test-secret-" + "s" * 32
VERIFIER = LocalJwtVerifier(SECRET, issuer="repere-local", audience="repere-backoffice")
REAL_NOW = int(datetime.now(UTC).timestamp())


def _local_token(**changes: object) -> str:
    claims: dict[str, Any] = {
        "sub": "admin-1",
        "cognito:groups": ["admin"],
        "iss": "repere-local",
        "aud": "repere-backoffice",
        "iat": REAL_NOW,
        "exp": REAL_NOW + 3600,
    }
    claims.update(changes)
    return jwt.encode(claims, SECRET, algorithm="HS256")


LOCAL_CASES = {
    name: change
    for name, change in hostile_claims(REAL_NOW).items()
    if name != "nbf we never write"  # local tokens may carry a (valid) nbf, like Cognito's
}
LOCAL_CASES["iat an hour ahead"] = {"iat": REAL_NOW + 3600, "exp": REAL_NOW + 7200}
LOCAL_CASES["a lifetime over the local maximum"] = {
    "exp": REAL_NOW + int(MAX_LIFETIME.total_seconds()) + 60
}


def test_the_untouched_local_forgery_is_accepted() -> None:
    assert VERIFIER.verify(_local_token())["sub"] == "admin-1"


@pytest.mark.parametrize("case", list(LOCAL_CASES))
def test_a_local_jwt_with_hostile_claims_is_a_401(case: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        VERIFIER.verify(_local_token(**LOCAL_CASES[case]))
    assert caught.value.code in {"invalid_token", "token_expired"}


def test_a_local_token_longer_than_the_maximum_is_not_issued() -> None:
    with pytest.raises(ValueError, match="at most"):
        VERIFIER.issue(subject="a", role=Role.ADMIN, now=datetime.now(UTC), ttl=MAX_LIFETIME * 2)
