"""Search bodies, built as pure functions (values in, dict out): no client, no clock read.

Every rule is the DynamoDB backend's (``chalicelib.domain.search.service``), restated in the
query DSL over the precomputed fields of ``documents.py``:

* scope: ``status: online`` and either ``geo_distance`` (arc) or a territory ``term``;
* people: one ``term`` per audience / modality / non-French language asked for;
* text: per query word, a ``dis_max`` of ``constant_score`` clauses, one per field and match
  kind (``term`` exact, ``prefix``, ``fuzzy`` one edit without transpositions), boosted by
  weight x strength x 10: the best clause scores the word, as ``rules.text_score`` does, and the
  ``dis_max`` of every word is a ``must``, so every word has to match somewhere. Boosts are whole
  numbers so OpenSearch's 32-bit float sum is exact and ties stay ties. BM25 is not used: it
  would rank differently from the DynamoDB backend (and from page to page as the index grows);
* open filter: "the instant is in this date_range field" (``open``, ``open_today``, not in
  ``closed``), on the place, or with a category filter on any matching service (``nested``);
* facets ignore the category filter: the open/category filter is a ``post_filter`` (it narrows
  the hits, not the aggregations), and the facet counts run under the place's own open filter;
* ``hours_behind``: how many in-scope documents have an hours window that does not cover the
  instant; when not zero their ``open``/``open_today`` cannot be trusted and the caller answers
  from DynamoDB instead;
* sort: ``_score`` (when there is text), ``_geo_distance`` (with a centre), ``name_sort``, ``id``;
  pages with ``search_after``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.opensearch.cursor import SCORE_SCALE, After
from chalicelib.adapters.opensearch.documents import ONLINE, iso
from chalicelib.adapters.opensearch.mapping import MAX_LISTING_PER_CATEGORY
from chalicelib.domain.search.models import OpenFilter, SearchQuery
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.search.rules import (
    FUZZY_MIN_LENGTH,
    MATCH_EXACT,
    MATCH_FUZZY,
    MATCH_PREFIX,
    PREFIX_MIN_LENGTH,
    TEXT_FIELD_WEIGHTS,
)

Query = dict[str, Any]

FACETS = "facets"
HOURS_BEHIND = "hours_behind"
MATCHING = "matching"
GROUPS = "groups"
TOP = "top"

_TERRITORY_FIELDS = {
    TerritoryKind.DEPARTMENT: "department",
    TerritoryKind.POSTAL_CODE: "postal_code",
    TerritoryKind.CITY_CODE: "city_code",
}
_WORD_FIELDS = {
    "name": "words_name",
    "organisation": "words_organisation",
    "category": "words_category",
    "description": "words_description",
}
_SOURCE = ["place"]


def boost(weight: float, strength: float) -> float:
    """A clause's boost: a whole number (see the module docstring)."""
    return float(round(weight * strength * SCORE_SCALE))


def scope_filters(query: SearchQuery) -> list[Query]:
    filters: list[Query] = [{"term": {"status": ONLINE}}]
    if query.center is not None:
        filters.append(
            {
                "geo_distance": {
                    "distance": f"{query.radius_m!r}m",
                    "distance_type": "arc",
                    "location": {"lat": query.center.lat, "lon": query.center.lon},
                }
            }
        )
    else:
        assert query.territory is not None  # guaranteed by SearchQuery  # noqa: S101
        field = _TERRITORY_FIELDS[query.territory.kind]
        filters.append({"term": {field: query.territory.code}})
    return filters


def people_filters(query: SearchQuery) -> list[Query]:
    filters: list[Query] = [{"term": {"audiences": value}} for value in query.audiences]
    filters += [{"term": {"modalities": modality.value}} for modality in query.modalities]
    # French is spoken everywhere in the directory; other languages only where listed.
    filters += [{"term": {"languages": code}} for code in query.languages if code != "fr"]
    return filters


def text_clauses(terms: list[str]) -> list[Query]:
    """One ``dis_max`` per query word; each must match (see the module docstring)."""
    clauses: list[Query] = []
    for term in terms:
        options: list[Query] = []
        for field, weight in TEXT_FIELD_WEIGHTS.items():
            words = _WORD_FIELDS[field]
            options.append(_constant({"term": {words: term}}, boost(weight, MATCH_EXACT)))
            if len(term) >= PREFIX_MIN_LENGTH:
                prefix = {"prefix": {words: {"value": term, "rewrite": "constant_score"}}}
                options.append(_constant(prefix, boost(weight, MATCH_PREFIX)))
            if len(term) >= FUZZY_MIN_LENGTH:
                fuzzy = {
                    "fuzzy": {
                        words: {
                            "value": term,
                            "fuzziness": 1,
                            "transpositions": False,  # one insertion, deletion or substitution
                            "prefix_length": 0,
                            "rewrite": "constant_score",  # every variant, no max_expansions
                        }
                    }
                }
                options.append(_constant(fuzzy, boost(weight, MATCH_FUZZY)))
        clauses.append({"dis_max": {"queries": options, "tie_breaker": 0.0}})
    return clauses


def _constant(filter_: Query, value: float) -> Query:
    return {"constant_score": {"filter": filter_, "boost": value}}


