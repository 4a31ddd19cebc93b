"""A deterministic geocoder for tests and the local stack (``REPERE_GEOCODER=fake``).

It knows the main city of a few departments and moves the point by a few
metres per house number, so two submissions at the same address land on the same point.
A street containing "introuvable" (or an unknown postal code) is not found.
"""

from __future__ import annotations

import re

from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.submissions.models import GeocodeResult, SubmittedAddress

CENTRES: dict[str, tuple[float, float]] = {
    "75": (48.8566, 2.3522),  # Paris
    "93": (48.9362, 2.3574),  # Saint-Denis
    "94": (48.7904, 2.4556),  # Créteil
    "92": (48.8924, 2.2069),  # Nanterre
    "13": (43.2965, 5.3698),  # Marseille
    "69": (45.7640, 4.8357),  # Lyon
    "31": (43.6047, 1.4442),  # Toulouse
    "33": (44.8378, -0.5792),  # Bordeaux
    "59": (50.6292, 3.0573),  # Lille
    "67": (48.5734, 7.7521),  # Strasbourg
}
_NUMBER = re.compile(r"^\s*(\d{1,4})")


class FakeGeocoder:
    def __init__(self) -> None:
        self.calls = 0

    def geocode(self, address: SubmittedAddress) -> GeocodeResult | None:
        self.calls += 1
        centre = CENTRES.get(address.department)
        if centre is None or "introuvable" in address.street.lower():
            return None
        match = _NUMBER.match(address.street)
        number = int(match.group(1)) if match else 0
        lat = centre[0] + number * 0.00005
        return GeocodeResult(location=GeoPoint(lat=round(lat, 6), lon=centre[1]))
