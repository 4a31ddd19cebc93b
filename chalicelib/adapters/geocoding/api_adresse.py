"""The French national address API (https://api-adresse.data.gouv.fr, "BAN"): free, no key.

``GET /search/?q=<address>&postcode=<code>&limit=1`` answers GeoJSON features whose
``properties.score`` (0-1) says how well the address matched. A weak match, no match, a
timeout or any HTTP error is "not found": the submitter is then asked for the location.
urllib rather than requests: nothing more to package in the API Lambda.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.submissions.models import GeocodeResult, SubmittedAddress
from chalicelib.observability import logger

DEFAULT_URL = "https://api-adresse.data.gouv.fr/search/"
MIN_SCORE = 0.5
MAX_RESPONSE_BYTES = 200_000


class ApiAdresseGeocoder:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout_seconds: float = 3.0,
        min_score: float = MIN_SCORE,
    ) -> None:
        self._base_url = base_url
        self._timeout = timeout_seconds
        self._min_score = min_score

    def geocode(self, address: SubmittedAddress) -> GeocodeResult | None:
        query = urllib.parse.urlencode(
            {"q": f"{address.street} {address.city}", "postcode": address.postal_code, "limit": 1}
        )
        request = urllib.request.Request(  # noqa: S310 - a fixed https URL from the settings
            f"{self._base_url}?{query}", headers={"Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE_BYTES)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            # The address itself is never logged (it may be a submitter's home).
            logger.warning("geocoder_unavailable", extra={"error": type(error).__name__})
            return None
        return parse_response(body, self._min_score)


def parse_response(body: bytes, min_score: float = MIN_SCORE) -> GeocodeResult | None:
    """The best feature of an api-adresse answer, if it scores at least ``min_score``."""
    try:
        data: Any = json.loads(body)
        feature = data["features"][0]
        lon, lat = feature["geometry"]["coordinates"][:2]
        properties = feature.get("properties") or {}
        score = float(properties.get("score", 0))
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if score < min_score:
        return None
    city_code = properties.get("citycode")
    try:
        return GeocodeResult(
            location=GeoPoint(lat=float(lat), lon=float(lon)),
            city_code=city_code if isinstance(city_code, str) else None,
        )
    except ValueError:
        return None
