"""Submissions benchmark: duplicate detection (rapidfuzz on normalised names) against the
candidates a dense Paris neighbourhood can return, and one whole intake through the service
with in-memory adapters (geocoding faked: the real api-adresse call is network-bound).

Prints one JSON document and writes it to bench/results/submissions.json.

    .venv/bin/python -m bench.submissions_bench
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.models import Place
from chalicelib.domain.submissions.duplicates import find_duplicates
from chalicelib.domain.submissions.models import NewPlaceForm
from chalicelib.domain.submissions.service import ClientHasher, IntakeLimits, SubmissionService
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import leaflet_places
from tests.builders import make_place, offset_point
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository
from tests.submission_fakes import (
    InMemoryDecisionStore,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "submissions.json"
NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)
NAMES = ("Restos du Cœur", "Épicerie solidaire", "Bains-douches", "Accueil de jour", "Halte")


def _neighbours(count: int) -> list[Place]:
    origin = leaflet_places(NOW)[24].location
    return [
        make_place(
            f"n{i}",
            name=f"{NAMES[i % len(NAMES)]} n°{i}",
            **offset_point(origin, (i % 20) * 9.0, (i // 20) * 9.0).model_dump(),
        )
        for i in range(count)
    ]


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def main() -> None:
    results: dict[str, float | int] = {}
    for count in (50, 500):
        places = _neighbours(count)
        origin = places[0].location
        results[f"find_duplicates_{count}_candidates_ms"] = _median_ms(
            functools.partial(find_duplicates, "Les Restos du Coeur", origin, places, []), 50
        )
    store = InMemoryPlaceRepository()
    store.load_fresh(leaflet_places(NOW))
    clock = FixedClock(NOW)
    submissions = InMemorySubmissionRepository()
    service = SubmissionService(
        submissions,
        places=store,
        candidates=InMemoryCandidateSource(store.places),
        geocoder=FakeGeocoder(),
        limiter=InMemoryRateLimiter(),
        store=store,
        decisions=InMemoryDecisionStore(store, submissions),
        notifier=None,
        ids=SequentialIds(),
        taxonomy=default_taxonomy(),
        hasher=ClientHasher(b"bench-secret-bench-secret"),
        clock=clock,
        site_url="https://repere.example.org",
        limits=IntakeLimits(per_hour=1_000_000),
    )
    counter = iter(range(1_000_000))

    def intake() -> None:
        number = next(counter)
        form = NewPlaceForm.model_validate(
            {
                "content": {
                    "name": f"Restos du coeur {number}",
                    "address": {
                        "street": "1 avenue de la Porte de la Villette",
                        "postal_code": "75019",
                        "city": "Paris",
                    },
                    "categories": ["food_distribution"],
                },
                "submitter": {"email": "a@example.org", "consent": True},
            }
        )
        service.submit_place(form, f"198.51.100.{number % 250}")

    results["intake_in_memory_ms"] = _median_ms(intake, 200)
    document = json.dumps(results, indent=2)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(document + "\n", encoding="utf-8")
    print(document)


if __name__ == "__main__":
    main()
