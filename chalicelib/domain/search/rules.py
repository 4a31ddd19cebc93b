"""The rules of search, once: who a place welcomes, which modality filters it passes, how a
word of a query matches a field. The DynamoDB search (over compact records), the OpenSearch
documents and queries, and the tests' reference all read them from here."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from chalicelib.domain.places.models import (
    AdministrativeSituation,
    Audience,
    AudienceKind,
    FamilySituation,
    Gender,
    Place,
    Price,
)
from chalicelib.domain.search.models import ModalityFilter
from chalicelib.domain.search.text import words
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

# Relevance weights: a word in the name says more than one in the description. Public because
# the OpenSearch backend reproduces this scoring exactly (chalicelib/adapters/opensearch/).
TEXT_FIELD_WEIGHTS = {"name": 3.0, "organisation": 2.0, "category": 2.0, "description": 1.0}
MATCH_EXACT, MATCH_PREFIX, MATCH_FUZZY = 1.0, 0.7, 0.5
PREFIX_MIN_LENGTH = 3  # a query word this long matches the words it begins
FUZZY_MIN_LENGTH = 5  # a query word this long matches words one typo away


def sort_name(place: Place) -> str:
    """The name as the result order compares it (normalised words)."""
    return " ".join(words(place.name))


def welcomes(audience: Audience, value: str) -> bool:
    """Whether a place welcomes a person described by one audience filter value."""
    if audience.kind is not AudienceKind.EXCLUSIVE:
        return True  # unconditional, or preferential: everyone is welcome
    dimensions: tuple[tuple[type[StrEnum], list[Any]], ...] = (
        (Gender, audience.genders),
        (FamilySituation, audience.family),
        (AdministrativeSituation, audience.administrative),
    )
    for kind, listed in dimensions:
        if value in kind._value2member_map_:
            # An exclusive place that lists nobody in this dimension does not restrict it.
            return not listed or value in {item.value for item in listed}
    return True


def satisfied_modalities(place: Place) -> frozenset[ModalityFilter]:
    """The modality filters a place passes."""
    modalities = place.modalities
    checks = {
        ModalityFilter.NO_APPOINTMENT: not modalities.appointment,
        ModalityFilter.NO_REGISTRATION: not modalities.registration,
        ModalityFilter.NO_REFERRAL: not modalities.referral_required,
        ModalityFilter.FREE: modalities.price is Price.FREE,
        ModalityFilter.WHEELCHAIR_ACCESS: modalities.wheelchair_access,
        ModalityFilter.ANIMALS_ACCEPTED: modalities.animals_accepted,
    }
    return frozenset(modality for modality, passes in checks.items() if passes)


def category_words(categories: list[str], taxonomy: Taxonomy) -> list[str]:
    """The words of the labels (both languages) of the categories and their ancestors."""
    return [
        word
        for category in categories
        for label in taxonomy.labels(category)
        for word in words(label)
    ]


def text_fields(place: Place, taxonomy: Taxonomy) -> dict[str, list[str]]:
    """The normalised words of each searchable field of a place (keys of TEXT_FIELD_WEIGHTS)."""
    return {
        "name": words(place.name),
        "organisation": words(place.organisation or ""),
        "category": category_words(place.categories, taxonomy),
        "description": words(
            " ".join(
                [place.description or ""]
                + [f"{s.name or ''} {s.description or ''}" for s in place.services]
            )
        ),
    }


def text_score(fields: dict[str, list[str]], terms: list[str]) -> float | None:
    """Relevance of a place's fields for the query words, or None when a word is found
    nowhere: per word, its best match over the fields times the field's weight, summed."""
    total = 0.0
    for term in terms:
        best = 0.0
        for field, field_words in fields.items():
            strength = term_strength(term, field_words)
            best = max(best, strength * TEXT_FIELD_WEIGHTS[field])
        if best == 0.0:
            return None
        total += best
    return total


def term_strength(term: str, field_words: list[str]) -> float:
    best = 0.0
    for word in field_words:
        if word == term:
            return MATCH_EXACT
        if len(term) >= PREFIX_MIN_LENGTH and word.startswith(term):
            best = max(best, MATCH_PREFIX)
        elif len(term) >= FUZZY_MIN_LENGTH and best < MATCH_FUZZY and within_one_edit(term, word):
            best = MATCH_FUZZY
    return best


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion or substitution (typos)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1
