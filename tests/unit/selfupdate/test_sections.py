"""Sections of a self-update link: the section → fields mapping, the sections a token
carries, what the page asks to check, changes refused outside the asked sections, and the
sections a confirmation records."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from chalicelib.domain.errors import InvalidInput, VersionConflict
from chalicelib.domain.places.history import Action
from chalicelib.domain.places.sections import (
    ALL_SECTIONS,
    SECTION_FIELDS,
    SECTION_OF_FIELD,
    Section,
    fields_of,
    fields_outside,
    in_page_order,
)
from chalicelib.domain.selfupdate.models import LinkClaims, SelfUpdateChange, SelfUpdateView
from tests.builders import make_place
from tests.unit.selfupdate.test_link_service import (
    KEY_A,
    NOW,
    World,
    _assert_invalid,
    _b64,
    _segments,
    _unb64,
)

HOURS_AND_CONTACTS = (Section.CONTACTS, Section.HOURS)  # as a campaign may list them
MONDAY = {"monday": [{"start": "09:00", "end": "12:00"}]}


@pytest.fixture
def world() -> World:
    return World()


def _campaign_token(world: World, sections: tuple[Section, ...] = HOURS_AND_CONTACTS) -> str:
    return world.service.issue_unchecked("p1", sections=sections).token


def _signed(claims: dict[str, object]) -> str:
    return jwt.encode(claims, KEY_A, algorithm="HS256", headers={"kid": "k1"})


# The mapping ---------------------------------------------------------------------------------


def test_every_field_a_structure_may_change_belongs_to_exactly_one_section() -> None:
    editable = set(SelfUpdateChange.model_fields) - {"place_id"}
    covered = [name for names in SECTION_FIELDS.values() for name in names]
    assert sorted(covered) == sorted(editable)  # each once, none missing, none extra
    assert all(SECTION_OF_FIELD[name] in SECTION_FIELDS for name in editable)


def test_every_section_field_is_shown_on_the_page() -> None:
    assert set(fields_of(ALL_SECTIONS)) <= set(SelfUpdateView.model_fields)


def test_sections_map_to_their_fields_in_page_order() -> None:
    assert SECTION_FIELDS[Section.TEMPORARY_INFO] == (
        "temporary_closure",
        "temporary_hours",
        "temporary_message",
    )
    assert fields_of([Section.SERVICES, Section.HOURS, Section.TEMPORARY_INFO]) == (
        "hours",
        "temporary_closure",
        "temporary_hours",
        "temporary_message",
        "services",
    )
    assert in_page_order([Section.SERVICES, Section.HOURS, Section.HOURS]) == (
        Section.HOURS,
        Section.SERVICES,
    )


def test_fields_outside_the_sections_are_named_in_the_order_given() -> None:
    changed = ["description", "hours", "temporary_message", "contacts"]
    assert fields_outside([Section.HOURS, Section.CONTACTS], changed) == [
        "description",
        "temporary_message",
    ]
    assert fields_outside(ALL_SECTIONS, changed) == []


def test_claims_keep_their_sections_in_page_order_and_refuse_repeats() -> None:
    base = {
        "token_id": "t1",
        "place_id": "p1",
        "generation": 1,
        "scope": "self-update",
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=1),
    }
    assert LinkClaims.model_validate(base).sections == ALL_SECTIONS
    claims = LinkClaims.model_validate({**base, "sections": ["services", "hours"]})
    assert claims.sections == (Section.HOURS, Section.SERVICES)
    with pytest.raises(ValueError, match="twice"):
        LinkClaims.model_validate({**base, "sections": ["hours", "hours"]})
    with pytest.raises(ValueError):
        LinkClaims.model_validate({**base, "sections": []})


# The token -----------------------------------------------------------------------------------


def test_a_campaign_link_carries_its_sections_in_the_token(world: World) -> None:
    payload = _unb64(_segments(_campaign_token(world))[1])
    assert payload["sec"] == ["hours", "contacts"]
    admin_payload = _unb64(_segments(world.token())[1])
    assert admin_payload["sec"] == [section.value for section in ALL_SECTIONS]


def test_a_token_without_sections_asks_every_section(world: World) -> None:
    """Links issued before sections meant anything asked everything, and still do."""
    claims = _unb64(_segments(world.token())[1])
    del claims["sec"]
    view = world.service.view(_signed(claims))
    assert [section.id for section in view.sections] == list(ALL_SECTIONS)


@pytest.mark.parametrize(
    "sections", [[], ["hours", "hours"], ["opening"], "hours", [1], None, ["hours"] * 6]
)
def test_a_well_signed_token_with_bad_sections_is_refused(world: World, sections: object) -> None:
    claims = _unb64(_segments(world.token())[1])
    claims["sec"] = sections
    _assert_invalid(world, _signed(claims))


def test_sections_cannot_be_widened_without_the_key(world: World) -> None:
    header, payload, signature = _segments(_campaign_token(world))
    claims = _unb64(payload)
    claims["sec"] = [section.value for section in ALL_SECTIONS]
    _assert_invalid(world, ".".join([header, _b64(claims), signature]))


# The page ------------------------------------------------------------------------------------


def test_the_page_asks_the_campaign_sections_with_their_current_values(world: World) -> None:
    world.store.load_fresh(
        [make_place("p1", hours=MONDAY, contacts={"email": "accueil@example.org"})]
    )
    view = world.service.view(_campaign_token(world))
    shown = view.model_dump(mode="json")
    assert shown["sections"] == [
        {"id": "hours", "fields": [{"name": "hours", "value": shown["hours"]}]},
        {"id": "contacts", "fields": [{"name": "contacts", "value": shown["contacts"]}]},
    ]
    assert shown["sections"][0]["fields"][0]["value"]["monday"][0]["start"] == "09:00"
    assert shown["sections"][1]["fields"][0]["value"]["email"] == "accueil@example.org"


def test_a_link_outside_any_campaign_asks_every_section(world: World) -> None:
    view = world.service.view(world.token())
    assert [section.id for section in view.sections] == [
        "hours",
        "temporary_info",
        "contacts",
        "description",
        "services",
    ]
    fields = {section.id: [field.name for field in section.fields] for section in view.sections}
    assert fields[Section.TEMPORARY_INFO] == [
        "temporary_closure",
        "temporary_hours",
        "temporary_message",
    ]
    services = view.sections[-1].fields[0].value
    assert isinstance(services, list)
    expected = {"id": "s1", "category": "food_distribution", "name": None}
    assert services == [
        {**expected, "temporary_closure": None, "temporary_hours": None, "temporary_message": None}
    ]


# Changes and confirmations ---------------------------------------------------------------------


def test_a_change_within_the_asked_sections_is_accepted_and_records_them(world: World) -> None:
    change = SelfUpdateChange.model_validate({"hours": MONDAY})
    view = world.service.edit(_campaign_token(world), expected_version=1, change=change)
    assert view.version == 2
    assert view.hours.model_dump(mode="json")["monday"][0]["end"] == "12:00"
    entry = world.store.history("p1", limit=1).entries[0]
    assert entry.action is Action.EDITED
    assert entry.sections == (Section.HOURS, Section.CONTACTS)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "Autre chose"}, "description"),
        ({"temporary_message": {"text": "Fermé lundi", "start_date": "2026-11-02"}},
         "temporary_message"),
        ({"services": [{"id": "s1", "temporary_closure": {"start_date": "2026-11-03"}}]},
         "services"),
        ({"hours": MONDAY, "description": "Autre chose"}, "description"),
    ],
)  # fmt: skip
def test_a_change_outside_the_asked_sections_is_refused_naming_the_field(
    world: World, body: dict[str, object], field: str
) -> None:
    change = SelfUpdateChange.model_validate(body)
    with pytest.raises(InvalidInput) as caught:
        world.service.edit(_campaign_token(world), expected_version=1, change=change)
    assert caught.value.code == "outside_sections"
    assert caught.value.field == field
    assert "hours, contacts" in caught.value.message
    assert world.store.get("p1").version == 1  # nothing written
    assert world.store.history("p1", limit=5).entries == []


def test_a_field_outside_the_sections_sent_back_unchanged_is_no_change(world: World) -> None:
    """A page that posts its whole form is not refused for the sections it only showed."""
    current = world.store.get("p1")
    change = SelfUpdateChange.model_validate(
        {"hours": MONDAY, "description": current.description, "temporary_closure": None}
    )
    view = world.service.edit(_campaign_token(world), expected_version=1, change=change)
    assert view.version == 2


def test_a_stale_change_outside_the_sections_is_a_conflict_not_a_refusal(world: World) -> None:
    token = _campaign_token(world)
    world.service.confirm(token, expected_version=1)
    change = SelfUpdateChange.model_validate({"description": "Autre chose"})
    with pytest.raises(VersionConflict):
        world.service.edit(token, expected_version=1, change=change)


def test_a_link_outside_any_campaign_may_change_every_section(world: World) -> None:
    change = SelfUpdateChange.model_validate({"description": "Autre chose", "hours": MONDAY})
    assert world.service.edit(world.token(), expected_version=1, change=change).version == 2


def test_a_confirmation_records_the_sections_it_confirms(world: World) -> None:
    world.service.confirm(_campaign_token(world, (Section.HOURS,)), expected_version=1)
    entry = world.store.history("p1", limit=1).entries[0]
    assert entry.action is Action.VERIFIED
    assert entry.sections == (Section.HOURS,)
    world.clock.set(NOW + timedelta(minutes=1))
    world.service.confirm(world.token(), expected_version=2)
    assert world.store.history("p1", limit=1).entries[0].sections == ALL_SECTIONS
