"""Index settings and mapping of the places index (the body of ``PUT /<index>``).

``dynamic: strict``: a document field that is not mapped here is an indexing error, not a
silently guessed type. Field meanings are in ``documents.py``.
"""

from __future__ import annotations

from typing import Any

MAX_LISTING_PER_CATEGORY = 1000
"""``index.max_inner_result_window``: a department listing returns up to this many places per
category through a ``top_hits`` aggregation (OpenSearch's default is 100)."""

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_DATE_RANGE: dict[str, Any] = {"type": "date_range", "format": "strict_date_optional_time"}
_FRENCH_TEXT: dict[str, Any] = {"type": "text", "analyzer": "french_folded"}

ANALYSIS: dict[str, Any] = {
    "filter": {
        "french_elision": {
            "type": "elision",
            "articles_case": True,
            "articles": [
                "l", "m", "t", "qu", "n", "s", "j", "d", "c",
                "jusqu", "quoiqu", "lorsqu", "puisqu",
            ],
        },
        "french_stop": {"type": "stop", "stopwords": "_french_"},
        "french_stemmer": {"type": "stemmer", "language": "light_french"},
    },
    "analyzer": {
        # Accent- and case-folded French: "Épicerie" and "epiceries" share a token.
        "french_folded": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "french_elision",
                "lowercase",
                "asciifolding",
                "french_stop",
                "french_stemmer",
            ],
        }
    },
}  # fmt: skip


def _times() -> dict[str, Any]:
    return {"closed": _DATE_RANGE, "open": _DATE_RANGE, "open_today": _DATE_RANGE}


MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "version": {"type": "long"},
        "status": _KEYWORD,
        "location": {"type": "geo_point"},
        "department": _KEYWORD,
        "postal_code": _KEYWORD,
        "city_code": _KEYWORD,
        "timezone": _KEYWORD,
        "categories": _KEYWORD,
        "category_paths": _KEYWORD,
        "audiences": _KEYWORD,
        "modalities": _KEYWORD,
        "languages": _KEYWORD,
        "name": _FRENCH_TEXT,
        "organisation": _FRENCH_TEXT,
        "description": _FRENCH_TEXT,
        "category_labels": _FRENCH_TEXT,
        "words_name": _KEYWORD,
        "words_organisation": _KEYWORD,
        "words_category": _KEYWORD,
        "words_description": _KEYWORD,
        "name_sort": _KEYWORD,
        **_times(),
        "hours_window": _DATE_RANGE,
        "services": {
            "type": "nested",
            "dynamic": "strict",
            "properties": {"id": _KEYWORD, "category_paths": _KEYWORD, **_times()},
        },
        # The public place, returned with each hit; stored, not indexed.
        "place": {"type": "object", "enabled": False},
    },
}


def index_body(*, replicas: int = 1) -> dict[str, Any]:
    """Settings and mappings of a new places index.

    One shard: a national directory (10^5-10^6 small documents) fits one comfortably, and a
    single shard keeps aggregations exact without tuning ``shard_size``.
    """
    return {
        "settings": {
            "index": {
                "number_of_shards": 1,
                "number_of_replicas": replicas,
                "max_inner_result_window": MAX_LISTING_PER_CATEGORY,
            },
            "analysis": ANALYSIS,
        },
        "mappings": MAPPINGS,
    }
