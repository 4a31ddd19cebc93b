"""Bearer tokens and claims: what authenticates, what is refused, and how claims map to a
principal (the same mapping for Cognito and local tokens)."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from chalice.app import CognitoUserPoolAuthorizer
from pydantic import ValidationError

from chalicelib.adapters.auth.claims import principal_from_claims
from chalicelib.adapters.auth.local_jwt import LocalJwtVerifier
from chalicelib.api.auth import admin_authorizer
from chalicelib.config import DEV_JWT_SECRET, Settings
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.errors import Forbidden, Unauthorized

SECRET = "a-test-secret-of-at-least-thirty-two-bytes!"
VERIFIER = LocalJwtVerifier(SECRET, issuer="repere-test", audience="repere-backoffice")
# PyJWT checks expiry against real time. Tokens built at collection live 12 hours, far beyond
# any run of the suite; nothing asserts on the time itself.
NOW = datetime.now(UTC)


def token(**overrides: object) -> str:
    claims: dict[str, object] = {
        "sub": "user-1",
        "cognito:groups": ["territory_moderator"],
        "custom:departments": "75,93",
        "iss": "repere-test",
        "aud": "repere-backoffice",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=12)).timestamp()),
    }
    claims.update(overrides)
    claims = {key: value for key, value in claims.items() if value is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_a_valid_token_gives_its_principal() -> None:
    principal = principal_from_claims(VERIFIER.verify(token(name="Alice")))

    assert principal == Principal(
        subject="user-1",
        role=Role.TERRITORY_MODERATOR,
        departments=("75", "93"),
        display_name="Alice",
    )


def test_issue_round_trips() -> None:
    issued = VERIFIER.issue(
        subject="vol-9",
        role=Role.VOLUNTEER,
        departments=("2A",),
        # PyJWT checks expiry against the real clock: issue at the test's own instant (a
        # module-level instant is minutes old by now on a loaded CI machine).
        now=datetime.now(UTC),
        ttl=timedelta(minutes=5),
    )

    principal = principal_from_claims(VERIFIER.verify(issued))
    assert (principal.subject, principal.role, principal.departments) == (
        "vol-9",
        Role.VOLUNTEER,
        ("2A",),
    )


def _hs512() -> str:
    """A token signed with the right secret but another algorithm than the pinned one."""
    claims = {
        "sub": "x",
        "iss": "repere-test",
        "aud": "repere-backoffice",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=12)).timestamp()),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the key is short for SHA-512
        return jwt.encode(claims, SECRET, algorithm="HS512")


def _unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}."


@pytest.mark.parametrize(
    ("case", "bad_token", "code"),
    [
        ("garbage", "not-a-jwt", "invalid_token"),
        ("two parts", "abc.def", "invalid_token"),
        ("bad signature", token()[:-4] + "AAAA", "invalid_token"),
        (
            "other secret",
            jwt.encode({"sub": "x"}, "another-secret-of-at-least-32-bytes!!", algorithm="HS256"),
            "invalid_token",
        ),
        ("expired", token(exp=int((NOW - timedelta(hours=1)).timestamp())), "token_expired"),
        ("no expiry", token(exp=None), "invalid_token"),
        ("no subject", token(sub=None), "invalid_token"),
        ("wrong audience", token(aud="someone-else"), "invalid_token"),
        ("wrong issuer", token(iss="evil"), "invalid_token"),
        ("HS512 with the right secret", _hs512(), "invalid_token"),
        (
            "alg none",
            _unsigned(
                {"alg": "none", "typ": "JWT"},
                {
                    "sub": "x",
                    "iss": "repere-test",
                    "aud": "repere-backoffice",
                    "cognito:groups": ["admin"],
                    "exp": int((NOW + timedelta(hours=12)).timestamp()),
                    "iat": int(NOW.timestamp()),
                },
            ),
            "invalid_token",
        ),
    ],
)
def test_bad_tokens_are_unauthorized(case: str, bad_token: str, code: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        VERIFIER.verify(bad_token)

    assert refused.value.code == code
    assert bad_token not in refused.value.message


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["admin"], Role.ADMIN),
        (["volunteer", "admin"], Role.ADMIN),
        (["volunteer", "territory_moderator", "newsletter"], Role.TERRITORY_MODERATOR),
        ("volunteer,territory_moderator", Role.TERRITORY_MODERATOR),  # API Gateway REST
        ("[volunteer admin]", Role.ADMIN),  # API Gateway HTTP API
        ("volunteer", Role.VOLUNTEER),
    ],
)
def test_the_most_privileged_group_is_the_role(groups: object, role: Role) -> None:
    principal = principal_from_claims({"sub": "u", "cognito:groups": groups})

    assert principal.role is role


def test_an_account_without_a_backoffice_group_is_forbidden() -> None:
    with pytest.raises(Forbidden) as refused:
        principal_from_claims({"sub": "u", "cognito:groups": ["newsletter"]})
    assert refused.value.code == "no_role"
    with pytest.raises(Forbidden):
        principal_from_claims({"sub": "u"})


@pytest.mark.parametrize(
    "claims",
    [
        {"cognito:groups": ["admin"]},
        {"sub": "  ", "cognito:groups": ["admin"]},
        {"sub": "u", "cognito:groups": ["admin"], "custom:departments": "75,99"},
        {"sub": "u", "cognito:groups": ["admin"], "custom:departments": 75},
    ],
)
def test_malformed_claims_are_unauthorized(claims: dict[str, object]) -> None:
    with pytest.raises(Unauthorized):
        principal_from_claims(claims)


def test_departments_accept_spaces_and_lists() -> None:
    spaced = principal_from_claims(
        {"sub": "u", "cognito:groups": ["volunteer"], "custom:departments": " 93 , 75 ,"}
    )
    listed = principal_from_claims(
        {"sub": "u", "cognito:groups": ["volunteer"], "custom:departments": ["75", "93"]}
    )

    assert spaced.departments == listed.departments == ("75", "93")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LocalJwtVerifier("short", issuer="i", audience="a")


@pytest.mark.parametrize("stage", ["dev", "prod", "staging"])
def test_deployed_stages_refuse_the_development_secret(stage: str) -> None:
    with pytest.raises(ValidationError, match="development JWT secret"):
        Settings.from_environ({"REPERE_STAGE": stage})

    Settings.from_environ({"REPERE_STAGE": stage, "REPERE_LOCAL_JWT_SECRET": "x" * 40})
    Settings.from_environ(
        {
            "REPERE_STAGE": stage,
            "REPERE_AUTH_MODE": "cognito",
            "REPERE_COGNITO_USER_POOL_ARNS": "arn:aws:cognito-idp:eu-west-3:1:userpool/p",
        }
    )


def test_local_stages_use_the_development_secret_by_default() -> None:
    settings = Settings.from_environ({"REPERE_STAGE": "local"})

    assert settings.local_jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert DEV_JWT_SECRET not in repr(settings)


def test_cognito_mode_needs_a_user_pool_and_attaches_its_authorizer() -> None:
    with pytest.raises(ValidationError, match="COGNITO_USER_POOL_ARNS"):
        Settings.from_environ({"REPERE_AUTH_MODE": "cognito"})
    arn = "arn:aws:cognito-idp:eu-west-3:123456789012:userpool/eu-west-3_abc"
    settings = Settings.from_environ(
        {"REPERE_AUTH_MODE": "cognito", "REPERE_COGNITO_USER_POOL_ARNS": arn}
    )

    authorizer = admin_authorizer(settings)

    assert isinstance(authorizer, CognitoUserPoolAuthorizer)
    assert authorizer.to_swagger()["x-amazon-apigateway-authorizer"]["providerARNs"] == [arn]
    assert admin_authorizer(Settings.from_environ({})) is None
