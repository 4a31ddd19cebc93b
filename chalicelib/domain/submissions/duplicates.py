"""Duplicate detection: places and pending submissions within 200 m with a similar name.

Names are compared after ``chalicelib.domain.search.text.normalise`` (case, accents, ligatures
and punctuation removed) with rapidfuzz's ``token_set_ratio``: word order and extra words
("Restos du Cœur" / "Les Restos du coeur du 19e") matter little, typos cost a few points.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.places.models import GeoPoint, Place
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.text import normalise
from chalicelib.domain.submissions.models import DuplicateCandidate, Submission

RADIUS_M = 200.0
MIN_SCORE = 70.0


def name_score(a: str, b: str) -> float:
    """Similarity of two names, 0-100, insensitive to case, accents and word order."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    # Imported on first use: only moderation and intake compare names, and the extension
    # takes ~30 ms to load, which every cold start of the API would otherwise pay.
    from rapidfuzz import fuzz

    return round(float(fuzz.token_set_ratio(left, right)), 1)


def find_duplicates(
    name: str,
    location: GeoPoint,
    places: Iterable[Place],
    submissions: Iterable[Submission],
    *,
    exclude_submission: str | None = None,
    radius_m: float = RADIUS_M,
    min_score: float = MIN_SCORE,
) -> list[DuplicateCandidate]:
    """Candidates within ``radius_m`` scoring at least ``min_score``, best score first."""
    found: list[DuplicateCandidate] = []
    for place in places:
        distance = haversine_m(location, place.location)
        score = name_score(name, place.name)
        if distance <= radius_m and score >= min_score:
            found.append(_candidate("place", place.id, place.name, distance, score))
    for other in submissions:
        other_name = other.content.name
        if other.id == exclude_submission or other.location is None or other_name is None:
            continue
        distance = haversine_m(location, other.location)
        score = name_score(name, other_name)
        if distance <= radius_m and score >= min_score:
            found.append(_candidate("submission", other.id, other_name, distance, score))
    return sorted(found, key=lambda c: (-c.score, c.distance_m, c.kind, c.id))


def _candidate(kind: str, id: str, name: str, distance: float, score: float) -> DuplicateCandidate:
    return DuplicateCandidate.model_validate(
        {"kind": kind, "id": id, "name": name, "distance_m": round(distance, 1), "score": score}
    )
