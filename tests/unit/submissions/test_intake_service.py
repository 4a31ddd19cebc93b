"""Intake rules of SubmissionService with in-memory fakes: rate limit per hashed client,
the raw address never kept, hourly windows, geocoding only when needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import TooManyRequests
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.submissions.models import NewPlaceForm
from chalicelib.domain.submissions.service import ClientHasher, IntakeLimits, SubmissionService
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository
from tests.submission_fakes import (
    InMemoryDecisionStore,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
)

NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


def build(clock: FixedClock, repository: InMemorySubmissionRepository) -> SubmissionService:
    places = InMemoryPlaceRepository()
    return SubmissionService(
        repository,
        places=places,
        candidates=InMemoryCandidateSource(places.places),
        geocoder=FakeGeocoder(),
        limiter=InMemoryRateLimiter(),
        store=places,
        decisions=InMemoryDecisionStore(places, repository),
        notifier=None,
        ids=SequentialIds(),
        taxonomy=default_taxonomy(),
        hasher=ClientHasher(b"unit-test-secret-unit-test"),
        clock=clock,
        site_url="https://repere.example.org",
        limits=IntakeLimits(per_hour=2),
    )


def form(name: str) -> NewPlaceForm:
    return NewPlaceForm.model_validate(
        {
            "content": {
                "name": name,
                "address": {"street": "3 rue Custine", "postal_code": "75018", "city": "Paris"},
                "categories": ["food_distribution"],
            }
        }
    )


def test_the_rate_limit_is_per_client_and_per_hour() -> None:
    clock = FixedClock(NOW)
    service = build(clock, InMemorySubmissionRepository())
    service.submit_place(form("A"), "203.0.113.7")
    service.submit_place(form("B"), "203.0.113.7")
    with pytest.raises(TooManyRequests):
        service.submit_place(form("C"), "203.0.113.7")
    service.submit_place(form("C"), "198.51.100.9")  # another client
    clock.set(NOW + timedelta(hours=1))
    service.submit_place(form("D"), "203.0.113.7")  # a new hour


def test_only_a_keyed_hash_of_the_client_address_is_kept() -> None:
    repository = InMemorySubmissionRepository()
    service = build(FixedClock(NOW), repository)
    receipt = service.submit_place(form("A"), "203.0.113.7")
    stored = repository.get(receipt.id)
    assert "203.0.113.7" not in stored.model_dump_json()
    assert stored.client_hash == ClientHasher(b"unit-test-secret-unit-test").client("203.0.113.7")
    assert stored.client_hash != ClientHasher(b"another-secret-another-sec").client("203.0.113.7")


def test_hasher_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        ClientHasher(b"short")
