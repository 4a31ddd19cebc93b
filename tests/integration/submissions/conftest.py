"""Submission API fixtures: the Chalice test client over in-memory fakes, seeded with the
leaflet's 30 places (entries 25 and 26 are the same place printed twice)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from devtools.demo_data import leaflet_places
from tests import composition_support as roots
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords
from tests.submission_fakes import (
    FakeMailQueue,
    InMemoryDecisionStore,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
)

LOCKDOWN = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


@dataclass
class SubmissionApi:
    client: Client
    places: InMemoryPlaceRepository
    submissions: InMemorySubmissionRepository
    geocoder: FakeGeocoder
    clock: FixedClock
    mail: FakeMailQueue

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        if_match: int | None = None,
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if if_match is not None:
            all_headers["If-Match"] = f'"{if_match}"'
        raw = body if isinstance(body, (str, bytes)) else None
        if body is not None and raw is None:
            raw = json.dumps(body)
        if isinstance(raw, str):
            raw = raw.encode()
        response = self.client.http.request(method, path, headers=all_headers, body=raw or b"")
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload

    def raw(self, path: str) -> str:
        response = self.client.http.get(path)
        assert response.status_code == 200, (path, response.body)
        return response.body.decode()


@pytest.fixture
def sub_api() -> Iterator[SubmissionApi]:
    from app import app

    places = InMemoryPlaceRepository()
    places.load_fresh(leaflet_places(LOCKDOWN))
    submissions = InMemorySubmissionRepository()
    geocoder = FakeGeocoder()
    clock = FixedClock(LOCKDOWN)
    roots.use(
        clock=clock,
        places=places,
        search_records=InMemorySearchRecords(places.places),
        ids=SequentialIds("new-"),
    )
    roots.use(
        submission_repository=submissions,
        rate_limiter=InMemoryRateLimiter(),
        geocoder=geocoder,
        decision_store=InMemoryDecisionStore(places, submissions),
    )
    mail = FakeMailQueue()
    roots.use(mail_queue=mail)
    try:
        with Client(app, stage_name="local") as client:
            yield SubmissionApi(client, places, submissions, geocoder, clock, mail)
    finally:
        roots.reset()
