"""Public read API: what the website, street kiosks and partners call. Thin handlers only."""

from __future__ import annotations

import dataclasses
import re

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    answer_language,
    cacheable_json,
    in_language,
    parse_query,
    reject_query,
    route,
)
from chalicelib.api.params import (
    DEPARTMENT_PATTERN,
    DepartmentListingParams,
    LangParams,
    SearchParams,
)
from chalicelib.api.partners import presented_key
from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.api.responses import (
    Categories,
    DepartmentListing,
    Health,
    ListingCategory,
    ListingGroup,
    OpenApiDocument,
    Ready,
    SearchFacets,
    SearchResponse,
    to_json,
)
from chalicelib.composition import services
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.partners.models import Scope
from chalicelib.domain.places.views import PlaceDetail
from chalicelib.domain.search.models import SearchPage, SearchQuery
from chalicelib.domain.translations.languages import SOURCE, Language

public = Blueprint(__name__)

_PROBE_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
}


@route(public, "/health", methods=["GET"], responses={200: Health})
def health() -> Response:
    reject_query(public.current_request)
    return Response(
        body=to_json(Health(status="ok")), status_code=200, headers=dict(_PROBE_HEADERS)
    )


@route(public, "/health/ready", methods=["GET"], responses={200: Ready})
def health_ready() -> Response:
    """Readiness: the store answered one read within the API's budget; else 503 unavailable
    with Retry-After (the route's error map), never a 200 over a frozen store."""
    reject_query(public.current_request)
    services().readiness.check()
    return Response(
        body=to_json(Ready(status="ready")), status_code=200, headers=dict(_PROBE_HEADERS)
    )


@route(
    public,
    "/categories",
    methods=["GET"],
    cors=True,
    query=LangParams,
    responses={200: Categories},
)
def categories() -> Response:
    request = public.current_request
    lang = answer_language(request, parse_query(request, LangParams).lang)
    tree = services().taxonomy.as_tree(None if lang == SOURCE else lang)
    # Validated (not constructed): the tree is plain dicts, and clients cache it for long.
    payload = to_json(Categories.model_validate({"categories": tree}))
    response = cacheable_json(request, payload, max_age=get_settings().taxonomy_cache_seconds)
    return in_language(response, lang)


@route(
    public,
    "/search",
    methods=["GET"],
    cors=True,
    query=SearchParams,
    responses={200: SearchResponse},
)
def search() -> Response:
    request = public.current_request
    settings = get_settings()
    params = parse_query(request, SearchParams)
    query = params.to_query(settings)
    lang = answer_language(request, params.lang)
    key = presented_key(request)
    if key is not None:  # a partner's key: its own quota (docs/partners.md)
        services().partner_keys.authenticate(key, Scope.SEARCH, required=False)
    page = services().place_search.search(query)
    shown = page if lang == SOURCE else _localized_page(page, lang)
    response = cacheable_json(request, search_payload(shown), max_age=settings.public_cache_seconds)
    if query.cursor is None:  # a next page is the same search: counted once
        _count_search(query, page)
    return in_language(response, lang)


def _localized_page(page: SearchPage, lang: Language) -> SearchPage:
    """The page's texts in ``lang``: its translations read in one batch."""
    results = services().localizer.many(page.results, [r.id for r in page.results], lang)
    return dataclasses.replace(page, results=results)


def _count_search(query: SearchQuery, page: SearchPage) -> None:
    """One counter write, after the answer is built; never raises (docs/statistics.md)."""
    from chalicelib.domain.stats.search_counts import search_department

    territory = query.territory
    services().search_stats.record(
        department=search_department(
            None if territory is None else territory.kind.value,
            None if territory is None else territory.code,
            page.results[0].address.department_code if page.results else None,
        ),
        categories=query.categories,
        open_filter=query.open.value,
        has_text=query.text is not None,
        zero_results=page.total == 0,
    )


def search_payload(page: SearchPage) -> dict[str, object]:
    # model_construct: the page's parts are validated domain values already (hot path).
    return to_json(
        SearchResponse.model_construct(
            total=page.total,
            results=page.results,
            next_cursor=page.next_cursor,
            facets=SearchFacets.model_construct(categories=page.facets),
        )
    )


@route(
    public,
    "/places/{place_id}",
    methods=["GET"],
    cors=True,
    query=LangParams,
    responses={200: PlaceDetail},
)
def place(place_id: str) -> Response:
    request = public.current_request
    lang = answer_language(request, parse_query(request, LangParams).lang)
    detail = services().public_place_service.get(checked_id(place_id, IdKind.PLACE))
    if lang != SOURCE:
        detail = _with_category_labels(services().localizer.one(detail, detail.id, lang), lang)
    response = cacheable_json(
        request, detail.model_dump(mode="json"), max_age=get_settings().public_cache_seconds
    )
    return in_language(response, lang)


def _with_category_labels(detail: PlaceDetail, lang: Language) -> PlaceDetail:
    """Each service's category named in ``lang`` too (every category has every label)."""
    taxonomy = services().taxonomy
    return detail.model_copy(
        update={
            "services": [
                service.model_copy(
                    update={
                        "category": service.category.model_copy(
                            update={"label": taxonomy.get(service.category.id).label(lang)}
                        )
                    }
                )
                for service in detail.services
            ]
        }
    )


@route(
    public,
    "/territories/{department}/places",
    methods=["GET"],
    cors=True,
    query=DepartmentListingParams,
    responses={200: DepartmentListing},
)
def department_places(department: str) -> Response:
    request = public.current_request
    if not re.fullmatch(DEPARTMENT_PATTERN, department):
        raise InvalidInput(f"{department!r} is not a French department code", field="department")
    params = parse_query(request, DepartmentListingParams)
    lang = answer_language(request, params.lang)
    listing = services().place_search.department_listing(
        department,
        tuple(dict.fromkeys(params.category)),
        params.open,
        params.limit_per_category,
    )
    services().search_stats.record(
        department=department,
        categories=params.category,
        open_filter=params.open.value,
        has_text=False,
        zero_results=listing.total_places == 0,
        listing=True,
    )
    taxonomy = services().taxonomy
    groups = [(group, group.places) for group in listing.groups]
    if lang != SOURCE:
        # One batch read for the whole listing (a place listed in two groups is read once).
        every = {place.id: place for group in listing.groups for place in group.places}
        localized = services().localizer.many(list(every.values()), list(every), lang)
        by_id = {place.id: place for place in localized}
        groups = [(group, [by_id[place.id] for place in group.places]) for group in listing.groups]
    payload = DepartmentListing.model_construct(
        department=listing.department,
        total_places=listing.total_places,
        groups=[
            ListingGroup.model_construct(
                category=ListingCategory.model_construct(
                    id=group.category,
                    fr=taxonomy.get(group.category).fr,
                    en=taxonomy.get(group.category).en,
                    label=None if lang == SOURCE else taxonomy.get(group.category).label(lang),
                ),
                total=group.total,
                places=places,
            )
            for group, places in groups
        ],
    )
    response = cacheable_json(
        request, to_json(payload), max_age=get_settings().public_cache_seconds
    )
    return in_language(response, lang)


@route(public, "/openapi.json", methods=["GET"], cors=True, responses={200: OpenApiDocument})
def openapi() -> Response:
    request = public.current_request
    reject_query(request)
    return cacheable_json(request, services().openapi_document, max_age=3600)
