"""API test fixtures: the Chalice test client over in-memory fakes at a fixed instant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib.domain.clock import FixedClock
from tests import composition_support as roots
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords

# Tuesday 1 December 2026, 20:45 in Paris: the Tuesday evening food trucks are serving.
TUESDAY_EVENING = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)


@dataclass
class Api:
    client: Client
    places: InMemoryPlaceRepository
    clock: FixedClock


@pytest.fixture
def api() -> Iterator[Api]:
    from app import app

    places = InMemoryPlaceRepository()
    clock = FixedClock(TUESDAY_EVENING)
    roots.use(clock=clock, places=places, search_records=InMemorySearchRecords(places.places))
    try:
        with Client(app) as client:
            yield Api(client=client, places=places, clock=clock)
    finally:
        roots.reset()
