"""A partner's API key as stored, as listed, and as issued (the only time its secret exists)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.hours.models import DomainModel

KEY_ID_PATTERN = r"^[0-9a-f]{16}$"
KEY_PATTERN = re.compile(r"^rpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$", re.ASCII)
"""What a partner sends in ``x-api-key``: ``rpk_<key id>_<secret>``. The id finds the record
(one GetItem); the secret is 256 random bits in base64url, of which only a hash is kept."""


class Scope(StrEnum):
    """What a key opens. ``search`` raises the quota of ``/search`` (which anonymous callers
    may use too); ``changes`` and ``national_files`` require a key."""

    CHANGES = "changes"
    NATIONAL_FILES = "national_files"
    SEARCH = "search"


class Quota(DomainModel):
    """Requests a key may make: per minute (bursts) and per day (the usage plan's quota)."""

    per_minute: int = Field(ge=1, le=100_000)
    per_day: int = Field(ge=1, le=100_000_000)


class ApiKey(DomainModel):
    """A key as stored. ``secret_sha256`` and ``created_by`` are private: never listed."""

    id: str = Field(pattern=KEY_ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    scopes: tuple[Scope, ...] = Field(min_length=1)
    quota: Quota
    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: datetime
    created_by: str = Field(min_length=1, max_length=256)
    revoked_at: datetime | None = None
    gateway_key_id: str | None = Field(
        default=None,
        max_length=64,
        description="API Gateway's id of the key's copy in the partner usage plan (None "
        "locally, where there is no gateway). Private: never listed.",
    )

    @field_validator("scopes")
    @classmethod
    def _unique_scopes(cls, value: tuple[Scope, ...]) -> tuple[Scope, ...]:
        return tuple(sorted(set(value)))

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes


class KeyRequest(BaseModel):
    """``POST /admin/api-keys``: who the key is for, what it opens, its quota (the stage's
    partner plan when omitted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=120)
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    quota: Quota | None = None


class KeyView(BaseModel):
    """A key as admins list it: no secret, no hash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    scopes: list[Scope]
    quota: Quota
    created_at: datetime
    revoked_at: datetime | None
    prefix: str = Field(description="The start of the key as the partner holds it.")


class IssuedKey(BaseModel):
    """The answer to an issue: the key itself, shown this once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="Send it in the x-api-key header. It is not kept: store it now.")
    api_key: KeyView


def key_view(key: ApiKey) -> KeyView:
    return KeyView(
        id=key.id,
        name=key.name,
        scopes=list(key.scopes),
        quota=key.quota,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        prefix=f"rpk_{key.id}_",
    )