def contains(field: str, instant: datetime) -> Query:
    """Documents whose ``date_range`` field holds ``instant``."""
    at = iso(instant)
    return {"range": {field: {"gte": at, "lte": at, "relation": "intersects"}}}


def open_filters(wanted: OpenFilter, now: datetime, prefix: str = "") -> list[Query]:
    """The open filter on a place (``prefix`` "") or on a nested service ("services.")."""
    if wanted is OpenFilter.ANY:
        return []
    if wanted is OpenFilter.NOT_CLOSED:
        return [{"bool": {"must_not": [contains(f"{prefix}closed", now)]}}]
    if wanted is OpenFilter.NOW:
        return [contains(f"{prefix}open", now)]
    return [contains(f"{prefix}open_today", now)]


def category_filter(categories: tuple[str, ...], wanted: OpenFilter, now: datetime) -> Query:
    """Some service of the place is in one of ``categories`` (or below) and passes the open
    filter itself: a day centre whose shower is closed is not where to shower today."""
    return {
        "nested": {
            "path": "services",
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"services.category_paths": sorted(categories)}},
                        *open_filters(wanted, now, "services."),
                    ]
                }
            },
        }
    }


def hit_filter(categories: tuple[str, ...], wanted: OpenFilter, now: datetime) -> Query:
    """What a result must pass beyond scope, text and people: the category and open filters."""
    if categories:
        return category_filter(categories, wanted, now)
    return _all(open_filters(wanted, now))


def _all(filters: list[Query]) -> Query:
    if not filters:
        return {"match_all": {}}
    if len(filters) == 1:
        return filters[0]
    return {"bool": {"filter": filters}}


def hours_behind_aggregation(wanted: OpenFilter, now: datetime) -> dict[str, Query]:
    if wanted not in (OpenFilter.NOW, OpenFilter.TODAY):
        return {}
    return {HOURS_BEHIND: {"filter": {"bool": {"must_not": [contains("hours_window", now)]}}}}


def sort_clauses(query: SearchQuery, *, scored: bool) -> list[Query]:
    sort: list[Query] = []
    if scored:
        sort.append({"_score": {"order": "desc"}})
    if query.center is not None:
        sort.append(
            {
                "_geo_distance": {
                    "location": {"lat": query.center.lat, "lon": query.center.lon},
                    "order": "asc",
                    "unit": "m",
                    "distance_type": "arc",
                }
            }
        )
    sort += [{"name_sort": {"order": "asc"}}, {"id": {"order": "asc"}}]
    return sort


def search_after_values(after: After, query: SearchQuery, *, scored: bool) -> list[Any]:
    values: list[Any] = [after.score] if scored else []
    if query.center is not None:
        values.append(0.0 if after.distance_m is None else after.distance_m)
    return [*values, after.name, after.place_id]


def search_body(
    query: SearchQuery,
    *,
    terms: list[str],
    now: datetime,
    after: After | None,
    category_count: int,
) -> Query:
    """The one request of a search page: hits, total, facets and the hours check together."""
    scored = bool(terms)
    main: Query = {"bool": {"filter": [*scope_filters(query), *people_filters(query)]}}
    if scored:
        main["bool"]["must"] = text_clauses(terms)
    body: Query = {
        "query": main,
        "post_filter": hit_filter(query.categories, query.open, now),
        "aggs": {
            FACETS: {
                "filter": _all(open_filters(query.open, now)),
                "aggs": {
                    FACETS: {
                        "terms": {
                            "field": "category_paths",
                            "size": category_count,
                            "order": [{"_count": "desc"}, {"_key": "asc"}],
                        }
                    }
                },
            },
            **hours_behind_aggregation(query.open, now),
        },
        "sort": sort_clauses(query, scored=scored),
        "size": query.limit + 1,  # one more than the page says whether there is a next one
        "track_total_hits": True,
        "_source": _SOURCE,
    }
    if after is not None:
        body["search_after"] = search_after_values(after, query, scored=scored)
    return body


def listing_body(
    query: SearchQuery,
    *,
    now: datetime,
    wanted_categories: list[str] | None,
    category_count: int,
    limit_per_category: int,
) -> Query:
    """A department listing in one request: the matching places counted, grouped by category
    (``terms`` on the place's categories), each group's first places by name (``top_hits``)."""
    if limit_per_category > MAX_LISTING_PER_CATEGORY:
        raise ValueError(f"limit_per_category must be at most {MAX_LISTING_PER_CATEGORY}")
    groups: Query = {
        "field": "categories",
        "size": len(wanted_categories) if wanted_categories is not None else category_count,
    }
    if wanted_categories is not None:
        groups["include"] = wanted_categories
    return {
        "query": {"bool": {"filter": scope_filters(query)}},
        "aggs": {
            MATCHING: {
                "filter": hit_filter(query.categories, query.open, now),
                "aggs": {
                    GROUPS: {
                        "terms": groups,
                        "aggs": {
                            TOP: {
                                "top_hits": {
                                    "size": limit_per_category,
                                    "sort": [
                                        {"name_sort": {"order": "asc"}},
                                        {"id": {"order": "asc"}},
                                    ],
                                    "_source": _SOURCE,
                                }
                            }
                        },
                    }
                },
            },
            **hours_behind_aggregation(query.open, now),
        },
        "size": 0,
        "track_total_hits": True,
    }
