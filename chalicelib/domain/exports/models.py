"""What an export is: its request, its resolved spec, its job record and its public summary."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.territories import DEPARTMENT_PATTERN

_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
EXPORT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{7,63}$"
MAX_POSTAL_CODES = 60
MAX_SECTIONS = 40


class ExportFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"
    CSV = "csv"
    XLSX = "xlsx"
    HSDS = "hsds"
    DATA_INCLUSION = "data_inclusion"
    GEOJSON = "geojson"

    @property
    def is_leaflet(self) -> bool:
        return self in (ExportFormat.PDF, ExportFormat.HTML)

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]


_EXTENSIONS = {
    ExportFormat.PDF: "pdf",
    ExportFormat.HTML: "html",
    ExportFormat.CSV: "csv",
    ExportFormat.XLSX: "xlsx",
    ExportFormat.HSDS: "hsds.json",
    ExportFormat.DATA_INCLUSION: "data-inclusion.json",
    ExportFormat.GEOJSON: "geojson",
}
_CONTENT_TYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.HSDS: "application/json",
    ExportFormat.DATA_INCLUSION: "application/json",
    ExportFormat.GEOJSON: "application/geo+json",
}


NATIONAL_FORMATS = frozenset(
    {ExportFormat.HSDS, ExportFormat.DATA_INCLUSION, ExportFormat.GEOJSON, ExportFormat.CSV}
)
"""Formats a France-wide file is offered in (chalicelib/domain/exports/national.py). Leaflets
are printed per territory; XLSX is written in memory by openpyxl and caps a sheet at 1,048,576
rows."""


def check_national_formats(formats: Iterable[ExportFormat]) -> None:
    """ValueError unless every format has a France-wide file."""
    refused = sorted(f.value for f in formats if f not in NATIONAL_FORMATS)
    if refused:
        offered = ", ".join(sorted(f.value for f in NATIONAL_FORMATS))
        raise ValueError(
            f"no France-wide file in {', '.join(refused)}: a national export is one of {offered}"
        )


class PaperSize(StrEnum):
    A4 = "a4"  # two columns
    A5 = "a5"  # one column, folds into a pocket


class ClosedPlaces(StrEnum):
    """What becomes of a place (or a service) temporarily closed on the export's date."""

    OMIT = "omit"  # left out (the default of leaflets: a printed list of where to go today)
    MARK = "mark"  # kept, with the closure said (the default of data formats)


class ExportStatus(StrEnum):
    PENDING = "pending"  # recorded and queued
    RUNNING = "running"  # a worker took it
    READY = "ready"  # stored, listed and downloadable
    FAILED = "failed"  # the last attempt failed; the queue retries it


NATIONAL = "FR"
"""The department code of a France-wide export (its jobs are an admin's: no territory
moderator covers it)."""


class Territory(DomainModel):
    """A department, postal codes of one department (a district of a city, a few towns), or
    France (``france: true``: the national open-data files, chalicelib/domain/exports/
    national.py)."""

    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)
    postal_codes: list[str] = Field(default_factory=list, max_length=MAX_POSTAL_CODES)
    france: bool = Field(default=False, description="Every department: a France-wide file.")
    label: str | None = Field(default=None, min_length=1, max_length=120)

    @field_validator("postal_codes")
    @classmethod
    def _check_postal_codes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _POSTAL_CODE.fullmatch(value):
                raise ValueError(f"{value!r} is not a five-digit postal code")
        return sorted(dict.fromkeys(values))

    @model_validator(mode="after")
    def _one_kind(self) -> Territory:
        if [self.department is not None, bool(self.postal_codes), self.france].count(True) != 1:
            raise ValueError("give a department, postal codes or france: true, one of them")
        if self.postal_codes:
            departments = {department_of_postal_code(code) for code in self.postal_codes}
            if len(departments) > 1:
                raise ValueError(
                    "postal codes must belong to one department "
                    f"(found {', '.join(sorted(departments))})"
                )
        return self

    @property
    def department_code(self) -> str:
        """The department of the territory (derived from the postal codes when given;
        ``NATIONAL`` for France)."""
        if self.france:
            return NATIONAL
        if self.department is not None:
            return self.department
        return department_of_postal_code(self.postal_codes[0])

    @property
    def key(self) -> str:
        """A short stable text naming the territory (file names, ids)."""
        if self.france:
            return "france"
        if self.department is not None:
            return self.department.lower()
        if len(self.postal_codes) <= 3:
            return "-".join(self.postal_codes)
        digest = hashlib.sha256(",".join(self.postal_codes).encode()).hexdigest()[:8]
        return f"{self.department_code.lower()}-{len(self.postal_codes)}cp-{digest}"


