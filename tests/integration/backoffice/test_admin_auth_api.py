"""Every admin route refuses missing, malformed, wrongly signed, expired and wrong-algorithm
tokens with a 401 JSON body, and accounts without a back-office role with a 403."""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from chalice.app import Request

from chalicelib.api.auth import authenticate
from chalicelib.config import DEV_JWT_SECRET, Settings, get_settings
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.errors import Unauthorized
from tests.integration.backoffice.conftest import ADMIN, AdminApi, bearer, token


def admin_routes() -> list[tuple[str, str]]:
    from app import app

    routes: list[tuple[str, str]] = []
    for path, methods in sorted(app.routes.items()):
        if not path.startswith("/admin"):
            continue
        concrete = re.sub(r"\{[a-z_]+\}", "x1", path)
        routes.extend((method, concrete) for method in sorted(methods) if method != "OPTIONS")
    return routes


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "admin-1",
        "cognito:groups": ["admin"],
        "iss": get_settings().local_jwt_issuer,
        "aud": get_settings().local_jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=12)).timestamp()),
    }
    claims.update(overrides)
    return claims


def _hs384() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(_claims(), DEV_JWT_SECRET, algorithm="HS384")


BAD_CREDENTIALS = {
    "missing": ({}, "missing_token"),
    "basic scheme": ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "malformed_token"),
    "bearer without token": ({"Authorization": "Bearer "}, "malformed_token"),
    "two tokens": ({"Authorization": "Bearer a.b.c d.e.f"}, "malformed_token"),
    "not a jwt": (bearer("hello"), "invalid_token"),
    "bad signature": (
        bearer(jwt.encode(_claims(), "x" * 40, algorithm="HS256")),
        "invalid_token",
    ),
    "expired": (
        bearer(
            token(Role.ADMIN, now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(hours=1))
        ),
        "token_expired",
    ),
    "wrong algorithm": (bearer(_hs384()), "invalid_token"),
}


def test_admin_routes_exist() -> None:
    assert len(admin_routes()) >= 14


@pytest.mark.parametrize("case", sorted(BAD_CREDENTIALS))
def test_bad_credentials_get_401_on_every_admin_route(admin_api: AdminApi, case: str) -> None:
    headers, code = BAD_CREDENTIALS[case]
    for method, path in admin_routes():
        status, body, response_headers = admin_api.call(method, path, headers, {})
        assert status == 401, f"{method} {path}: {status}"
        assert body["code"] == code, f"{method} {path}"
        assert response_headers["WWW-Authenticate"] == 'Bearer realm="repere"'
        assert response_headers["Cache-Control"] == "no-store"


def test_an_account_without_a_backoffice_role_gets_403(admin_api: AdminApi) -> None:
    no_role = jwt.encode(_claims(**{"cognito:groups": ["newsletter"]}), DEV_JWT_SECRET)
    for method, path in admin_routes():
        status, body, _ = admin_api.call(method, path, bearer(no_role), {})
        assert (status, body["code"]) == (403, "no_role"), f"{method} {path}"


def test_me_says_who_is_calling(admin_api: AdminApi) -> None:
    status, body, headers = admin_api.call(
        "GET", "/admin/me", bearer(token(Role.TERRITORY_MODERATOR, ("93", "75"), "mod-x"))
    )

    assert status == 200
    assert body == {
        "subject": "mod-x",
        "role": "territory_moderator",
        "departments": ["75", "93"],
        "display_name": "Test territory_moderator",
    }
    assert headers["Cache-Control"] == "no-store"


def test_admin_routes_send_no_cors_headers(admin_api: AdminApi) -> None:
    _, _, headers = admin_api.call("GET", "/admin/me", {**ADMIN, "Origin": "http://localhost:3000"})

    assert "Access-Control-Allow-Origin" not in headers


def _request(headers: dict[str, str], context: dict[str, object]) -> Request:
    event = {
        "multiValueQueryStringParameters": None,
        "headers": headers,
        "pathParameters": None,
        "requestContext": {"httpMethod": "GET", "resourcePath": "/admin/me", **context},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }
    return Request(event)


def test_cognito_mode_reads_the_authorizer_claims_and_ignores_the_header() -> None:
    cognito = Settings.from_environ(
        {
            "REPERE_AUTH_MODE": "cognito",
            "REPERE_COGNITO_USER_POOL_ARNS": "arn:aws:cognito-idp:eu-west-3:1:userpool/p",
        }
    )
    claims = {
        "sub": "c0ffee",
        "cognito:groups": "volunteer,territory_moderator",
        "custom:departments": "13",
        "name": "Karim",
    }

    principal = authenticate(
        _request({"authorization": "Bearer forged"}, {"authorizer": {"claims": claims}}),
        cognito,
    )

    assert principal == Principal(
        subject="c0ffee",
        role=Role.TERRITORY_MODERATOR,
        departments=("13",),
        display_name="Karim",
    )
    # A valid local token is worth nothing in Cognito mode: only verified claims count.
    with pytest.raises(Unauthorized):
        authenticate(_request({"authorization": ADMIN["Authorization"]}, {}), cognito)


def test_error_bodies_never_echo_the_token(admin_api: AdminApi) -> None:
    forged = jwt.encode(_claims(), "y" * 40, algorithm="HS256")

    _, body, _ = admin_api.call("GET", "/admin/me", bearer(forged))

    assert forged not in json.dumps(body)
