"""Who may do what: every role against places inside and outside its territory."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain.auth import (
    Principal,
    Role,
    can_change_status,
    can_create_place,
    can_edit_place,
    can_manage_announcements,
    can_move_place,
    can_read_place,
    can_run_batch,
    require,
    require_department,
    require_role,
)
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.places.models import Place, PlaceStatus
from tests.builders import make_place

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR = Principal(subject="mod-1", role=Role.TERRITORY_MODERATOR, departments=("75", "93"))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))
OTHER_VOLUNTEER = Principal(subject="vol-2", role=Role.VOLUNTEER, departments=("75",))
PRINCIPALS = {"admin": ADMIN, "moderator": MODERATOR, "volunteer": VOLUNTEER}


def place(
    department: str = "75", status: PlaceStatus = PlaceStatus.ONLINE, **fields: object
) -> Place:
    postal = {"75": "75019", "93": "93200", "13": "13001"}[department]
    return make_place(
        f"p-{department}",
        department=department,
        postal_code=postal,
        city_code=None,
        status=status,
        **fields,  # type: ignore[arg-type]
    )


IN_SCOPE = place("75")
OUT_OF_SCOPE = place("13")
OWN_DRAFT = place("75", PlaceStatus.DRAFT, created_by="vol-1")
OTHERS_DRAFT = place("75", PlaceStatus.DRAFT, created_by="vol-2")
OWN_ONLINE = place("75", PlaceStatus.ONLINE, created_by="vol-1")
OWN_DRAFT_ELSEWHERE = place("13", PlaceStatus.DRAFT, created_by="vol-1")
PLACES = {
    "in_scope": IN_SCOPE,
    "out_of_scope": OUT_OF_SCOPE,
    "own_draft": OWN_DRAFT,
    "others_draft": OTHERS_DRAFT,
    "own_online": OWN_ONLINE,
    "own_draft_elsewhere": OWN_DRAFT_ELSEWHERE,
}

# (principal, place) -> may read and edit the content
EDIT_MATRIX = {
    ("admin", "in_scope"): True,
    ("admin", "out_of_scope"): True,
    ("admin", "own_draft"): True,
    ("admin", "others_draft"): True,
    ("admin", "own_online"): True,
    ("admin", "own_draft_elsewhere"): True,
    ("moderator", "in_scope"): True,
    ("moderator", "out_of_scope"): False,
    ("moderator", "own_draft"): True,
    ("moderator", "others_draft"): True,
    ("moderator", "own_online"): True,
    ("moderator", "own_draft_elsewhere"): False,
    ("volunteer", "in_scope"): False,
    ("volunteer", "out_of_scope"): False,
    ("volunteer", "own_draft"): True,
    ("volunteer", "others_draft"): False,
    ("volunteer", "own_online"): False,  # published: no longer the volunteer's draft
    ("volunteer", "own_draft_elsewhere"): True,  # its own draft, even if moved out later
}


@pytest.mark.parametrize(("who", "what"), sorted(EDIT_MATRIX))
def test_read_and_edit_scope(who: str, what: str) -> None:
    principal, target = PRINCIPALS[who], PLACES[what]

    assert can_read_place(principal, target) is EDIT_MATRIX[(who, what)]
    assert can_edit_place(principal, target) is EDIT_MATRIX[(who, what)]


@pytest.mark.parametrize(
    ("who", "department", "status", "allowed"),
    [
        ("admin", "13", PlaceStatus.ONLINE, True),
        ("admin", "75", PlaceStatus.DRAFT, True),
        ("moderator", "93", PlaceStatus.ONLINE, True),
        ("moderator", "93", PlaceStatus.DRAFT, True),
        ("moderator", "13", PlaceStatus.DRAFT, False),
        ("volunteer", "75", PlaceStatus.DRAFT, True),
        ("volunteer", "75", PlaceStatus.ONLINE, False),
        ("volunteer", "93", PlaceStatus.DRAFT, False),
    ],
)
def test_create_scope(who: str, department: str, status: PlaceStatus, allowed: bool) -> None:
    assert can_create_place(PRINCIPALS[who], department, status) is allowed


@pytest.mark.parametrize(
    ("who", "what", "allowed"),
    [
        ("admin", "in_scope", True),
        ("admin", "out_of_scope", True),
        ("moderator", "in_scope", True),
        ("moderator", "out_of_scope", False),
        ("moderator", "own_draft", True),
        ("volunteer", "own_draft", False),
        ("volunteer", "in_scope", False),
    ],
)
@pytest.mark.parametrize("status", [PlaceStatus.ONLINE, PlaceStatus.OFFLINE, PlaceStatus.DRAFT])
def test_status_changes(who: str, what: str, allowed: bool, status: PlaceStatus) -> None:
    assert can_change_status(PRINCIPALS[who], PLACES[what], status) is allowed


@pytest.mark.parametrize(
    ("who", "what", "to", "allowed"),
    [
        ("admin", "in_scope", "13", True),
        ("moderator", "in_scope", "93", True),
        ("moderator", "in_scope", "13", False),  # into another territory
        ("moderator", "out_of_scope", "75", False),  # out of another territory
        ("volunteer", "own_draft", "75", True),
        ("volunteer", "own_draft", "93", False),
    ],
)
def test_moves_need_both_departments(who: str, what: str, to: str, allowed: bool) -> None:
    assert can_move_place(PRINCIPALS[who], PLACES[what], to) is allowed


@pytest.mark.parametrize(
    ("who", "batch", "announcements"),
    [("admin", True, True), ("moderator", True, False), ("volunteer", False, False)],
)
def test_batch_and_announcement_roles(who: str, batch: bool, announcements: bool) -> None:
    assert can_run_batch(PRINCIPALS[who]) is batch
    assert can_manage_announcements(PRINCIPALS[who]) is announcements


def test_a_moderator_without_departments_covers_nothing() -> None:
    lonely = Principal(subject="mod-2", role=Role.TERRITORY_MODERATOR)

    assert not can_read_place(lonely, IN_SCOPE)
    assert not can_create_place(lonely, "75", PlaceStatus.DRAFT)


def test_a_volunteer_never_edits_a_draft_without_an_author() -> None:
    imported = place("75", PlaceStatus.DRAFT)

    assert not can_edit_place(VOLUNTEER, imported)
    assert not can_edit_place(OTHER_VOLUNTEER, OWN_DRAFT)


def test_principal_departments_are_checked_and_normalised() -> None:
    principal = Principal(
        subject="m", role=Role.TERRITORY_MODERATOR, departments=("93", "2A", "93")
    )

    assert principal.departments == ("2A", "93")
    with pytest.raises(ValidationError):
        Principal(subject="m", role=Role.TERRITORY_MODERATOR, departments=("99",))
    with pytest.raises(ValidationError):
        Principal(subject="", role=Role.ADMIN)


def test_require_helpers_raise_forbidden_with_a_code() -> None:
    require(True)
    with pytest.raises(Forbidden) as denied:
        require(False, "no", code="out_of_scope")
    assert (denied.value.message, denied.value.code) == ("no", "out_of_scope")

    require_role(ADMIN, Role.ADMIN, Role.TERRITORY_MODERATOR)
    with pytest.raises(Forbidden) as wrong_role:
        require_role(VOLUNTEER, Role.ADMIN)
    assert wrong_role.value.code == "role_required"

    require_department(MODERATOR, "93")
    require_department(ADMIN, "13")
    with pytest.raises(Forbidden) as outside:
        require_department(MODERATOR, "13")
    assert (outside.value.code, outside.value.field) == ("out_of_scope", "department")
