"""Geocoders: the api-adresse answer parser (no network in tests) and the fake."""

from __future__ import annotations

import json

from chalicelib.adapters.geocoding.api_adresse import parse_response
from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.submissions.models import SubmittedAddress


def _answer(score: float) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [2.3859, 48.8979]},
                    "properties": {"score": score, "citycode": "75119", "postcode": "75019"},
                }
            ],
        }
    ).encode()


def test_api_adresse_answer_gives_the_point_and_the_city_code() -> None:
    result = parse_response(_answer(0.93))
    assert result is not None
    assert (result.location.lat, result.location.lon) == (48.8979, 2.3859)
    assert result.city_code == "75119"


def test_api_adresse_weak_match_or_empty_or_malformed_answer_is_not_found() -> None:
    assert parse_response(_answer(0.2)) is None
    assert parse_response(b'{"features": []}') is None
    assert parse_response(b"<html>bad gateway</html>") is None
    assert (
        parse_response(
            b'{"features": [{"geometry": {"coordinates": [999, 999]}, "properties": {"score": 1}}]}'
        )
        is None
    )


def test_fake_geocoder_is_deterministic_and_refuses_unknown_addresses() -> None:
    geocoder = FakeGeocoder()
    address = SubmittedAddress(street="12 rue de Meaux", postal_code="75019", city="Paris")
    assert geocoder.geocode(address) == geocoder.geocode(address)
    lost = SubmittedAddress(street="1 rue Introuvable", postal_code="75019", city="Paris")
    assert geocoder.geocode(lost) is None
    abroad = SubmittedAddress(street="1 rue X", postal_code="48000", city="Mende")
    assert geocoder.geocode(abroad) is None
