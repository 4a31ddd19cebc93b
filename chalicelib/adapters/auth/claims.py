"""Verified token claims → ``Principal``: one mapping for Cognito and for local tokens.

Claims read (docs/backoffice.md, "Cognito mapping"):

- ``sub``: the subject (stable account id), required.
- ``cognito:groups``: the role is the most privileged of the groups named ``admin``,
  ``territory_moderator`` and ``volunteer`` (other groups are ignored). A list, or the
  string API Gateway's REST authorizer makes of it (``"a,b"`` or ``"[a b]"``).
- ``custom:departments``: comma-separated department codes (``"75,93"``); a custom attribute
  of the user pool, so it reaches the API in the ID token.
- ``name``: optional display name, kept in history entries.

A token without any back-office group is authenticated but allowed nothing (403); claims
that do not parse are an unusable credential (401).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.auth import ROLES_BY_PRECEDENCE, Principal, Role
from chalicelib.domain.errors import Forbidden, Unauthorized

GROUPS_CLAIM = "cognito:groups"
DEPARTMENTS_CLAIM = "custom:departments"


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise Unauthorized("the token names no subject", code="invalid_token")
    groups = _groups(claims.get(GROUPS_CLAIM))
    role = next((role for role in ROLES_BY_PRECEDENCE if role.value in groups), None)
    if role is None:
        raise Forbidden("this account has no back-office role", code="no_role")
    name = claims.get("name")
    try:
        return Principal(
            subject=subject.strip(),
            role=role,
            departments=tuple(_departments(claims.get(DEPARTMENTS_CLAIM))),
            display_name=name if isinstance(name, str) and name.strip() else None,
        )
    except ValidationError:
        raise Unauthorized("the token's claims are malformed", code="invalid_token") from None


def claims_for(
    subject: str, role: Role, departments: tuple[str, ...] = (), name: str | None = None
) -> dict[str, Any]:
    """The claims a token for this principal carries (local tokens use Cognito's names)."""
    claims: dict[str, Any] = {"sub": subject, GROUPS_CLAIM: [role.value]}
    if departments:
        claims[DEPARTMENTS_CLAIM] = ",".join(departments)
    if name:
        claims["name"] = name
    return claims


def _groups(value: object) -> set[str]:
    if isinstance(value, list):
        return {str(item).strip() for item in value}
    if isinstance(value, str):
        cleaned = value.strip().removeprefix("[").removesuffix("]")
        return {part for part in cleaned.replace(",", " ").split() if part}
    return set()


def _departments(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    raise Unauthorized("the token's departments are malformed", code="invalid_token")
