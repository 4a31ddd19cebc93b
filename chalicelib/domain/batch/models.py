"""Batch update ("édition groupée"): what a request says, and what it reports per place."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import (
    DomainModel,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    WeeklyHours,
)
from chalicelib.domain.places.editing import PlaceContent
from chalicelib.domain.places.history import FieldChange
from chalicelib.domain.places.models import PlaceStatus

MAX_SELECTED = 20_000
_PLACE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BatchPatch(DomainModel):
    """What the lockdown form changed on many places at once. Absent fields are left alone;
    ``null`` clears a temporary closure, temporary hours or temporary message."""

    status: PlaceStatus | None = None
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None
    hours: WeeklyHours | None = None

    @model_validator(mode="after")
    def _check(self) -> BatchPatch:
        if not self.model_fields_set:
            raise InvalidInput("the patch changes nothing: give at least one field", field="patch")
        for name in ("status", "hours"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise InvalidInput(f"{name} cannot be cleared (null)", field=f"patch.{name}")
        return self

    def as_content(self) -> PlaceContent:
        """The same change as a place patch (only the fields given)."""
        return PlaceContent.model_validate(self.model_dump(include=self.model_fields_set))


class BatchFilter(DomainModel):
    """Places matching all of these (at least one of organisation, department, status)."""

    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    department: str | None = Field(
        default=None, pattern=r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"
    )
    category: str | None = Field(default=None, min_length=1, max_length=100)
    status: PlaceStatus | None = None

    @model_validator(mode="after")
    def _check(self) -> BatchFilter:
        if self.organisation is None and self.department is None and self.status is None:
            raise InvalidInput(
                "a filter needs an organisation, a department or a status",
                field="selection.filter",
            )
        return self


class Selection(DomainModel):
    """Exactly one of ``ids`` and ``filter``."""

    ids: list[str] | None = Field(default=None, min_length=1, max_length=MAX_SELECTED)
    filter: BatchFilter | None = None

    @field_validator("ids")
    @classmethod
    def _check_ids(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for place_id in value:
            if not _PLACE_ID.match(place_id):
                raise ValueError(f"malformed place id {place_id[:70]!r}")
        return list(dict.fromkeys(value))  # a place is patched once, in first-seen order

    @model_validator(mode="after")
    def _exactly_one(self) -> Selection:
        if (self.ids is None) == (self.filter is None):
            raise InvalidInput("select places by ids or by filter (one of them)", field="selection")
        return self


IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,128}$"
"""A batch's idempotency key, chosen by the client (body field and status URL alike)."""


class BatchRequest(DomainModel):
    idempotency_key: str | None = Field(
        default=None,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Chosen by the client; the same key never applies twice (required unless "
        "dry_run).",
    )
    selection: Selection
    patch: BatchPatch
    dry_run: bool = False
    comment: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _key_when_applying(self) -> BatchRequest:
        if not self.dry_run and self.idempotency_key is None:
            raise InvalidInput(
                "applying a batch needs an idempotency_key (a dry run does not)",
                field="idempotency_key",
            )
        return self

    def fingerprint(self) -> str:
        """What must not change between two runs under the same key (dry_run aside)."""
        canonical = json.dumps(
            {
                "selection": self.selection.model_dump(mode="json"),
                "patch": self.patch.model_dump(mode="json", include=self.patch.model_fields_set),
                "comment": self.comment,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def batch_id_for(subject: str, idempotency_key: str) -> str:
    """Keys are the caller's own: two admins choosing the same key do not collide."""
    return hashlib.sha256(f"{subject}\n{idempotency_key}".encode()).hexdigest()[:32]


class ResultStatus(StrEnum):
    APPLIED = "applied"  # in a dry run: would be applied
    UNCHANGED = "unchanged"  # the place already is as the patch says
    CONFLICT = "conflict"  # the place changed since the batch was planned
    FORBIDDEN = "forbidden"  # a change the caller's role may not make (in its territory)
    # No place with this id in the caller's territory: missing and elsewhere answer alike.
    NOT_FOUND = "not_found"


class PlaceResult(DomainModel):
    place_id: str
    status: ResultStatus
    version: int | None = Field(
        default=None,
        description="applied: the version written (dry run: the one it would write); "
        "conflict: the current version; otherwise the version read.",
    )
    changes: list[FieldChange] = Field(default_factory=list)
    message: str | None = None


class PlannedPlace(DomainModel):
    """A place of the batch and the version it had when the batch was planned (0: none)."""

    place_id: str
    version: int = Field(ge=0)


class BatchState(DomainModel):
    """What the ledger keeps of a batch: its plan (resolved once, at the first run) and the
    results of every chunk already done."""

    batch_id: str
    fingerprint: str
    plan: list[PlannedPlace]
    chunk_size: int = Field(ge=1)
    done: dict[int, list[PlaceResult]] = Field(default_factory=dict)
    created_at: datetime
    completed_at: datetime | None = None

    def chunks(self) -> list[list[PlannedPlace]]:
        return [
            self.plan[start : start + self.chunk_size]
            for start in range(0, len(self.plan), self.chunk_size)
        ]


class BatchReport(DomainModel):
    batch_id: str | None
    dry_run: bool
    complete: bool = Field(
        description="False when a run stopped before the end (time budget): run the same "
        "request again to go on."
    )
    replayed: bool = Field(
        description="True when this report was kept from an earlier run of the same key: "
        "nothing was applied this time."
    )
    selected: int
    counts: dict[ResultStatus, int]
    results: list[PlaceResult]


def count_results(results: list[PlaceResult]) -> dict[ResultStatus, int]:
    counts = dict.fromkeys(ResultStatus, 0)
    for result in results:
        counts[result.status] += 1
    return counts
