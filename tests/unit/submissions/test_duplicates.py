"""Duplicate detection: nearby places and pending submissions with similar names."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.submissions.duplicates import find_duplicates, name_score
from chalicelib.domain.submissions.models import (
    Submission,
    SubmissionKind,
    SubmittedContent,
    Submitter,
)
from devtools.demo_data import leaflet_duplicates, leaflet_places
from tests.builders import make_place, offset_point, position

NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


def test_name_score_ignores_case_accents_ligatures_and_word_order() -> None:
    assert name_score("Restos du Cœur", "RESTOS DU COEUR") == 100
    assert name_score("Épicerie solidaire Belleville", "belleville epicerie solidaire") == 100
    assert name_score("Restos du Coeur", "Bains-douches Oberkampf") < 50


def test_the_seed_leaflets_duplicate_pair_is_found() -> None:
    places = {place.id: place for place in leaflet_places(NOW)}
    assert leaflet_duplicates() == {"pne-26": "pne-25"}
    second = places["pne-26"]
    others = [place for place in places.values() if place.id != "pne-26"]
    found = find_duplicates(second.name, second.location, others, [])
    assert [(c.kind, c.id) for c in found] == [("place", "pne-25")]
    assert found[0].score == 100
    assert found[0].distance_m == 0


def test_a_differently_written_name_still_matches_the_pair() -> None:
    places = leaflet_places(NOW)
    pair = {place.id: place for place in places}
    near = offset_point(pair["pne-25"].location, 60, 40)
    found = find_duplicates("Restos du coeur 19e - La Villette", near, places, [])
    assert {c.id for c in found} == {"pne-25", "pne-26"}
    assert all(c.score >= 70 and c.distance_m < 200 for c in found)


def test_places_beyond_200_m_or_with_other_names_are_not_candidates() -> None:
    here = make_place("here", name="Halte de nuit")
    far = make_place("far", name="Halte de nuit", **position(offset_point(here.location, 250, 0)))
    other = make_place("other", name="Douches municipales")
    found = find_duplicates("Halte de nuit", here.location, [here, far, other], [])
    assert [c.id for c in found] == ["here"]


def test_pending_submissions_nearby_are_candidates_but_not_the_submission_itself() -> None:
    point = GeoPoint(lat=48.88, lon=2.38)
    pending = Submission(
        id="sub-1",
        kind=SubmissionKind.NEW_PLACE,
        department="75",
        region="11",
        content=SubmittedContent(name="Bagagerie solidaire"),
        location=point,
        submitter=Submitter(),
        client_hash="0" * 32,
        created_at=NOW,
    )
    found = find_duplicates("La bagagerie solidaire", point, [], [pending])
    assert [(c.kind, c.id) for c in found] == [("submission", "sub-1")]
    assert find_duplicates("Bagagerie", point, [], [pending], exclude_submission="sub-1") == []
