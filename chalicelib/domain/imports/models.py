"""Import jobs, the records a file yields, and the dry-run report.

A job goes ``awaiting_upload`` -> ``ready`` (dry run done: the report is the plan) ->
``applied``; a file that cannot be read at all makes the dry run ``failed`` (the report says
why, per file). ``version`` is the job's ETag: it moves at every state change, so an apply
sent with the ETag of an older report is refused (409).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, JsonValue

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.history import FieldChange
from chalicelib.domain.places.models import PlaceStatus, Source
from chalicelib.domain.territories import DEPARTMENT_PATTERN

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$"


class ImportFormat(StrEnum):
    DATA_INCLUSION_JSON = "data-inclusion-json"
    DATA_INCLUSION_CSV = "data-inclusion-csv"
    HSDS_JSON = "hsds-json"
    SOLIGUIDE_JSON = "soliguide-json"


class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    READY = "ready"  # dry run done: the report is what an apply would do
    FAILED = "failed"  # the file could not be read at all (report.file_errors)
    APPLIED = "applied"


class ImportRequest(DomainModel):
    """``POST /admin/imports``."""

    format: ImportFormat
    source: str = Field(
        pattern=SOURCE_NAME_PATTERN,
        description="Name of the source, kept in each place's `sources` with the record's "
        "id: a later import of the same source updates those places instead of duplicating.",
        examples=["data-inclusion"],
    )
    department: str | None = Field(
        default=None,
        pattern=DEPARTMENT_PATTERN,
        description="Only import records in this department (others are rejected).",
    )
    status: PlaceStatus = Field(
        default=PlaceStatus.DRAFT,
        description="Status of the places an import creates (`draft` or `online`); the "
        "status of places it updates is kept.",
    )


class RecordOutcome(StrEnum):
    NEW = "new"  # dry run: a place an apply would create
    UPDATE = "update"  # dry run: a matched place an apply would change
    UNCHANGED = "unchanged"  # matched, and already as the record says
    REJECTED = "rejected"  # the record is not usable (see error)
    CREATED = "created"  # apply: created
    UPDATED = "updated"  # apply: changed
    CONFLICT = "conflict"  # apply: the place changed since the dry run; left as it is


class MatchKind(StrEnum):
    SOURCE = "source"  # the place already carries this source's id
    DUPLICATE = "duplicate"  # the submissions' duplicate detector (name + 200 m)


class RecordError(DomainModel):
    field: str | None = None
    message: str


class ReportEntry(DomainModel):
    record: int = Field(ge=1, description="Record number in the file, from 1.")
    external_id: str | None = None
    name: str | None = None
    outcome: RecordOutcome
    place_id: str | None = None
    matched_by: MatchKind | None = None
    match_score: float | None = None
    expected_version: int | None = Field(
        default=None, description="The matched place's version when the dry run read it."
    )
    changes: list[FieldChange] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)
    content: dict[str, JsonValue] | None = Field(
        default=None,
        description="The place fields the record carries (what an apply writes).",
    )


class ReportSummary(DomainModel):
    records: int = 0
    new: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    conflict: int = 0


class ImportReport(DomainModel):
    import_id: str
    version: int
    file_errors: list[RecordError] = Field(default_factory=list)
    summary: ReportSummary
    entries: list[ReportEntry]


class ImportJob(DomainModel):
    id: str
    format: ImportFormat
    source: str
    department: str | None = None
    new_place_status: PlaceStatus = PlaceStatus.DRAFT
    status: ImportStatus
    version: int = Field(ge=1)
    created_at: datetime
    updated_at: datetime
    created_by: str
    summary: ReportSummary | None = None
    file_errors: list[RecordError] = Field(default_factory=list)


class ImportCreated(DomainModel):
    """``POST /admin/imports``: the job and where to PUT the file."""

    job: ImportJob
    upload_url: str
    upload_expires_in: int
    upload_max_bytes: int


class ImportView(DomainModel):
    """``GET /admin/imports/{id}`` and the dry run's and apply's answers."""

    job: ImportJob
    report: ImportReport | None = None


class ParsedRecord(DomainModel):
    """One record of a file as Repère place fields (the keys of ``PlaceContent``), with the
    source's id; or the reasons it cannot be used."""

    record: int
    external_id: str | None = None
    name: str | None = None
    source: Source | None = None
    content: dict[str, JsonValue] | None = None
    errors: list[RecordError] = Field(default_factory=list)


class ParsedFile(DomainModel):
    records: list[ParsedRecord] = Field(default_factory=list)
    file_errors: list[RecordError] = Field(default_factory=list)
