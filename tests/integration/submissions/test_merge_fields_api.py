"""Merging never overwrites blindly (issue 18): the merge preview, the default merge (fill
the place's empty fields only), explicit ``fields``, names that are not mergeable, and the
history entry and decision naming the fields taken."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.auth import Role
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.submissions.conftest import SubmissionApi
from tests.integration.submissions.test_intake_api import form

MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
MODERATOR_93 = bearer(token(Role.TERRITORY_MODERATOR, ("93",), "mod-93"))
TUESDAY = {"tuesday": [{"start": "14:00", "end": "18:00"}]}


def duplicate_of_pne_25(api: SubmissionApi) -> str:
    """A new-place submission for pne-25 (which has a description, hours and a phone, and no
    email), with other values for all of those, and the submitter's private contact."""
    body = form(
        name="Restos du Coeur Villette",
        location={"lat": 48.8979, "lon": 2.3859},
        address={
            "street": "1-7 avenue de la Porte de la Villette",
            "postal_code": "75019",
            "city": "Paris",
        },
        description="Distribution le mardi et le vendredi.",
        contacts={"phones": [{"number": "01 99 88 77 66"}], "email": "villette@example.org"},
        submitter={
            "name": "Sentinelle Privée",
            "email": "sentinelle@example.org",
            "phone": "06 12 34 56 78",
            "consent": True,
        },
    )
    body["content"]["hours"] = TUESDAY
    status, receipt = api.call("POST", "/submissions", body=body)
    assert status == 202, receipt
    return str(receipt["id"])


def merge(api: SubmissionApi, submission: str, **extra: Any) -> tuple[int, Any]:
    body = {"place_id": "pne-25", "place_version": api.places.get("pne-25").version, **extra}
    return api.call(
        "POST", f"/admin/submissions/{submission}/merge", MODERATOR_75, body, if_match=1
    )


def latest_entry(api: SubmissionApi) -> dict[str, Any]:
    history = api.call("GET", "/admin/places/pne-25/history", MODERATOR_75)[1]
    entry: dict[str, Any] = history["entries"][0]
    return entry


def test_the_preview_lists_the_differences_and_no_private_data(sub_api: SubmissionApi) -> None:
    submission = duplicate_of_pne_25(sub_api)
    path = f"/admin/submissions/{submission}/merge-preview?place_id=pne-25"
    status, body = sub_api.call("GET", path, MODERATOR_75)
    assert status == 200, body
    place = sub_api.places.get("pne-25")
    assert (body["place_id"], body["place_version"], body["submission_version"]) == (
        "pne-25",
        place.version,
        1,
    )
    by_field = {d["field"]: d for d in body["fields"]}
    assert set(by_field) == {
        "name",
        "address",
        "location",
        "services",
        "hours",
        "description",
        "contacts.phones",
        "contacts.email",
    }
    assert by_field["description"] == {
        "field": "description",
        "current": place.description,
        "submitted": "Distribution le mardi et le vendredi.",
        "current_empty": False,
        "differs": True,
        "default": False,
    }
    assert by_field["contacts.phones"]["current"] == [{"label": None, "number": "01 53 24 98 00"}]
    assert (by_field["contacts.email"]["current_empty"], by_field["contacts.email"]["default"]) == (
        True,
        True,
    )
    assert by_field["address"]["differs"] is False  # the same postal address
    assert body["default_fields"] == ["contacts.email"]
    text = str(body).lower()
    for private in ("sentinelle", "06 12 34 56 78", "submitter", "client_hash"):
        assert private not in text
    # A moderator of another territory sees neither; a new-place submission needs a place.
    assert sub_api.call("GET", path, MODERATOR_93)[0] == 403
    no_place = sub_api.call("GET", f"/admin/submissions/{submission}/merge-preview", MODERATOR_75)
    assert (no_place[0], no_place[1]["field"]) == (400, "place_id")


