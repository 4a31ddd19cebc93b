"""Response-body benchmark: CPU to build and serialise the body of a 20-result search page,
the way ``GET /search`` does (``search_payload`` then ``cacheable_json``'s ``json.dumps``).

The search body is modelled (chalicelib/api/responses.py ``SearchResponse``, built with
``model_construct`` from the domain's validated views); this shows it costs what the hand-built
dict did. It prints the body's size and SHA-256 (the ETag's source: the bytes must not change)
and the CPU per body, best of 5 runs of 2,000 bodies (``time.process_time``). Never a timed test.

    .venv/bin/python -m bench.response_bench
"""

from __future__ import annotations

import hashlib
import json
import time
import timeit
from datetime import UTC, datetime

from chalicelib.api.public import search_payload
from chalicelib.domain.places.views import place_summary
from chalicelib.domain.search.models import SearchPage
from tests.builders import make_full_place

AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
BODIES = 2000


def page() -> SearchPage:
    results = [
        place_summary(make_full_place(f"p-{i}"), at=AT, base_url="https://x", distance_m=100.0 * i)
        for i in range(20)
    ]
    return SearchPage(
        total=123, results=results, next_cursor="abc", facets={"food": 3, "food--meals": 2}
    )


def main() -> None:
    search_page = page()

    def body() -> str:
        return json.dumps(
            search_payload(search_page), ensure_ascii=False, separators=(",", ":"), default=str
        )

    text = body()
    per_body = min(timeit.repeat(body, number=BODIES, repeat=5, timer=time.process_time)) / BODIES
    print(
        json.dumps(
            {
                "bytes": len(text.encode()),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "cpu_us_per_body": round(per_body * 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
