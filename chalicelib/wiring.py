"""Factories that build adapters and services from the settings, once per container.

Handlers ask this module for a service; tests replace the whole wiring by calling
``override(...)`` with in-memory fakes (see tests/fakes.py), never by patching imports.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.clock import Clock, SystemClock
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.places.public_service import PublicPlaceService
from chalicelib.domain.search.ports import CandidateSource
from chalicelib.domain.search.service import SearchService
from chalicelib.domain.taxonomy.taxonomy import Taxonomy, default_taxonomy

_OPENAPI_FILE = Path(__file__).resolve().parent / "data" / "openapi.json"

_overrides: dict[str, Any] = {}


def override(
    *,
    clock: Clock | None = None,
    places: PlaceRepository | None = None,
    candidates: CandidateSource | None = None,
) -> None:
    """Swap adapters (tests, local tools). ``reset()`` restores the configured ones."""
    for name, value in (("clock", clock), ("places", places), ("candidates", candidates)):
        if value is not None:
            _overrides[name] = value
    _clear_caches()


def reset() -> None:
    _overrides.clear()
    _clear_caches()


def _clear_caches() -> None:
    for factory in (_dynamo, search_service, public_place_service):
        factory.cache_clear()


def taxonomy() -> Taxonomy:
    return default_taxonomy()


def clock() -> Clock:
    chosen: Clock = _overrides.get("clock") or SystemClock()
    return chosen


@cache
def _dynamo() -> tuple[PlaceRepository, CandidateSource]:
    # Imported here so a cold start that only serves /health or /categories skips PynamoDB.
    from chalicelib.adapters.dynamodb.candidate_source import DynamoCandidateSource
    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.tables import bind_tables

    settings = get_settings()
    bind_tables(settings.table_prefix, region=settings.region)
    return DynamoPlaceRepository(), DynamoCandidateSource(max_workers=settings.geo_query_workers)


def places() -> PlaceRepository:
    repository: PlaceRepository = _overrides.get("places") or _dynamo()[0]
    return repository


def candidates() -> CandidateSource:
    source: CandidateSource = _overrides.get("candidates") or _dynamo()[1]
    return source


@cache
def search_service() -> SearchService:
    return SearchService(candidates(), taxonomy(), clock(), get_settings().public_site_url)


@cache
def public_place_service() -> PublicPlaceService:
    return PublicPlaceService(places(), taxonomy(), clock(), get_settings().public_site_url)


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_OPENAPI_FILE.read_text(encoding="utf-8"))
    return document