def test_a_suggestions_preview_compares_with_its_own_place(sub_api: SubmissionApi) -> None:
    status, receipt = sub_api.call(
        "POST", "/places/pne-01/suggestions", body={"content": {"description": "Nouveau."}}
    )
    assert status == 202
    status, body = sub_api.call(
        "GET", f"/admin/submissions/{receipt['id']}/merge-preview", MODERATOR_75
    )
    assert status == 200, body
    assert body["place_id"] == "pne-01"
    assert [d["field"] for d in body["fields"]] == ["description"]


def test_the_default_merge_fills_empty_fields_and_overwrites_none(sub_api: SubmissionApi) -> None:
    submission = duplicate_of_pne_25(sub_api)
    before = sub_api.places.get("pne-25")
    status, body = merge(sub_api, submission)
    assert status == 200, body
    after = sub_api.places.get("pne-25")
    assert after.version == before.version + 1
    assert after.description == before.description
    assert after.hours == before.hours
    assert after.contacts.phones == before.contacts.phones
    assert after.services == before.services
    assert after.contacts.email == "villette@example.org"  # was empty: filled
    assert body["submission"]["decision"]["merged_fields"] == ["contacts.email"]
    entry = latest_entry(sub_api)
    assert (entry["channel"], entry["version"]) == ("submission", after.version)
    assert entry["merged_fields"] == ["contacts.email"]
    assert [change["field"] for change in entry["changes"]] == ["contacts"]
    assert entry["changes"][0]["before"]["email"] is None
    assert entry["changes"][0]["after"]["phones"] == entry["changes"][0]["before"]["phones"]


def test_explicit_fields_overwrite_those_fields_only(sub_api: SubmissionApi) -> None:
    submission = duplicate_of_pne_25(sub_api)
    before = sub_api.places.get("pne-25")
    status, body = merge(sub_api, submission, fields=["description", "hours", "contacts.phones"])
    assert status == 200, body
    after = sub_api.places.get("pne-25")
    assert after.description == "Distribution le mardi et le vendredi."
    assert after.hours.tuesday[0].start == "14:00" and after.hours.monday == []
    assert [phone.number for phone in after.contacts.phones] == ["01 99 88 77 66"]
    assert after.contacts.email is None  # proposed, empty on the place, but not picked
    unchanged = ("name", "organisation", "address", "location", "services", "status")
    assert all(getattr(after, name) == getattr(before, name) for name in unchanged)
    entry = latest_entry(sub_api)
    assert entry["merged_fields"] == ["description", "hours", "contacts.phones"]
    assert [change["field"] for change in entry["changes"]] == [
        "description",
        "hours",
        "contacts",
    ]
    decision = sub_api.submissions.get(submission).decision
    assert decision is not None
    assert decision.merged_fields == ["description", "hours", "contacts.phones"]


def test_a_field_that_is_not_mergeable_is_a_400_on_fields(sub_api: SubmissionApi) -> None:
    submission = duplicate_of_pne_25(sub_api)
    before = sub_api.places.get("pne-25")
    for fields in (["description", "phone"], ["submitter.email"], ["contacts.website"]):
        status, error = merge(sub_api, submission, fields=fields)
        assert status == 400, (fields, error)
        assert set(error) == {"code", "message", "field"}
        assert error["field"] == "fields"
    assert sub_api.places.get("pne-25") == before
    assert sub_api.submissions.get(submission).status == "pending"


def test_an_empty_list_records_the_merge_and_leaves_the_place(sub_api: SubmissionApi) -> None:
    submission = duplicate_of_pne_25(sub_api)
    before = sub_api.places.get("pne-25")
    stale = merge(sub_api, submission, fields=[], place_version=before.version + 3)
    assert stale[0] == 409  # still only over the version read
    status, body = merge(sub_api, submission, fields=[])
    assert status == 200, body
    assert sub_api.places.get("pne-25") == before
    assert body["submission"]["status"] == "merged"
    assert body["submission"]["decision"]["merged_fields"] == []
    assert body["submission"]["decision"]["place_id"] == "pne-25"
    (mail,) = sub_api.mail.messages  # the submitter still learns where the place is
    assert mail.context["status"] == "merged"
