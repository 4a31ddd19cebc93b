"""The response check every API test goes through (tests/openapi_check.py) can fail."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from chalicelib.domain.places.models import Contacts
from tests import openapi_check
from tests.openapi_check import ResponseMismatch

JSON = {"Content-Type": "application/json"}


def test_a_documented_answer_passes() -> None:
    error = {"code": "not_found", "message": "no place", "field": None}
    openapi_check.check("GET", "/places/p1", 404, JSON, json.dumps(error).encode())


def test_an_undocumented_status_fails() -> None:
    with pytest.raises(ResponseMismatch, match="status not documented"):
        openapi_check.check("GET", "/places/p1", 418, JSON, b"{}")


def test_a_body_that_is_not_the_documented_one_fails() -> None:
    with pytest.raises(ResponseMismatch, match="does not match the document"):
        openapi_check.check("GET", "/places/p1", 404, JSON, json.dumps({"oops": 1}).encode())


def test_a_query_string_does_not_hide_the_operation() -> None:
    assert openapi_check.operation_for("GET", "/search?department=75") is not None
    assert openapi_check.operation_for("GET", "/no/such/route") is None


def test_an_address_with_control_characters_is_refused() -> None:
    """Found by the check: pydantic (Rust regex) took U+001C as a non-space, Python's re (the
    document's readers) as a space, so a stored address broke the served document."""
    with pytest.raises(ValidationError):
        Contacts(email="a\x1cb@example.org")
    assert Contacts(email="accueil@example.org").email == "accueil@example.org"
