"""Moderation: the queue, approve / reject / merge through the back office's versioned edit
path (history channel ``submission``), role and territory rules, figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.auth import Role
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.submissions.conftest import LOCKDOWN, SubmissionApi
from tests.integration.submissions.test_intake_api import form

ADMIN = bearer(token(Role.ADMIN, (), "admin-1"))
MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
MODERATOR_93 = bearer(token(Role.TERRITORY_MODERATOR, ("93",), "mod-93"))
VOLUNTEER_75 = bearer(token(Role.VOLUNTEER, ("75",), "vol-75"))


def submit(api: SubmissionApi, **changes: Any) -> str:
    status, body = api.call("POST", "/submissions", body=form(**changes))
    assert status == 202, body
    return str(body["id"])


def test_the_queue_is_oldest_first_with_duplicate_candidates(sub_api: SubmissionApi) -> None:
    later = submit(sub_api, name="Restos du coeur Villette", location={"lat": 48.898, "lon": 2.386})
    sub_api.clock.set(LOCKDOWN - timedelta(hours=2))
    earlier = submit(sub_api, name="Douches de la Chapelle")
    status, body = sub_api.call(
        "GET", "/admin/submissions?status=pending&department=75", MODERATOR_75
    )
    assert status == 200
    queue = body["submissions"]
    assert [s["id"] for s in queue] == [earlier, later]
    assert {c["id"] for c in queue[1]["duplicates"]} == {"pne-25", "pne-26"}
    assert queue[0]["submitter"]["email"] == "camille@example.org"  # moderators see it


def test_the_queue_is_closed_to_other_territories_and_to_volunteers(
    sub_api: SubmissionApi,
) -> None:
    submission = submit(sub_api)
    outside = sub_api.call("GET", "/admin/submissions?department=75", MODERATOR_93)
    assert (outside[0], outside[1]["code"]) == (403, "out_of_scope")
    assert sub_api.call("GET", "/admin/submissions", MODERATOR_93)[1] == {
        "submissions": [],
        "next_cursor": None,
        "drafts": [],
    }
    assert sub_api.call("GET", "/admin/submissions", VOLUNTEER_75)[0] == 403
    assert sub_api.call("GET", "/admin/submissions")[0] == 401
    assert sub_api.call("GET", f"/admin/submissions/{submission}", MODERATOR_93)[0] == 403
    assert sub_api.call("GET", "/admin/submissions?limit=5000", ADMIN)[0] == 400
    assert sub_api.call("GET", "/admin/submissions?department=99", ADMIN)[0] == 400


def test_approve_creates_the_place_with_the_moderators_edits_and_history(
    sub_api: SubmissionApi,
) -> None:
    submission = submit(sub_api)
    status, _ = sub_api.call(
        "POST", f"/admin/submissions/{submission}/approve", MODERATOR_75, {"status": "online"}
    )
    assert status == 428
    decision = {"status": "online", "edits": {"name": "Bagagerie solidaire de la Chapelle"}}
    status, body = sub_api.call(
        "POST", f"/admin/submissions/{submission}/approve", MODERATOR_75, decision, if_match=1
    )
    assert status == 200, body
    place = body["place"]
    assert place["name"] == "Bagagerie solidaire de la Chapelle"
    assert place["status"] == "online"
    assert place["sources"] == [{"name": "submission", "external_id": submission, "url": None}]
    assert body["submission"]["status"] == "approved"
    history = sub_api.call("GET", f"/admin/places/{place['id']}/history", MODERATOR_75)[1]
    entry = history["entries"][0]
    assert (entry["channel"], entry["action"], entry["actor"]["subject"]) == (
        "submission",
        "created",
        "mod-75",
    )
    view = sub_api.call("GET", f"/submissions/{submission}")[1]
    assert (view["status"], view["place_id"]) == ("approved", place["id"])
    # Decided once: a replay with the old version is a conflict, not a second place.
    again = sub_api.call(
        "POST", f"/admin/submissions/{submission}/approve", MODERATOR_75, decision, if_match=1
    )
    assert again[0] == 409
    assert len(sub_api.places.places) == 31


def test_reject_records_the_reason_for_the_submitter(sub_api: SubmissionApi) -> None:
    submission = submit(sub_api)
    assert (
        sub_api.call(
            "POST", f"/admin/submissions/{submission}/reject", MODERATOR_75, {}, if_match=1
        )[0]
        == 400
    )
    sub_api.clock.set(LOCKDOWN + timedelta(hours=5))
    status, body = sub_api.call(
        "POST",
        f"/admin/submissions/{submission}/reject",
        MODERATOR_75,
        {"reason": "Ce lieu a fermé en 2019."},
        if_match=1,
    )
    assert status == 200
    decision = body["submission"]["decision"]
    assert (decision["notification"], decision["mail_id"]) == (
        "emailed",
        f"submission:{submission}:decision",
    )
    (mail,) = sub_api.mail.messages
    assert (mail.id, mail.template, mail.to) == (
        f"submission:{submission}:decision",
        "submission_decision",
        "camille@example.org",
    )
    assert (mail.context["status"], mail.context["reason"]) == (
        "rejected",
        "Ce lieu a fermé en 2019.",
    )
    view = sub_api.call("GET", f"/submissions/{submission}")[1]
    assert (view["status"], view["reason"]) == ("rejected", "Ce lieu a fermé en 2019.")
    assert len(sub_api.places.places) == 30


def test_merge_applies_the_submission_to_the_existing_place_as_a_versioned_change(
    sub_api: SubmissionApi,
) -> None:
    submission = submit(
        sub_api,
        name="Restos du Coeur du 19e La Villette",
        location={"lat": 48.8979, "lon": 2.3859},
        address={
            "street": "1-7 avenue de la Porte de la Villette",
            "postal_code": "75019",
            "city": "Paris",
        },
        description="Distribution le mardi et le vendredi.",
        categories=["food_distribution", "shower"],
    )
    version = sub_api.places.get("pne-25").version
    before_services = sub_api.places.get("pne-25").services
    merge = {
        "place_id": "pne-25",
        "place_version": version,
        "fields": ["description", "services"],
        "edits": {"name": "Restos/Relais du Cœur du 19° La Villette"},
    }
    stale = sub_api.call(
        "POST",
        f"/admin/submissions/{submission}/merge",
        MODERATOR_75,
        {**merge, "place_version": version + 7},
        if_match=1,
    )
    assert stale[0] == 409
    status, body = sub_api.call(
        "POST", f"/admin/submissions/{submission}/merge", MODERATOR_75, merge, if_match=1
    )
    assert status == 200, body
    place = sub_api.places.get("pne-25")
    assert place.version == version + 1
    assert place.description == "Distribution le mardi et le vendredi."
    assert place.name == "Restos/Relais du Cœur du 19° La Villette"
    assert body["submission"]["status"] == "merged"
    before = {s.id: s for s in before_services}
    assert [s.category for s in place.services] == [
        *(s.category for s in before_services),
        "shower",
    ]
    assert all(place.services[i] == before[s.id] for i, s in enumerate(before_services))
    assert place.address == sub_api.places.get("pne-26").address  # same postal address kept
    entry = sub_api.call("GET", "/admin/places/pne-25/history", MODERATOR_75)[1]["entries"][0]
    assert (entry["channel"], entry["action"]) == ("submission", "edited")
    assert entry["merged_fields"] == ["description", "services"]
    assert [change["field"] for change in entry["changes"]] == ["description", "services"]
    assert body["submission"]["decision"]["merged_fields"] == ["description", "services"]


def test_approving_a_suggestion_edits_its_place(sub_api: SubmissionApi) -> None:
    status, receipt = sub_api.call(
        "POST", "/places/pne-01/suggestions", body={"content": {"description": "Nouveau texte."}}
    )
    assert status == 202
    version = sub_api.places.get("pne-01").version
    path = f"/admin/submissions/{receipt['id']}/approve"
    assert sub_api.call("POST", path, MODERATOR_75, {}, if_match=1)[0] == 400  # no place_version
    status, body = sub_api.call("POST", path, MODERATOR_75, {"place_version": version}, if_match=1)
    assert status == 200, body
    assert sub_api.places.get("pne-01").description == "Nouveau texte."


@pytest.mark.parametrize("action", ["approve", "reject", "merge"])
def test_decisions_outside_the_territory_or_by_volunteers_are_403(
    sub_api: SubmissionApi, action: str
) -> None:
    submission = submit(sub_api)
    body: dict[str, Any] = {"place_id": "pne-25", "place_version": 1}
    if action == "approve":
        body = {}
    elif action == "reject":
        body = {"reason": "non"}
    for headers in (MODERATOR_93, VOLUNTEER_75):
        status, _ = sub_api.call(
            "POST", f"/admin/submissions/{submission}/{action}", headers, body, if_match=1
        )
        assert status == 403
    assert sub_api.submissions.get(submission).status == "pending"


def test_figures_by_department_and_region_with_rate_and_median(sub_api: SubmissionApi) -> None:
    first = submit(sub_api, name="Un")
    second = submit(sub_api, name="Deux")
    submit(sub_api, name="Trois")
    submit(
        sub_api,
        name="Quatre",
        address={"street": "2 rue de la République", "postal_code": "93200", "city": "Saint-Denis"},
    )
    sub_api.clock.set(LOCKDOWN + timedelta(hours=2))
    sub_api.call("POST", f"/admin/submissions/{first}/approve", ADMIN, {}, if_match=1)
    sub_api.clock.set(LOCKDOWN + timedelta(hours=6))
    sub_api.call("POST", f"/admin/submissions/{second}/reject", ADMIN, {"reason": "x"}, if_match=1)
    status, figures = sub_api.call("GET", "/admin/submission-figures", ADMIN)
    assert status == 200
    assert figures["by_department"]["75"] == {
        "pending": 1,
        "approved": 1,
        "rejected": 1,
        "merged": 0,
    }
    assert figures["by_department"]["93"]["pending"] == 1
    assert figures["by_region"]["11"]["pending"] == 2
    assert figures["approval_rate"] == 0.5
    assert figures["median_hours_to_decision"] == 4.0
    scoped = sub_api.call("GET", "/admin/submission-figures", MODERATOR_93)[1]
    assert list(scoped["by_department"]) == ["93"]
    assert sub_api.call("GET", "/admin/submission-figures?department=75", MODERATOR_93)[0] == 403


def test_volunteers_drafts_are_in_the_same_queue(sub_api: SubmissionApi) -> None:
    draft = {
        "name": "Vestiaire de la Chapelle",
        "address": {
            "street": "2 rue de la Chapelle",
            "postal_code": "75018",
            "city": "Paris",
            "department_code": "75",
        },
        "location": {"lat": 48.89, "lon": 2.36},
        "services": [{"id": "s1", "category": "food_distribution"}],
    }
    status, created = sub_api.call("POST", "/admin/places", VOLUNTEER_75, draft)
    assert status == 201, created
    status, body = sub_api.call("GET", "/admin/submissions?department=75", MODERATOR_75)
    assert status == 200
    assert [d["id"] for d in body["drafts"]] == [created["id"]]
    decided = sub_api.call("GET", "/admin/submissions?status=approved", MODERATOR_75)[1]
    assert "drafts" not in decided
