"""Back-office roles, the authenticated caller (``Principal``) and who may do what.

Three roles (docs/backoffice.md, "Roles and scopes"):

- ``admin``: everything, everywhere.
- ``territory_moderator``: places whose department is one of its departments (read, create,
  edit, publish, take offline, batch updates); moving a place needs both departments.
- ``volunteer``: creates drafts in its departments and edits the drafts it created, nothing
  else (it never changes a status, so it never publishes).

The checks are pure functions of the principal and the place, so every feature (exports,
submissions, campaigns...) asks the same questions the same way::

    require(can_edit_place(principal, place), "this place is outside your departments")
    require_role(principal, Role.ADMIN)

Authentication (turning a bearer token or verified Cognito claims into a ``Principal``) lives
at the edge: chalicelib/api/auth.py and chalicelib/adapters/auth/.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.models import Place, PlaceStatus

DEPARTMENT_CODE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")


class Role(StrEnum):
    ADMIN = "admin"
    TERRITORY_MODERATOR = "territory_moderator"
    VOLUNTEER = "volunteer"


ROLES_BY_PRECEDENCE: tuple[Role, ...] = (Role.ADMIN, Role.TERRITORY_MODERATOR, Role.VOLUNTEER)
"""When an account holds several roles (several Cognito groups), the first one here wins."""


class Principal(DomainModel):
    """Who is calling: a stable subject (Cognito ``sub``), one role, its departments."""

    subject: str = Field(min_length=1, max_length=256)
    role: Role
    departments: tuple[str, ...] = ()
    display_name: str | None = Field(default=None, max_length=200)

    @field_validator("departments")
    @classmethod
    def _check_departments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not DEPARTMENT_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not a French department code")
        return tuple(sorted(set(value)))

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def covers(self, department: str) -> bool:
        """Whether ``department`` is within this principal's territory (admins: all)."""
        return self.is_admin or department in self.departments


def place_department(place: Place) -> str:
    return place.address.department_code


def is_own_draft(principal: Principal, place: Place) -> bool:
    return (
        place.status is PlaceStatus.DRAFT
        and place.created_by is not None
        and place.created_by == principal.subject
    )


def can_read_place(principal: Principal, place: Place) -> bool:
    """Admin view of a place (private fields and history included)."""
    if principal.role is Role.VOLUNTEER:
        return is_own_draft(principal, place)
    return principal.covers(place_department(place))


def can_edit_place(principal: Principal, place: Place) -> bool:
    """Edit the content of a place (not its status: see ``can_change_status``)."""
    return can_read_place(principal, place)


def can_create_place(principal: Principal, department: str, status: PlaceStatus) -> bool:
    if principal.role is Role.VOLUNTEER:
        return status is PlaceStatus.DRAFT and department in principal.departments
    return principal.covers(department)


def can_change_status(principal: Principal, place: Place, status: PlaceStatus) -> bool:
    """Publish, take offline, close, or send back to draft (to ``status``). Volunteers never
    do; callers ask only when the status really changes."""
    del status  # every transition is open to whoever may change the status at all
    if principal.role is Role.VOLUNTEER:
        return False
    return principal.covers(place_department(place))


def can_move_place(principal: Principal, place: Place, department: str) -> bool:
    """Change a place's department: the old one and the new one must both be in scope."""
    return can_edit_place(principal, place) and principal.covers(department)


def can_run_batch(principal: Principal) -> bool:
    """Start a batch update (each place is then checked with ``can_change_status`` /
    ``can_edit_place``: places outside the scope come back as ``forbidden``)."""
    return principal.role in (Role.ADMIN, Role.TERRITORY_MODERATOR)


def can_manage_announcements(principal: Principal) -> bool:
    return principal.is_admin


def require(
    allowed: bool, message: str = "you are not allowed to do this", *, code: str = "forbidden"
) -> None:
    """Raise Forbidden (HTTP 403, body code ``code``) unless ``allowed``."""
    if not allowed:
        raise Forbidden(message, code=code)


def require_role(principal: Principal, *roles: Role) -> None:
    """Raise Forbidden unless the principal holds one of ``roles``."""
    if principal.role not in roles:
        names = ", ".join(role.value for role in roles)
        raise Forbidden(f"this needs one of the roles: {names}", code="role_required")


def require_department(principal: Principal, department: str) -> None:
    """Raise Forbidden unless ``department`` is within the principal's territory."""
    if not principal.covers(department):
        raise Forbidden(
            f"department {department} is outside your territory",
            field="department",
            code="out_of_scope",
        )
