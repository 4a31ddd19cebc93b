"""The pure merge selection (chalicelib/domain/submissions/merging.py): what a submission
proposes beside the place, the default (fill empty fields, never overwrite), explicit picks,
names that are not mergeable, and the patch (only the fields taken)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.places.models import Place
from chalicelib.domain.submissions.merging import (
    MergeField,
    differences,
    merge_plan,
    preview,
    select_fields,
)
from chalicelib.domain.submissions.models import Submission, SubmissionKind
from chalicelib.domain.submissions.service import Merge
from tests.builders import make_place

NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)
HOURS = {"monday": [{"start": "09:00", "end": "12:00"}]}
OTHER_HOURS = {"tuesday": [{"start": "14:00", "end": "18:00"}]}


def place(**fields: Any) -> Place:
    data: dict[str, Any] = {
        "description": "Accueil de jour.",
        "hours": HOURS,
        "contacts": {"phones": [{"number": "01 00 00 00 00"}]},
    }
    data.update(fields)
    return make_place("pne-1", **data)


def submission(**content: Any) -> Submission:
    return Submission.model_validate(
        {
            "id": "sub-1",
            "kind": SubmissionKind.SUGGESTION,
            "department": "75",
            "region": "11",
            "place_id": "pne-1",
            "content": content,
            "location": content.get("location"),  # as intake keeps a given point
            "submitter": {
                "name": "Sentinelle Privée",
                "email": "sentinel@example.org",
                "phone": "06 99 99 99 99",
                "consent": True,
            },
            "client_hash": "h" * 64,
            "created_at": NOW,
        }
    )


PROPOSAL: dict[str, Any] = {
    "description": "Petit déjeuner et douches.",
    "organisation": "Association du quartier",
    "hours": OTHER_HOURS,
    "contacts": {
        "phones": [{"number": "01 11 11 11 11"}],
        "email": "contact@asso.example.org",
    },
}


def test_the_preview_lists_each_proposed_field_with_both_values_and_emptiness() -> None:
    result = preview(submission(**PROPOSAL), place())
    by_field = {d.field: d for d in result.fields}
    assert list(by_field) == [
        MergeField.DESCRIPTION,
        MergeField.ORGANISATION,
        MergeField.HOURS,
        MergeField.PHONES,
        MergeField.EMAIL,
    ]
    description = by_field[MergeField.DESCRIPTION]
    assert (description.current, description.submitted) == (
        "Accueil de jour.",
        "Petit déjeuner et douches.",
    )
    assert (description.current_empty, description.differs, description.default) == (
        False,
        True,
        False,
    )
    organisation = by_field[MergeField.ORGANISATION]
    assert (organisation.current, organisation.current_empty, organisation.default) == (
        None,
        True,
        True,
    )
    assert by_field[MergeField.PHONES].current == [{"label": None, "number": "01 00 00 00 00"}]
    assert by_field[MergeField.EMAIL].current_empty is True
    assert result.default_fields == [MergeField.ORGANISATION, MergeField.EMAIL]
    assert (result.place_id, result.place_version, result.submission_version) == ("pne-1", 1, 1)


def test_the_preview_never_carries_the_submitters_contact() -> None:
    text = preview(submission(**PROPOSAL), place()).model_dump_json()
    for private in ("Sentinelle", "sentinel@example.org", "06 99 99 99 99", "submitter"):
        assert private not in text


def test_by_default_only_empty_fields_are_filled_never_overwritten() -> None:
    plan = merge_plan(submission(**PROPOSAL), place(), None)
    assert plan.fields == [MergeField.ORGANISATION, MergeField.EMAIL]
    assert plan.patch == {
        "organisation": "Association du quartier",
        # The place's phone stays: only the empty email is filled.
        "contacts": {
            "phones": [{"label": None, "number": "01 00 00 00 00"}],
            "email": "contact@asso.example.org",
            "website": None,
        },
    }


def test_empty_hours_on_the_place_are_filled_by_default() -> None:
    plan = merge_plan(submission(hours=OTHER_HOURS), place(hours={}), None)
    assert plan.fields == [MergeField.HOURS]
    assert plan.patch["hours"]["tuesday"] == [{"start": "14:00", "end": "18:00"}]


def test_explicit_fields_overwrite_those_and_only_those() -> None:
    picked = ["description", "contacts.phones"]
    plan = merge_plan(submission(**PROPOSAL), place(), picked)
    assert plan.fields == [MergeField.DESCRIPTION, MergeField.PHONES]
    assert set(plan.patch) == {"description", "contacts"}
    assert plan.patch["description"] == "Petit déjeuner et douches."
    assert plan.patch["contacts"] == {
        "phones": [{"label": None, "number": "01 11 11 11 11"}],
        "email": None,  # proposed, not picked: the place's (empty) email stays
        "website": None,
    }


def test_an_empty_list_takes_nothing_and_a_same_value_is_no_change() -> None:
    assert merge_plan(submission(**PROPOSAL), place(), []).fields == []
    same = submission(description="Accueil de jour.")
    (difference,) = differences(same, place())
    assert difference.differs is False
    assert merge_plan(same, place(), ["description"]).patch == {}


@pytest.mark.parametrize("name", ["submitter.email", "internal_note", "status", "phone", ""])
def test_a_name_that_is_not_a_mergeable_field_is_refused_on_fields(name: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        select_fields(differences(submission(**PROPOSAL), place()), ["description", name])
    assert raised.value.field == "fields"
    assert "not a mergeable field" in raised.value.message


def test_a_field_the_submission_does_not_propose_is_refused_on_fields() -> None:
    with pytest.raises(InvalidInput) as raised:
        merge_plan(submission(**PROPOSAL), place(), ["contacts.website"])
    assert raised.value.field == "fields"
    assert "proposes no contacts.website" in raised.value.message


def test_the_merge_body_refuses_unknown_field_names() -> None:
    with pytest.raises(ValidationError) as raised:
        Merge.model_validate({"place_id": "pne-1", "place_version": 1, "fields": ["submitter"]})
    assert raised.value.errors()[0]["loc"][0] == "fields"
    assert Merge.model_validate({"place_id": "pne-1", "place_version": 1}).fields is None


def test_a_new_address_is_taken_with_its_point_or_not_at_all() -> None:
    moved = submission(
        address={"street": "3 rue Riquet", "postal_code": "75019", "city": "Paris"},
        location={"lat": 48.889, "lon": 2.372},
    )
    with pytest.raises(InvalidInput) as raised:
        merge_plan(moved, place(), ["address"])
    assert raised.value.field == "fields"
    plan = merge_plan(moved, place(), ["address", "location"])
    assert plan.fields == [MergeField.ADDRESS, MergeField.LOCATION]
    assert plan.patch["address"]["street"] == "3 rue Riquet"
    assert plan.patch["location"] == {"lat": 48.889, "lon": 2.372}
    # A point alone (the pin was wrong) may be taken without the address.
    assert merge_plan(moved, place(), ["location"]).fields == [MergeField.LOCATION]
    assert merge_plan(moved, place(), None).fields == []  # never empty: never by default


def test_proposed_categories_add_services_and_keep_the_places() -> None:
    current = place(
        services=[{"id": "s1", "category": "food_distribution", "name": "Repas du midi"}]
    )
    plan = merge_plan(submission(categories=["shower", "food_distribution"]), current, None)
    assert plan.fields == []  # a place always has services: not filled by default
    plan = merge_plan(submission(categories=["shower"]), current, ["services"])
    assert [(s["id"], s["category"], s["name"]) for s in plan.patch["services"]] == [
        ("s1", "food_distribution", "Repas du midi"),
        ("s2", "shower", None),
    ]
