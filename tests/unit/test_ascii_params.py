"""Codes and numbers from outside are ASCII and finite: a full-width or Arabic-Indic digit, a
final newline, NaN or infinity is a 400 at the edge, not an empty result or a 500."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.api.params import SearchParams
from chalicelib.domain.auth import DEPARTMENT_CODE
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import minutes_of
from chalicelib.domain.places.models import Address

UNICODE_DIGITS = ["7５", "７５", "٧٥", "७५", "𝟕𝟓", "75\n", "2Ａ"]


@pytest.mark.parametrize("code", UNICODE_DIGITS)
def test_a_department_code_is_ascii_only(code: str) -> None:
    with pytest.raises(ValidationError):
        SearchParams.model_validate({"department": code})
    assert DEPARTMENT_CODE.fullmatch(code) is None


@pytest.mark.parametrize(
    "params",
    [
        {"postal_code": "7500１"},
        {"city_code": "７５０５６"},
        {"lat": "nan", "lon": "2.35"},
        {"lat": "48.85", "lon": "inf"},
        {"lat": "48.85", "lon": "2.35", "radius_km": "inf"},
        {"lat": "48.85", "lon": "2.35", "radius_km": "1e999"},
        {"lat": "48.85", "lon": "2.35", "radius_km": "nan"},
        {"department": "75", "limit": "1e999"},
        {"department": "75", "limit": "７"},
    ],
)
def test_non_ascii_digits_nan_and_infinity_are_refused(params: dict[str, str]) -> None:
    with pytest.raises((ValidationError, InvalidInput)):
        SearchParams.model_validate(params)


def test_a_huge_limit_is_refused_by_the_limit_check() -> None:
    from chalicelib.config import Settings

    params = SearchParams.model_validate({"department": "75", "limit": "9" * 30})
    with pytest.raises(InvalidInput):
        params.to_query(Settings())


def test_ascii_codes_still_pass() -> None:
    assert SearchParams.model_validate({"department": "2A"}).department == "2A"
    assert SearchParams.model_validate({"postal_code": "75001"}).postal_code == "75001"


@pytest.mark.parametrize("postal_code", ["7500１", "75001\n"])
def test_stored_addresses_take_ascii_postal_codes_only(postal_code: str) -> None:
    with pytest.raises(ValidationError):
        Address.model_validate(
            {
                "street": "1 rue X",
                "postal_code": postal_code,
                "city": "Paris",
                "department_code": "75",
            }
        )


def test_hours_take_ascii_digits_only() -> None:
    with pytest.raises(ValueError):
        minutes_of("０９:００")