def department_of_postal_code(postal_code: str) -> str:
    """The department of a French postal code (Corsica split at 20200, overseas on 3 digits)."""
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if int(postal_code) < 20200 else "2B"
    return postal_code[:2]


class LeafletSection(DomainModel):
    """A section of a leaflet: a title and the categories (with descendants) listed in it."""

    title: str = Field(min_length=1, max_length=120)
    categories: list[str] = Field(min_length=1, max_length=50)


class ExportRequest(DomainModel):
    """What an admin (or the schedule) asks for. Unknown fields are errors."""

    territory: Territory
    categories: list[str] = Field(min_length=1, max_length=50)
    format: ExportFormat
    data_date: date | None = Field(
        default=None, description="The date the hours are those of; today (Paris) by default."
    )
    title: str | None = Field(default=None, min_length=1, max_length=120)
    subtitle: str | None = Field(default=None, min_length=1, max_length=200)
    sections: list[LeafletSection] | None = Field(default=None, max_length=MAX_SECTIONS)
    paper: PaperSize = PaperSize.A4
    closed: ClosedPlaces | None = Field(
        default=None, description="omit for leaflets, mark for data formats when not given."
    )
    qr_codes: bool = True

    @field_validator("categories")
    @classmethod
    def _unique_categories(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    def fingerprint(self) -> str:
        """What must not change between two requests under one idempotency key."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class ExportSpec(DomainModel):
    """A request resolved: every default decided, the date fixed. Stored with the job."""

    territory: Territory
    categories: list[str]
    format: ExportFormat
    data_date: date
    title: str
    subtitle: str | None = None
    sections: list[LeafletSection]
    paper: PaperSize = PaperSize.A4
    closed: ClosedPlaces
    qr_codes: bool = True

    @property
    def filename(self) -> str:
        categories = "-".join(_slug(category) for category in self.categories[:3])
        if len(self.categories) > 3:
            categories += f"-{len(self.categories) - 3}plus"
        paper = f"-{self.paper.value}" if self.format.is_leaflet else ""
        return (
            f"repere-{self.territory.key}-{categories}-{self.data_date.isoformat()}{paper}"
            f".{self.format.extension}"
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class ExportOrigin(StrEnum):
    SCHEDULE = "schedule"
    ON_DEMAND = "on_demand"


class ExportRecord(DomainModel):
    """The job and, once ready, the file's metadata. ``download_count`` is kept apart by the
    store (an atomic counter) and is read-only here."""

    id: str = Field(pattern=EXPORT_ID_PATTERN)
    status: ExportStatus = ExportStatus.PENDING
    spec: ExportSpec
    origin: ExportOrigin = ExportOrigin.ON_DEMAND
    schedule_set: str | None = None
    # Private: who asked (an admin's subject). Never in a public view.
    requested_by: str | None = Field(default=None, max_length=256)
    # Of the request made under an idempotency key: the same key with another body is refused.
    request_fingerprint: str | None = Field(default=None, max_length=64)
    requested_at: datetime
    attempts: int = Field(default=0, ge=0)
    started_at: datetime | None = None
    generated_at: datetime | None = None
    object_key: str | None = None
    size_bytes: int | None = Field(default=None, ge=0)
    entry_count: int | None = Field(default=None, ge=0)
    # Private: the last failure, for operators (a short text, never a stack trace).
    error: str | None = Field(default=None, max_length=500)
    download_count: int = Field(default=0, ge=0)
    version: int = Field(default=1, ge=1)

    @property
    def department(self) -> str:
        return self.spec.territory.department_code


class ExportSummary(BaseModel):
    """One ready export, as GET /exports lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    title: str
    subtitle: str | None
    territory: Territory
    department: str
    categories: list[str]
    format: ExportFormat
    paper: PaperSize | None
    data_date: date
    generated_at: datetime
    size_bytes: int
    entry_count: int
    download_count: int
    filename: str
    content_type: str
    download_path: str


def export_summary(record: ExportRecord) -> ExportSummary:
    """Field by field, so a private field of the record stays private."""
    spec = record.spec
    if record.generated_at is None or record.size_bytes is None or record.entry_count is None:
        raise ValueError(f"export {record.id} is not ready")
    return ExportSummary(
        id=record.id,
        title=spec.title,
        subtitle=spec.subtitle,
        territory=spec.territory,
        department=record.department,
        categories=spec.categories,
        format=spec.format,
        paper=spec.paper if spec.format.is_leaflet else None,
        data_date=spec.data_date,
        generated_at=record.generated_at,
        size_bytes=record.size_bytes,
        entry_count=record.entry_count,
        download_count=record.download_count,
        filename=spec.filename,
        content_type=spec.format.content_type,
        download_path=f"/exports/{record.id}/download",
    )


class ExportJob(BaseModel):
    """One export job as the back office reads it (GET /admin/exports/{id}): its status, what
    was asked and, once ready, the file. Who asked is left out."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    status: ExportStatus
    origin: ExportOrigin
    spec: ExportSpec
    requested_at: datetime
    attempts: int
    started_at: datetime | None
    generated_at: datetime | None
    size_bytes: int | None
    entry_count: int | None
    download_count: int
    error: str | None = Field(description="The last failure (a short text), for operators.")
    filename: str
    download_path: str | None = Field(description="Set once the export is ready.")


def export_job(record: ExportRecord) -> ExportJob:
    """Field by field, like ``export_summary``."""
    return ExportJob(
        id=record.id,
        status=record.status,
        origin=record.origin,
        spec=record.spec,
        requested_at=record.requested_at,
        attempts=record.attempts,
        started_at=record.started_at,
        generated_at=record.generated_at,
        size_bytes=record.size_bytes,
        entry_count=record.entry_count,
        download_count=record.download_count,
        error=record.error,
        filename=record.spec.filename,
        download_path=(
            f"/exports/{record.id}/download" if record.status is ExportStatus.READY else None
        ),
    )


class ExportPage(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    records: list[ExportRecord]
    next_cursor: str | None


class DownloadLink(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    url: str
    filename: str
    download_count: int


class ExportMessage(DomainModel):
    """The queue message of one export job: its id only (the job lives in the store)."""

    export_id: str = Field(pattern=EXPORT_ID_PATTERN)


class CategorySet(DomainModel):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    subtitle: str | None = Field(default=None, min_length=1, max_length=200)
    categories: list[str] = Field(min_length=1, max_length=50)
    sections: list[LeafletSection] | None = None


ONLINE_DEPARTMENTS = "online_departments"
"""``territories`` of an export set that follows the data: every department that has online
places on the day the schedule runs."""


class ExportSet(DomainModel):
    """One line of the schedule configuration: territories x category sets x formats.

    ``territories`` is a list, or ``"online_departments"``: every department with online
    places when the schedule runs (``requests`` is then given them), so a territory that
    adopts Repère has its files the week its first place goes online."""

    name: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    territories: (
        Annotated[list[Territory], Field(min_length=1, max_length=200)]
        | Literal["online_departments"]
    )
    category_sets: list[CategorySet] = Field(min_length=1, max_length=20)
    formats: list[ExportFormat] = Field(min_length=1)
    paper: PaperSize = PaperSize.A4
    closed: ClosedPlaces | None = None

    @model_validator(mode="after")
    def _national_formats(self) -> ExportSet:
        if isinstance(self.territories, list) and any(t.france for t in self.territories):
            check_national_formats(self.formats)
        return self

    def requests(
        self, data_date: date, online_departments: Sequence[str] = ()
    ) -> list[ExportRequest]:
        """Its exports on ``data_date``; ``online_departments`` stand for
        ``"online_departments"``."""
        territories = (
            [Territory(department=code) for code in online_departments]
            if self.territories == ONLINE_DEPARTMENTS
            else self.territories
        )
        return [
            ExportRequest(
                territory=territory,
                categories=category_set.categories,
                format=export_format,
                data_date=data_date,
                title=category_set.title,
                subtitle=category_set.subtitle,
                sections=category_set.sections if export_format.is_leaflet else None,
                paper=self.paper,
                closed=self.closed,
            )
            for territory in territories
            for category_set in self.category_sets
            for export_format in self.formats
        ]


class ExportSchedule(DomainModel):
    """The configured export sets (functions/exports/export_sets.json)."""

    timezone: str = "Europe/Paris"
    sets: list[ExportSet] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ExportSchedule:
        names = [export_set.name for export_set in self.sets]
        if len(names) != len(set(names)):
            raise ValueError("export set names must be unique")
        return self
