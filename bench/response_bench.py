"""Response-body benchmark: CPU to build and serialise the body of a 20-result search page,
the way ``GET /search`` does (``search_payload`` then ``cacheable_json``'s ``json.dumps``).

The search body is modelled (chalicelib/api/responses.py ``SearchResponse``, built with
``model_construct`` from the domain's validated views); this shows it costs what the hand-built
dict did. It prints the body's size and SHA-256 (the ETag's source: the bytes must not change)
and the CPU per body, best of 5 runs of 2,000 bodies (``time.process_time``). Never a timed test.

The ``lang=uk`` line is the same page in Ukrainian (docs/translations.md): its texts' current
translations read in one batch (an in-memory store here: the CPU of localizing, not the
store's latency; on DynamoDB it is one BatchGetItem of at most a few keys per place).

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
from chalicelib.domain.translations.fields import source_hash, texts_of
from chalicelib.domain.translations.models import StoredTranslation
from chalicelib.domain.translations.service import Localizer
from tests.builders import make_full_place
from tests.translation_fakes import InMemoryTranslationStore

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
    store = translated(search_page)
    localizer = Localizer(store)
    ids = [result.id for result in search_page.results]

    def localized_body() -> str:
        results = localizer.many(search_page.results, ids, "uk")
        shown = SearchPage(
            total=search_page.total,
            results=results,
            next_cursor=search_page.next_cursor,
            facets=search_page.facets,
        )
        return json.dumps(search_payload(shown), ensure_ascii=False, separators=(",", ":"))

    store.batch_reads = 0
    localized = localized_body()
    reads = store.batch_reads
    per_localized = (
        min(timeit.repeat(localized_body, number=BODIES, repeat=5, timer=time.process_time))
        / BODIES
    )
    print(
        json.dumps(
            {
                "lang": "uk",
                "bytes": len(localized.encode()),
                "store_reads": reads,
                "texts": sum(len(texts_of(r)) for r in search_page.results),
                "cpu_us_per_body": round(per_localized * 1e6, 1),
            }
        )
    )


def translated(search_page: SearchPage) -> InMemoryTranslationStore:
    """Every text of the page translated into Ukrainian (machine, current)."""
    store = InMemoryTranslationStore()
    for result in search_page.results:
        for field, french in texts_of(result).items():
            store.put(
                StoredTranslation(
                    place_id=result.id,
                    lang="uk",
                    field=field,
                    text=f"[uk] {french}",
                    source_hash=source_hash(french),
                    origin="machine",
                    updated_at=AT,
                ),
                expected_version=None,
            )
    return store


if __name__ == "__main__":
    main()
