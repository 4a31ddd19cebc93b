"""The search path's SigV4 signatures are botocore's, header for header (sigv4.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dynamodb.sigv4 import Credentials, sign

HOST = "dynamodb.eu-west-3.amazonaws.com"


def botocore_headers(body: bytes, target: str, token: str | None) -> dict[str, str]:
    """botocore's signature, at its own clock's instant (read back from X-Amz-Date)."""
    request = AWSRequest(
        method="POST",
        url=f"https://{HOST}/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target},
    )
    credentials = BotocoreCredentials("AKIDEXAMPLE", "secret/key+1", token)
    SigV4Auth(credentials, "dynamodb", "eu-west-3").add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


def instant(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC).timestamp()


def ours(body: bytes, target: str, at: float, token: str | None) -> dict[str, str]:
    return sign(
        method="POST",
        host=HOST,
        path="/",
        headers={"content-type": "application/x-amz-json-1.0", "x-amz-target": target},
        body=body,
        region="eu-west-3",
        service="dynamodb",
        credentials=Credentials("AKIDEXAMPLE", "secret/key+1", token),
        at=at,
    )


@pytest.mark.parametrize("token", [None, "session-token=="])
def test_a_query_is_signed_as_botocore_signs_it(token: str | None) -> None:
    body = b'{"TableName":"t","KeyConditionExpression":"pk = :h"}'
    expected = botocore_headers(body, "DynamoDB_20120810.Query", token)

    signed = ours(body, "DynamoDB_20120810.Query", instant(expected["x-amz-date"]), token)

    assert signed["authorization"] == expected["authorization"]
    assert signed["x-amz-date"] == expected["x-amz-date"]
    assert signed.get("x-amz-security-token") == expected.get("x-amz-security-token")


@settings(max_examples=40, deadline=None)
@given(
    body=st.text().map(lambda text: text.encode("utf-8")),
    target=st.sampled_from(["Query", "BatchGetItem", "UpdateItem"]),
)
def test_any_body(body: bytes, target: str) -> None:
    full = f"DynamoDB_20120810.{target}"
    expected = botocore_headers(body, full, None)

    signed = ours(body, full, instant(expected["x-amz-date"]), None)

    assert signed["authorization"] == expected["authorization"]


def test_the_signature_changes_with_the_instant_and_the_day() -> None:
    at = 1_764_850_000.0
    first = ours(b"{}", "DynamoDB_20120810.Query", at, None)["authorization"]

    assert ours(b"{}", "DynamoDB_20120810.Query", at + 1, None)["authorization"] != first
    assert "/20251204/" in first
    assert (
        "/20251205/" in ours(b"{}", "DynamoDB_20120810.Query", at + 86_400, None)["authorization"]
    )


def test_credentials_never_show_their_secret() -> None:
    assert "secret" not in repr(Credentials("AKID", "secret", "token-secret"))
