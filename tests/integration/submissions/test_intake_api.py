"""Public intake: POST /submissions, POST /places/{id}/suggestions, GET /submissions/{id}."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.integration.submissions.conftest import SubmissionApi

FORM: dict[str, Any] = {
    "content": {
        "name": "Bagagerie de la Chapelle",
        "address": {"street": "40 rue Philippe de Girard", "postal_code": "75018", "city": "Paris"},
        "categories": ["food_distribution"],
        "description": "Consigne et café le matin.",
        "contacts": {"phones": [{"number": "01 40 00 00 00"}]},
    },
    "submitter": {
        "name": "Camille Martin",
        "email": "camille@example.org",
        "phone": "06 00 00 00 00",
        "consent": True,
    },
}


def form(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(FORM)
    for key, value in changes.items():
        if key in data["content"] or key in ("location",):
            data["content"][key] = value
        else:
            data[key] = value
    return data


def test_a_submission_is_accepted_with_an_id_and_a_status_url(sub_api: SubmissionApi) -> None:
    status, body = sub_api.call("POST", "/submissions", body=form())
    assert status == 202
    assert body["status"] == "pending"
    assert body["status_url"] == f"/submissions/{body['id']}"
    stored = sub_api.submissions.get(body["id"])
    assert stored.department == "75"
    assert stored.geocoded is True
    assert stored.location is not None
    status, view = sub_api.call("GET", body["status_url"])
    assert status == 200
    assert view == {
        "id": body["id"],
        "kind": "new_place",
        "status": "pending",
        "created_at": "2020-03-17T11:00:00Z",
        "decided_at": None,
        "reason": None,
        "place_id": None,
    }


def test_the_same_payload_twice_makes_one_submission(sub_api: SubmissionApi) -> None:
    first = sub_api.call("POST", "/submissions", body=form())
    second = sub_api.call("POST", "/submissions", body=form())
    assert first[0] == second[0] == 202
    assert first[1]["id"] == second[1]["id"]
    assert second[1]["duplicate_of_earlier"] is True
    assert len(sub_api.submissions.items) == 1


def test_a_filled_honeypot_is_answered_like_a_success_but_nothing_is_kept(
    sub_api: SubmissionApi,
) -> None:
    status, body = sub_api.call("POST", "/submissions", body=form(website="http://spam.example"))
    assert status == 202
    assert sub_api.submissions.items == {}
    assert sub_api.call("GET", body["status_url"])[0] == 404


def test_too_many_submissions_from_one_client_in_an_hour_get_429(sub_api: SubmissionApi) -> None:
    for number in range(10):
        assert sub_api.call("POST", "/submissions", body=form(name=f"Lieu {number}"))[0] == 202
    status, body = sub_api.call("POST", "/submissions", body=form(name="Lieu 11"))
    assert status == 429
    assert body["code"] == "rate_limited"
    # A replay of an accepted payload is not a new submission: still answered.
    assert sub_api.call("POST", "/submissions", body=form(name="Lieu 3"))[0] == 202


def test_an_address_that_cannot_be_located_without_coordinates_is_422(
    sub_api: SubmissionApi,
) -> None:
    lost = {"street": "3 impasse Introuvable", "postal_code": "75018", "city": "Paris"}
    status, body = sub_api.call("POST", "/submissions", body=form(address=lost))
    assert status == 422
    assert body["code"] == "address_not_found"
    assert "location" in body["message"]
    assert sub_api.submissions.items == {}


def test_given_coordinates_skip_the_geocoder(sub_api: SubmissionApi) -> None:
    lost = {"street": "3 impasse Introuvable", "postal_code": "75018", "city": "Paris"}
    located = form(address=lost, location={"lat": 48.8867, "lon": 2.3617})
    status, body = sub_api.call("POST", "/submissions", body=located)
    assert status == 202
    assert sub_api.geocoder.calls == 0
    assert sub_api.submissions.get(body["id"]).geocoded is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (form(unexpected=1), "unexpected"),
        (form(address=None), None),
        (form(categories=[]), "content.categories"),
        (form(submitter={"email": "camille@example.org"}), "submitter"),
        (form(submitter={"email": "not-an-email", "consent": True}), "submitter.email"),
        (form(name="x" * 201), "content.name"),
        ([1, 2], "body"),
        ("{not json", "body"),
    ],
)
def test_malformed_submissions_are_400(
    sub_api: SubmissionApi, body: Any, field: str | None
) -> None:
    status, payload = sub_api.call("POST", "/submissions", body=body)
    assert status == 400
    if field is not None:
        assert payload["field"] == field
    assert sub_api.submissions.items == {}


def test_an_oversized_submission_is_413(sub_api: SubmissionApi) -> None:
    status, body = sub_api.call("POST", "/submissions", body=form(message="x" * 40_000))
    assert status == 413
    assert body["code"] == "too_large"


def test_a_suggestion_on_a_place_is_accepted(sub_api: SubmissionApi) -> None:
    suggestion = {
        "content": {"description": "Distribution déplacée au 3 rue de Tanger."},
        "message": "Vu sur place ce matin.",
    }
    status, body = sub_api.call("POST", "/places/pne-01/suggestions", body=suggestion)
    assert status == 202
    stored = sub_api.submissions.get(body["id"])
    assert (stored.kind, stored.place_id, stored.department) == ("suggestion", "pne-01", "75")


def test_a_suggestion_on_an_unknown_place_is_404_and_an_empty_one_400(
    sub_api: SubmissionApi,
) -> None:
    assert sub_api.call("POST", "/places/nope/suggestions", body={"message": "?"})[0] == 404
    assert sub_api.call("POST", "/places/pne-01/suggestions", body={"content": {}})[0] == 400


def test_a_new_place_next_to_the_seed_duplicate_pair_lists_both_as_candidates(
    sub_api: SubmissionApi,
) -> None:
    address = {
        "street": "1-7 avenue de la Porte de la Villette",
        "postal_code": "75019",
        "city": "Paris",
    }
    body = form(
        name="Restos du Coeur du 19e - La Villette",
        address=address,
        location={"lat": 48.8981, "lon": 2.3861},
    )
    status, receipt = sub_api.call("POST", "/submissions", body=body)
    assert status == 202
    duplicates = sub_api.submissions.get(receipt["id"]).duplicates
    assert {(c.kind, c.id) for c in duplicates} == {("place", "pne-25"), ("place", "pne-26")}
    assert all(c.score >= 70 and c.distance_m < 50 for c in duplicates)
    # A second person proposing the same place: the pending submission is a candidate too.
    again = form(
        name="Relais du Cœur La Villette",
        address=address,
        location={"lat": 48.8979, "lon": 2.3859},
        submitter={},
    )
    status, second = sub_api.call("POST", "/submissions", body=again)
    assert status == 202
    kinds = {(c.kind, c.id) for c in sub_api.submissions.get(second["id"]).duplicates}
    assert ("submission", receipt["id"]) in kinds
