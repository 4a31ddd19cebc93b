"""Public search, place pages, search counting and readiness (docs/search.md,
docs/opensearch.md, docs/statistics.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition.lazy import LazySearchCounter

if TYPE_CHECKING:
    from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.places.public_service import PublicPlaceService
    from chalicelib.domain.search.ports import CandidateSource, PlaceSearch
    from chalicelib.domain.search.service import SearchService
    from chalicelib.domain.stats.search_counts import SearchStatsRecorder
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def search_service(
    settings: Settings, adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> SearchService:
    from chalicelib.domain.search.service import SearchService

    return SearchService(adapters.search_records, taxonomy, clock, settings.public_site_url)


def place_search(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    taxonomy: Taxonomy,
    on_dynamodb: SearchService,
) -> PlaceSearch:
    """The search engine the API uses (REPERE_SEARCH_BACKEND): the DynamoDB-backed service, or
    OpenSearch with that service as its fallback (docs/opensearch.md)."""
    if settings.search_backend == "dynamodb":
        return on_dynamodb
    # Imported here: a DynamoDB deployment never loads the OpenSearch adapter nor opensearch-py.
    from chalicelib.adapters.opensearch.fallback import CircuitBreaker, FallbackPlaceSearch
    from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch

    primary = OpenSearchPlaceSearch(
        adapters.search_index, taxonomy, clock, settings.public_site_url
    )
    breaker = CircuitBreaker(settings.opensearch_breaker_seconds)
    return FallbackPlaceSearch(primary, on_dynamodb, breaker=breaker)


def public_place_service(
    settings: Settings, adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> PublicPlaceService:
    from chalicelib.domain.places.public_service import PublicPlaceService

    return PublicPlaceService(adapters.places, taxonomy, clock, settings.public_site_url)


def candidates(adapters: Adapters) -> CandidateSource:
    """Whole online places around a point or in a territory, read through the search records."""
    from chalicelib.domain.search.candidates import RecordCandidates

    return RecordCandidates(adapters.search_records)


def _count_failed(error_type: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name="SearchCountFailed", unit=MetricUnit.Count, value=1, namespace="Repere"
    ) as metric:
        metric.add_dimension(name="error_type", value=error_type)


def search_stats(settings: Settings, adapters: Adapters, clock: Clock) -> SearchStatsRecorder:
    """What the public search calls after answering: never raises (docs/statistics.md). The
    counter is built when first recording, so a fault in building it is met like a write
    fault."""
    from chalicelib.domain.stats.search_counts import SearchStatsRecorder

    return SearchStatsRecorder(
        LazySearchCounter(lambda: adapters.search_counter),
        clock.now,
        settings.default_timezone,
        on_failure=_count_failed,
    )


def index_writer(
    settings: Settings, adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> OpenSearchIndexWriter:
    """What the indexer worker applies stream records with."""
    from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter

    return OpenSearchIndexWriter(
        adapters.indexing_index,
        taxonomy,
        clock,
        days=settings.opensearch_hours_days,
        bulk_size=settings.opensearch_bulk_size,
    )
