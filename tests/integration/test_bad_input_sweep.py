"""Every route, with an admin's token, answers malformed input with a 4xx JSON error — never a
500, never a stack trace. A sweep over the whole route table (new routes are covered the day
they are added), on the production adapters under moto.

Hostile input (issue 14): bodies nested 10,000 deep, NaN, 1e999, integers of 30 digits,
non-UTF-8 and oversized bodies on every route that takes one; full-width digits, NaN and
infinities, huge numbers and hostile cursors in query strings; forged tokens (right key,
hostile claims) for each of the three token kinds in ``Authorization``; weak and non-ASCII
``If-Match``. Each case goes to every route; the sweep fails on any 5xx, on any error that
is not the ``{"code", "message", "field"}`` JSON envelope, and on a forged token let in.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import jwt
import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.adapters.auth.link_tokens import AUDIENCE as LINK_AUDIENCE
from chalicelib.adapters.auth.link_tokens import ISSUER as LINK_ISSUER
from chalicelib.adapters.auth.newsletter_tokens import AUDIENCE as NEWSLETTER_AUDIENCE
from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
from chalicelib.config import get_settings
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.hostile import (
    HOSTILE_CURSORS,
    HOSTILE_NUMBERS,
    UNICODE_DIGIT_CODES,
    hostile_claims,
)
from tests.integration.backoffice.conftest import ADMIN


def _routes() -> list[tuple[str, str]]:
    from app import app

    routes: list[tuple[str, str]] = []
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

DEEP = 10_000
HOSTILE_BODIES: dict[str, bytes] = {
    "arrays nested 10,000 deep": b"[" * DEEP + b"]" * DEEP,
    "objects nested 10,000 deep": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "arrays opened 10,000 deep, never closed": b"[" * DEEP,
    "a field nested 10,000 deep": b'{"name":' + b"[" * DEEP + b"]" * DEEP + b"}",
    "a field of objects nested 10,000 deep": b'{"edits":' + b'{"a":' * DEEP + b"}" * DEEP + b"}",
    "NaN": b'{"lat": NaN, "lon": NaN, "place_version": NaN}',
    "Infinity": b'{"lat": Infinity, "limit": -Infinity}',
    "1e999": b'{"lat": 1e999, "place_version": 1e999, "hours": 1e999}',
    "an integer of 30 digits": b'{"place_version": 999999999999999999999999999999}',
    "an integer of 5,000 digits": b'{"place_version": ' + b"9" * 5000 + b"}",
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "UTF-16": '{"name": "x"}'.encode("utf-16"),
    "a lone surrogate": b'{"name": "\\ud800", "reason": "\\udfff", "message": "\\ud800"}',
    "full-width digits": json.dumps(
        {"department": "７５", "departments": ["7５"], "postal_code": "7500１"}, ensure_ascii=False
    ).encode(),
    "over a megabyte": b'{"name": "' + b"x" * 1_100_000 + b'"}',
    "a string of a megabyte minus a little": b'{"message": "' + b"x" * 999_000 + b'"}',
}

HOSTILE_QUERIES: dict[str, str] = {
    **{
        f"department={code}": "?department=" + quote(code, safe="%") for code in UNICODE_DIGIT_CODES
    },
    **{f"limit={n}": f"?department=75&limit={quote(n)}" for n in HOSTILE_NUMBERS},
    **{f"lat={n}": f"?lat={quote(n)}&lon=2.35" for n in HOSTILE_NUMBERS},
    **{f"radius_km={n}": f"?lat=48.85&lon=2.35&radius_km={quote(n)}" for n in HOSTILE_NUMBERS},
    **{
        f"cursor: {name}": "?department=75&cursor=" + quote(value)
        for name, value in HOSTILE_CURSORS.items()
    },
    "postal_code full-width": "?postal_code=" + quote("7500１"),
    "city_code Arabic-Indic": "?city_code=" + quote("٧٥٠٥٦"),
    "week full-width": "?department=75&week=" + quote("２０２６-W01"),
    "token non-ASCII": "?token=" + quote("é" * 40),
    "a 5,000-character parameter": "?q=" + "x" * 5000,
    "percent-encoded bytes that are not UTF-8": "?department=%FF%FE&q=%C3",
    "a NUL byte": "?department=75%00&q=a%00b&cursor=%00",
    "a right-to-left override": "?q=" + quote("\u202eabc") + "&department=" + quote("\u202e75"),
}

HOSTILE_IF_MATCH = ['W/"1"', 'W/"abc"', '"１"', '"99999999999999999999"', "*", '"1', "1", "\u00e9"]


LINK_KEY = "sweep-self-update-key-" + "k" * 32


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # One moto and one set of tables for the whole sweep: malformed input writes nothing.
    from app import app

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        patch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
        bind_tables(TEST_TABLE_PREFIX, region=TEST_REGION)
        create_tables()
        get_settings.cache_clear()
        settings = get_settings()
        # The key ring of link tokens: forged tokens below are signed with its key.
        boto3.client("ssm", region_name=TEST_REGION).put_parameter(
            Name=settings.self_update_keys_parameter,
            Type="SecureString",
            Value=json.dumps({"current": "k1", "keys": {"k1": LINK_KEY}}),
        )
        roots.reset()
        try:
            with Client(app, stage_name="local") as test_client:
                yield test_client
        finally:
            roots.reset()
            get_settings.cache_clear()


def _wrong(method: str, path: str, response: Any) -> str | None:
    """What is wrong with an answer to hostile input: a 5xx, or an error that is not our
    JSON envelope."""
    if response.status_code >= 500:
        return f"{method} {path}: {response.status_code} {response.body[:200]!r}"
    if response.status_code >= 400:
        try:
            payload: Any = json.loads(response.body)
        except ValueError:
            return f"{method} {path}: {response.status_code} not JSON {response.body[:100]!r}"
        if not isinstance(payload, dict) or set(payload) - {"current_version"} != {
            "code",
            "message",
            "field",
        }:
            return f"{method} {path}: body {payload}"
    return None


def _sweep(
    client: Client,
    *,
    query: str = "",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> list[str]:
    all_headers = {
        **ADMIN,
        "Content-Type": "application/json",
        "Idempotency-Key": "sweep-key-0001",
        "If-Match": '"1"',
        **(headers or {}),
    }
    wrong: list[str] = []
    for method, path in _routes():
        if body is not None and method in ("GET", "DELETE"):
            continue  # no body on these methods
        response = client.http.request(method, path + query, headers=all_headers, body=body or b"")
        problem = _wrong(method, path, response)
        if problem is not None:
            wrong.append(problem)
    return wrong


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_malformed_input_is_a_4xx_json_error_on_every_route(client: Client, case: str) -> None:
    query, body = BAD_INPUTS[case]

    assert _sweep(client, query=query, body=body) == []


@pytest.mark.parametrize("case", list(HOSTILE_BODIES))
def test_a_hostile_body_is_a_4xx_json_error_on_every_route(client: Client, case: str) -> None:
    assert _sweep(client, body=HOSTILE_BODIES[case]) == []


@pytest.mark.parametrize("case", list(HOSTILE_QUERIES))
def test_a_hostile_query_is_a_4xx_json_error_on_every_route(client: Client, case: str) -> None:
    assert _sweep(client, query=HOSTILE_QUERIES[case]) == []


@pytest.mark.parametrize("if_match", HOSTILE_IF_MATCH)
def test_a_hostile_if_match_is_a_4xx_json_error_on_every_route(
    client: Client, if_match: str
) -> None:
    assert _sweep(client, body=b"{}", headers={"If-Match": if_match}) == []


# Forged tokens: the right key, hostile claims --------------------------------------------

NOW = int(time.time())
PROTECTED = re.compile(r"^/(admin/|self-update|subscriptions/(confirm|unsubscribe))")


def _forged_tokens() -> dict[str, str]:
    settings = get_settings()
    local_secret = settings.local_jwt_secret.get_secret_value()
    tokens: dict[str, str] = {}
    for name, change in hostile_claims(NOW).items():
        admin = {
            "sub": "admin-1",
            "cognito:groups": ["admin"],
            "iss": settings.local_jwt_issuer,
            "aud": settings.local_jwt_audience,
            "iat": NOW,
            "exp": NOW + 3600,
            **change,
        }
        if name != "nbf we never write":  # admin JWTs may carry a valid nbf, like Cognito's
            tokens[f"admin JWT, {name}"] = jwt.encode(admin, local_secret, algorithm="HS256")
        link = {
            "iss": LINK_ISSUER,
            "aud": LINK_AUDIENCE,
            "sub": "x1",
            "jti": "tok-1",
            "gen": 1,
            "scope": "self-update",
            "iat": NOW,
            "exp": NOW + 86_400,
            **change,
        }
        tokens[f"self-update link, {name}"] = jwt.encode(
            link, LINK_KEY, algorithm="HS256", headers={"kid": "k1"}
        )
        for scope in ("newsletter-confirm", "newsletter-unsubscribe"):
            newsletter = {
                "iss": LINK_ISSUER,
                "aud": NEWSLETTER_AUDIENCE,
                "sub": "s1",
                "scope": scope,
                "iat": NOW,
                "exp": NOW + 86_400,
                **change,
            }
            tokens[f"{scope} link, {name}"] = jwt.encode(
                newsletter, LINK_KEY, algorithm="HS256", headers={"kid": "k1"}
            )
    ahead = {"iat": NOW + 3600, "exp": NOW + 7200}
    tokens["self-update link issued an hour ahead"] = jwt.encode(
        {**link, **ahead}, LINK_KEY, algorithm="HS256", headers={"kid": "k1"}
    )
    tokens["newsletter link issued an hour ahead"] = jwt.encode(
        {**newsletter, **ahead}, LINK_KEY, algorithm="HS256", headers={"kid": "k1"}
    )
    return tokens


FORGED = _forged_tokens()


@pytest.mark.parametrize("case", list(FORGED))
def test_a_forged_token_is_refused_as_json_on_every_route(client: Client, case: str) -> None:
    headers = {
        "Authorization": f"Bearer {FORGED[case]}",
        "Content-Type": "application/json",
        "If-Match": '"1"',
    }
    wrong: list[str] = []
    for method, path in _routes():
        response = client.http.request(method, path, headers=headers, body=b"{}")
        problem = _wrong(method, path, response)
        if problem is None and PROTECTED.match(path) and response.status_code < 400:
            problem = f"{method} {path}: {response.status_code}, the forged token was let in"
        if problem is not None:
            wrong.append(problem)

    assert wrong == []


# Where the parameter is read, the answer names it ------------------------------------------

CURSOR_ROUTES = [
    "/search?department=75",
    "/admin/places?department=75",
    "/admin/submissions?department=75",
    "/exports?department=75",
]


@pytest.mark.parametrize("route", CURSOR_ROUTES)
def test_every_hostile_cursor_is_an_invalid_cursor(client: Client, route: str) -> None:
    answers = {
        name: client.http.get(f"{route}&cursor={quote(value)}", headers=ADMIN)
        for name, value in HOSTILE_CURSORS.items()
    }
    codes = {name: (r.status_code, json.loads(r.body)["code"]) for name, r in answers.items()}

    assert {name for name, code in codes.items() if code != (400, "invalid_cursor")} == set()


@pytest.mark.parametrize("code", UNICODE_DIGIT_CODES)
def test_unicode_digits_in_a_department_are_a_400(client: Client, code: str) -> None:
    for path in (
        "/search?department=" + quote(code, safe="%"),
        "/territories/" + quote(code, safe="%") + "/places",
    ):
        response = client.http.get(path)
        assert response.status_code == 400, path


# If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches -------------------

VERSIONED_WRITES = [
    ("PATCH", "/admin/places/x1", b'{"name": "x"}'),
    ("DELETE", "/admin/places/x1", b""),
    ("POST", "/admin/places/x1/verify", b"{}"),
    ("POST", "/admin/submissions/x1/approve", b"{}"),
    ("POST", "/admin/submissions/x1/reject", b'{"reason": "x"}'),
]


@pytest.mark.parametrize(("method", "path", "body"), VERSIONED_WRITES)
def test_a_weak_etag_is_a_412_on_versioned_writes(
    client: Client, method: str, path: str, body: bytes
) -> None:
    headers = {**ADMIN, "Content-Type": "application/json", "If-Match": 'W/"1"'}
    response = client.http.request(method, path, headers=headers, body=body)

    assert response.status_code == 412
    assert json.loads(response.body)["code"] == "precondition_failed"


# Public bodies are bounded far below the back office's megabyte ---------------------------

PUBLIC_LIMITS = [
    ("POST", "/submissions", 32_000),
    ("POST", "/places/x1/suggestions", 32_000),
    ("POST", "/subscriptions", 10_000),
    ("POST", "/subscriptions/confirm", 10_000),
    ("POST", "/subscriptions/unsubscribe", 10_000),
    ("POST", "/self-update/confirm", 10_000),
    ("PATCH", "/self-update", 256_000),
    ("POST", "/admin/places", 1_000_000),
]


@pytest.mark.parametrize(("method", "path", "limit"), PUBLIC_LIMITS)
def test_a_body_over_the_route_limit_is_a_413_before_parsing(
    client: Client, method: str, path: str, limit: int
) -> None:
    body = b'{"name": "' + b"x" * limit + b'"}'
    headers = {**ADMIN, "Content-Type": "application/json", "If-Match": '"1"'}
    response = client.http.request(method, path, headers=headers, body=body)

    assert response.status_code == 413
    assert json.loads(response.body)["code"] == "too_large"


# Random input where the parameters are read -----------------------------------------------

QUERY_ROUTES = [
    "/search",
    "/territories/75/places",
    "/admin/places",
    "/admin/submissions",
    "/exports",
    "/announcements",
    "/admin/stats",
    "/admin/newsletters/preview",
]
QUERY_NAMES = [
    "department",
    "postal_code",
    "city_code",
    "lat",
    "lon",
    "radius_km",
    "limit",
    "cursor",
    "category",
    "q",
    "open",
    "status",
    "week",
    "from",
    "to",
    "format",
    "limit_per_category",
]
NUMBERS_AND_CODES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789０１２３٣७.eE+-_ naifINF", max_size=30),
    st.sampled_from([*HOSTILE_NUMBERS, *UNICODE_DIGIT_CODES, *HOSTILE_CURSORS.values()]),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
BODY_ROUTES = [(m, p) for m, p in _routes() if m not in ("GET", "DELETE")]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(QUERY_NAMES), NUMBERS_AND_CODES, max_size=4))
def test_random_query_strings_never_answer_5xx(client: Client, params: dict[str, str]) -> None:
    query = "?" + urlencode(params) if params else ""
    wrong = [
        problem
        for path in QUERY_ROUTES
        if (problem := _wrong("GET", path + query, client.http.get(path + query, headers=ADMIN)))
    ]

    assert wrong == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(JSON_VALUES)
def test_random_json_bodies_never_answer_5xx(client: Client, value: object) -> None:
    body = json.dumps(value).encode()
    headers = {**ADMIN, "Content-Type": "application/json", "If-Match": '"1"'}
    wrong = [
        problem
        for method, path in BODY_ROUTES
        if (
            problem := _wrong(
                method, path, client.http.request(method, path, headers=headers, body=body)
            )
        )
    ]

    assert wrong == []
