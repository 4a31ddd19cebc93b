"""Query builders (pure) and cursors: every body the adapter can emit passes the OpenSearch API
spec; scoring boosts are whole numbers; cursors round-trip and reject what is not theirs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.opensearch import queries
from chalicelib.adapters.opensearch.cursor import (
    After,
    decode,
    encode,
    from_sort_key,
    to_domain_cursor,
    to_sort_key,
)
from chalicelib.adapters.opensearch.mapping import index_body
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.cursor import decode_cursor, encode_cursor
from chalicelib.domain.search.models import ModalityFilter, OpenFilter, SearchQuery, Territory
from chalicelib.domain.search.ports import TerritoryKind
from tests.opensearch_spec.validator import is_valid, validate

NOW = datetime(2026, 12, 1, 19, 45, 12, 345678, tzinfo=UTC)
CENTER = GeoPoint(lat=48.8867, lon=2.3795)


@pytest.mark.parametrize(
    ("open_filter", "categories", "text", "located", "paged"),
    list(
        itertools.product(
            list(OpenFilter),
            [(), ("food", "shower")],
            [None, "bains douches"],
            [True, False],
            [True, False],
        )
    ),
)
def test_every_search_body_passes_the_api_spec(
    open_filter: OpenFilter,
    categories: tuple[str, ...],
    text: str | None,
    located: bool,
    paged: bool,
) -> None:
    where: dict[str, object] = (
        {"center": CENTER, "radius_m": 1234.5}
        if located
        else {"territory": Territory(TerritoryKind.CITY_CODE, "75119")}
    )
    query = SearchQuery(
        **where,  # type: ignore[arg-type]
        categories=categories,
        text=text,
        open=open_filter,
        audiences=("women",),
        modalities=(ModalityFilter.FREE,),
        languages=("fr", "ar"),
    )
    after = After(51.0, 12.25, "bains", "p1") if paged else None
    terms = text.split() if text else []
    body = queries.search_body(query, terms=terms, now=NOW, after=after, category_count=40)
    validate("search", body)
    if paged:
        assert len(body["search_after"]) == len(body["sort"])


@pytest.mark.parametrize("open_filter", list(OpenFilter))
def test_listing_bodies_and_index_bodies_pass_the_api_spec(open_filter: OpenFilter) -> None:
    query = SearchQuery(territory=Territory(TerritoryKind.DEPARTMENT, "75"), open=open_filter)
    body = queries.listing_body(
        query, now=NOW, wanted_categories=["shower"], category_count=40, limit_per_category=5
    )
    validate("search", body)
    validate("indices.create", index_body())


def test_the_spec_check_is_strict_about_unknown_keys() -> None:
    assert not is_valid("search", {"query": {"term_typo": {"a": "b"}}})
    assert not is_valid("search", {"sizee": 3})
    assert not is_valid(
        "search", {"aggs": {"a": {"terms": {"field": "x"}, "aggs": {"b": {"top_hitz": {}}}}}}
    )


def test_text_clauses_score_like_the_domain_with_whole_number_boosts() -> None:
    (short,) = queries.text_clauses(["du"])
    assert [c["constant_score"]["boost"] for c in short["dis_max"]["queries"]] == [30, 20, 20, 10]
    (long,) = queries.text_clauses(["douches"])
    options = long["dis_max"]["queries"]
    assert [c["constant_score"]["boost"] for c in options] == [
        30,
        21,
        15,
        20,
        14,
        10,
        20,
        14,
        10,
        10,
        7,
        5,
    ]
    fuzzy = options[2]["constant_score"]["filter"]["fuzzy"]["words_name"]
    assert fuzzy == {
        "value": "douches",
        "fuzziness": 1,
        "transpositions": False,
        "prefix_length": 0,
        "rewrite": "constant_score",
    }


def test_the_instant_is_sent_to_the_millisecond_in_utc() -> None:
    assert queries.contains("open", NOW) == {
        "range": {
            "open": {
                "gte": "2026-12-01T19:45:12.345Z",
                "lte": "2026-12-01T19:45:12.345Z",
                "relation": "intersects",
            }
        }
    }


FINGERPRINT = "0123456789abcdef"


def test_cursors_round_trip_and_convert_between_versions() -> None:
    after = After(51.0, 1234.567891234, "bains douches", "p-1")
    assert decode(encode(after, FINGERPRINT), FINGERPRINT) == after
    domain = to_domain_cursor(encode(after, FINGERPRINT), FINGERPRINT)
    assert decode_cursor(domain, FINGERPRINT) == (-5.1, 1234568, "bains douches", "p-1")
    assert decode(domain, FINGERPRINT) == After(51.0, 1234.568, "bains douches", "p-1")
    key = (-2.8, 15, "a", "b")
    assert to_sort_key(from_sort_key(key)) == key
    assert decode(encode_cursor(key, FINGERPRINT), FINGERPRINT).score == 28.0


@pytest.mark.parametrize(
    "payload",
    [
        "not-a-cursor",
        "",
        "e30",  # {}
        "W10",  # []
        encode(After(1.0, None, "a", "b"), FINGERPRINT)[:-4],
    ],
)
def test_malformed_cursors_are_rejected_like_the_domain_does(payload: str) -> None:
    with pytest.raises(InvalidInput, match="malformed cursor") as raised:
        decode(payload, FINGERPRINT)
    assert raised.value.field == "cursor"


def test_a_cursor_of_another_search_is_rejected() -> None:
    cursor = encode(After(1.0, None, "a", "b"), FINGERPRINT)
    with pytest.raises(InvalidInput, match="another search"):
        decode(cursor, "fedcba9876543210")
