"""Import jobs: create (with a presigned upload), dry run (the report), apply.

Matching a record to a place, in order:

1. the place this source's record created before: its id is derived from the source name and
   the record's id (``place_id_for``), so a re-import, or a retried apply, finds it by key;
2. an online place near the record (200 m) that already lists ``(source, id)`` in ``sources``
   (a place an earlier import matched by duplicate detection);
3. the submissions' duplicate detector (``find_duplicates``: similar name within 200 m); the
   source's id is then added to that place's ``sources``, so step 2 finds it next time.

Otherwise the record is a new place. The report holds, per record, what an apply writes (the
field groups, computed from the place as the dry run read it, and that version). Apply writes
each place in its own transaction through ``PlaceEditor`` (place, history entry with channel
``import``, search cells and change-feed item together, conditional on the version read); a
place that moved since the dry run is reported ``conflict`` and left alone.

An apply that stopped half-way (a crash, a timeout) can be sent again: a record it already
wrote is recognised by its history entry (``comment`` names the job) and reported as done,
never written twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue, ValidationError

from chalicelib.domain.auth import Principal, Role, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    VersionConflict,
)
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.imports.models import (
    ImportCreated,
    ImportFormat,
    ImportJob,
    ImportReport,
    ImportRequest,
    ImportStatus,
    ImportView,
    MatchKind,
    ParsedFile,
    ParsedRecord,
    RecordError,
    RecordOutcome,
    ReportEntry,
    ReportSummary,
)
from chalicelib.domain.imports.ports import ImportFiles, ImportJobStore
from chalicelib.domain.places.editing import NewPlace, PlaceEditor, PlacePatch, apply_patch
from chalicelib.domain.places.history import Channel, diff_places
from chalicelib.domain.places.models import Place, PlaceStatus, Source
from chalicelib.domain.places.ports import PlaceCreation, PlaceEditStore
from chalicelib.domain.search.ports import CandidateSource
from chalicelib.domain.submissions.duplicates import RADIUS_M, find_duplicates

Parser = Callable[[bytes, str], ParsedFile]
_BATCH_READ = 100


def place_id_for(source: str, external_id: str) -> str:
    """The id of the place a source's record creates: the same on every import."""
    digest = hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()[:24]
    return f"imp-{digest}"


def marker(job_id: str) -> str:
    """The history comment of an import's writes: how a retried apply knows its own."""
    return f"import {job_id}"


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int
    """The largest file any run reads (the worker's)."""
    http_max_file_bytes: int
    """The largest file a dry run or apply over HTTP takes (API Gateway answers in 29 s)."""
    http_max_writes: int = 300
    """The most places an apply over HTTP writes (one transaction each, ~50 ms)."""
    upload_ttl_seconds: int = 900


def default_parsers() -> dict[ImportFormat, Parser]:
    from chalicelib.domain.imports import data_inclusion, hsds, soliguide

    return {
        ImportFormat.DATA_INCLUSION_JSON: lambda raw, source: data_inclusion.parse_json(
            raw, source=source
        ),
        ImportFormat.DATA_INCLUSION_CSV: lambda raw, source: data_inclusion.parse_csv(
            raw, source=source
        ),
        ImportFormat.HSDS_JSON: lambda raw, source: hsds.parse(raw, source=source),
        ImportFormat.SOLIGUIDE_JSON: lambda raw, source: soliguide.parse(raw, source=source),
    }


def file_key(job_id: str) -> str:
    return f"imports/{job_id}/file"


def report_key(job_id: str, version: int) -> str:
    """One report per version: an apply that crashed before saving its job leaves the report
    it was applying in place, so sending the apply again reads the same plan."""
    return f"imports/{job_id}/report-{version}.json"


class ImportService:
    def __init__(
        self,
        jobs: ImportJobStore,
        files: ImportFiles,
        places: PlaceEditStore,
        *,
        candidates: CandidateSource,
        editor: PlaceEditor,
        clock: Clock,
        ids: IdGenerator,
        limits: ImportLimits,
        parsers: dict[ImportFormat, Parser] | None = None,
    ) -> None:
        self._jobs = jobs
        self._files = files
        self._places = places
        self._candidates = candidates
        self._editor = editor
        self._clock = clock
        self._ids = ids
        self._limits = limits
        self._parsers = parsers

    # Jobs ------------------------------------------------------------------------------------

    def create(self, principal: Principal, request: ImportRequest) -> ImportCreated:
        require_role(principal, Role.ADMIN)
        if request.status not in (PlaceStatus.DRAFT, PlaceStatus.ONLINE):
            raise InvalidInput("imported places are created as draft or online", field="status")
        now = self._clock.now()
        job = ImportJob(
            id=self._ids.new_id(),
            format=request.format,
            source=request.source,
            department=request.department,
            new_place_status=request.status,
            status=ImportStatus.AWAITING_UPLOAD,
            version=1,
            created_at=now,
            updated_at=now,
            created_by=principal.subject,
        )
        self._jobs.add(job)
        url = self._files.upload_url(file_key(job.id), expires_in=self._limits.upload_ttl_seconds)
        return ImportCreated(
            job=job,
            upload_url=url,
            upload_expires_in=self._limits.upload_ttl_seconds,
            upload_max_bytes=self._limits.max_file_bytes,
        )

    def view(
        self, principal: Principal, job_id: str, *, offset: int = 0, limit: int | None = None
    ) -> ImportView:
        require_role(principal, Role.ADMIN)
        job = self._jobs.get(job_id)
        report = self._report(job) if job.status is not ImportStatus.AWAITING_UPLOAD else None
        if report is not None and (offset or limit is not None):
            end = None if limit is None else offset + limit
            report = report.model_copy(update={"entries": report.entries[offset:end]})
        return ImportView(job=job, report=report)

    # Dry run ---------------------------------------------------------------------------------

    def dry_run(self, principal: Principal, job_id: str, *, over_http: bool = False) -> ImportView:
        """Read the uploaded file and report what an apply would do; writes no place. May be
        run again (a corrected upload): each run is a new report, with a new version."""
        require_role(principal, Role.ADMIN)
        job = self._jobs.get(job_id)
        if job.status is ImportStatus.APPLIED:
            raise Conflict("this import was applied; create a new one", code="import_applied")
        limit = self._limits.http_max_file_bytes if over_http else self._limits.max_file_bytes
        upload = self._files.read(file_key(job.id), max_bytes=limit)
        if upload is None:
            raise Conflict(
                "no file was uploaded for this import: PUT it to the upload URL first",
                field="file",
                code="not_uploaded",
            )
        if upload.body is None and over_http and upload.size <= self._limits.max_file_bytes:
            raise PayloadTooLarge(
                f"a file of {upload.size} bytes is over the {limit} bytes a dry run over HTTP "
                "reads: run it with the imports worker (docs/imports.md)",
                field="file",
                code="use_worker",
            )
        if upload.body is None:
            parsed = ParsedFile(
                file_errors=[
                    RecordError(
                        field="file",
                        message=f"the file has {upload.size} bytes, over the limit of "
                        f"{self._limits.max_file_bytes}",
                    )
                ]
            )
        else:
            parsed = self._parser(job.format)(upload.body, job.source)
        entries = self._plan(principal, job, parsed) if not parsed.file_errors else []
        status = ImportStatus.FAILED if parsed.file_errors else ImportStatus.READY
        return self._store_report(job, entries, parsed.file_errors, status)

    def _parser(self, import_format: ImportFormat) -> Parser:
        if self._parsers is None:
            self._parsers = default_parsers()
        return self._parsers[import_format]

    def _plan(self, principal: Principal, job: ImportJob, parsed: ParsedFile) -> list[ReportEntry]:
        usable = [r for r in parsed.records if not r.errors and r.content is not None]
        derived = {
            r.record: place_id_for(job.source, r.external_id) for r in usable if r.external_id
        }
        known = self._get_many(list(derived.values()))
        entries: list[ReportEntry] = []
        seen_ids: dict[str, int] = {}
        claimed: dict[str, int] = {}
        for record in parsed.records:
            if record.errors or record.content is None or record.source is None:
                entries.append(_rejected(record, record.errors))
                continue
            first = seen_ids.get(record.external_id or "")
            if first is not None:
                problem = RecordError(field="id", message=f"the same id as record {first}")
                entries.append(_rejected(record, [problem]))
                continue
            if record.external_id is not None:
                seen_ids[record.external_id] = record.record
            entry = self._plan_record(
                principal, job, record, known.get(derived.get(record.record, ""))
            )
            place_id = entry.place_id
            if place_id is not None and entry.outcome is not RecordOutcome.NEW:
                earlier = claimed.setdefault(place_id, record.record)
                if earlier != record.record:
                    problem = RecordError(
                        field="id", message=f"matches the same place as record {earlier}"
                    )
                    entry = _rejected(record, [problem])
            entries.append(entry)
        return entries

    def _plan_record(
        self, principal: Principal, job: ImportJob, record: ParsedRecord, by_id: Place | None
    ) -> ReportEntry:
        content = dict(record.content or {})
        source = record.source or Source(name=job.source, external_id=record.external_id)
        department = _department(content)
        if job.department is not None and department != job.department:
            return _rejected(
                record,
                [
                    RecordError(
                        field="address.department_code",
                        message=f"outside department {job.department}",
                    )
                ],
            )
        try:
            match, kind, score = self._match(record, by_id)
            if match is None:
                return self._plan_new(principal, job, record, content, source)
            return self._plan_update(
                principal,
                record,
                content=content,
                source=source,
                current=match,
                kind=kind,
                score=score,
            )
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(part) for part in problem["loc"]) or None
            return _rejected(record, [RecordError(field=field, message=problem["msg"])])
        except InvalidInput as error:
            return _rejected(record, [RecordError(field=error.field, message=error.message)])

    def _match(
        self, record: ParsedRecord, by_id: Place | None
    ) -> tuple[Place | None, MatchKind | None, float | None]:
        if by_id is not None:
            return by_id, MatchKind.SOURCE, None
        content = record.content or {}
        location = content.get("location")
        name = content.get("name")
        if not isinstance(location, dict) or not isinstance(name, str):
            return None, None, None
        from chalicelib.domain.places.models import GeoPoint

        point = GeoPoint.model_validate(location)
        nearby = self._candidates.near(point, RADIUS_M).places
        source = record.source
        for place in nearby:
            if source is not None and _has_source(place, source):
                return self._fresh(place), MatchKind.SOURCE, None
        duplicates = find_duplicates(name, point, nearby, [])
        if duplicates:
            best = duplicates[0]
            found = next(place for place in nearby if place.id == best.id)
            return self._fresh(found), MatchKind.DUPLICATE, best.score
        return None, None, None

    def _fresh(self, place: Place) -> Place:
        """The place as stored now (search candidates may lag behind)."""
        return self._places.get(place.id)

    def _plan_new(
        self,
        principal: Principal,
        job: ImportJob,
        record: ParsedRecord,
        content: dict[str, Any],
        source: Source,
    ) -> ReportEntry:
        fields = {
            **content,
            "sources": [source.model_dump(mode="json", exclude_none=True)],
            "status": job.new_place_status.value,
        }
        new = NewPlace.model_validate(fields)
        self._editor.plan_create(principal, new, channel=Channel.IMPORT)  # checks, writes nothing
        return ReportEntry(
            record=record.record,
            external_id=record.external_id,
            name=record.name,
            outcome=RecordOutcome.NEW,
            place_id=place_id_for(job.source, record.external_id or str(record.record)),
            content=_json(new.model_dump(mode="json", exclude_none=True)),
        )

    def _plan_update(
        self,
        principal: Principal,
        record: ParsedRecord,
        *,
        content: dict[str, Any],
        source: Source,
        current: Place,
        kind: MatchKind | None,
        score: float | None,
    ) -> ReportEntry:
        # A group the record leaves empty never clears the place's; contacts are merged part
        # by part (a record with an e-mail only keeps the place's phones).
        fields = {name: value for name, value in content.items() if value not in ({}, [])}
        if "contacts" in fields:
            fields["contacts"] = {
                **current.contacts.model_dump(mode="json", exclude_none=True),
                **fields["contacts"],
            }
        fields["sources"] = _with_source(current.sources, source)
        if "services" in fields:
            # The import brings its categories and leaves the place's others alone (a place
            # typed by hand with a shower keeps it when a directory without hygiene matches).
            brought = {service["category"] for service in fields["services"]}
            kept = [
                s.model_dump(mode="json", exclude_none=True)
                for s in current.services
                if s.category not in brought
            ]
            fields["services"] = (fields["services"] + kept)[:50]
        patch = PlacePatch.model_validate(fields)
        updated = apply_patch(current, patch)
        changes = diff_places(current, updated)
        # Only the groups that change: what the report shows is what an apply writes.
        changed = {change.field for change in changes}
        patch_json = {
            name: value
            for name, value in patch.model_dump(mode="json", include=patch.model_fields_set).items()
            if name in changed
        }
        if patch_json:
            self._editor.plan_edit(
                principal,
                current,
                expected_version=current.version,
                patch=PlacePatch.model_validate(patch_json),
                channel=Channel.IMPORT,
            )
        return ReportEntry(
            record=record.record,
            external_id=record.external_id,
            name=record.name,
            outcome=RecordOutcome.UPDATE if changes else RecordOutcome.UNCHANGED,
            place_id=current.id,
            matched_by=kind,
            match_score=score,
            expected_version=current.version,
            changes=changes,
            content=_json(patch_json) if changes else None,
        )

    # Apply -----------------------------------------------------------------------------------

    def apply(
        self, principal: Principal, job_id: str, *, expected_version: int, over_http: bool = False
    ) -> ImportView:
        """Write what the report at ``expected_version`` says (If-Match: that report's ETag)."""
        require_role(principal, Role.ADMIN)
        job = self._jobs.get(job_id)
        if job.version != expected_version:
            raise VersionConflict(
                f"import {job.id!r} is at version {job.version}, not {expected_version}: "
                "read its report again",
                current_version=job.version,
            )
        if job.status is not ImportStatus.READY:
            raise Conflict(
                f"import {job.id!r} is {job.status.value}; only a dry-run report can be applied",
                code=f"import_{job.status.value}",
            )
        report = self._report(job)
        if report is None:
            raise NotFound(f"import {job.id!r} has no report", code="no_report")
        writes = [
            e for e in report.entries if e.outcome in (RecordOutcome.NEW, RecordOutcome.UPDATE)
        ]
        if over_http and len(writes) > self._limits.http_max_writes:
            raise PayloadTooLarge(
                f"{len(writes)} places to write is more than an apply over HTTP does: run it "
                "with the imports worker (docs/imports.md)",
                field="file",
                code="use_worker",
            )
        current = self._get_many(
            [e.place_id for e in writes if e.place_id and e.outcome is RecordOutcome.UPDATE]
        )
        done = [
            self._apply_entry(principal, job, entry, current.get(entry.place_id or ""))
            if entry in writes
            else entry
            for entry in report.entries
        ]
        return self._store_report(job, done, report.file_errors, ImportStatus.APPLIED)

    def _apply_entry(
        self, principal: Principal, job: ImportJob, entry: ReportEntry, current: Place | None
    ) -> ReportEntry:
        if entry.outcome is RecordOutcome.NEW:
            return self._create(principal, job, entry)
        return self._update(principal, job, entry, current)

    def _update(
        self, principal: Principal, job: ImportJob, entry: ReportEntry, current: Place | None
    ) -> ReportEntry:
        if current is None:
            return _conflict(entry, "the place no longer exists")
        if current.version != entry.expected_version:
            if self._written_by(job, current, entry.expected_version):
                return entry.model_copy(update={"outcome": RecordOutcome.UPDATED})
            return _conflict(entry, f"the place is at version {current.version} since the dry run")
        patch = PlacePatch.model_validate(entry.content or {})
        change = self._editor.plan_edit(
            principal,
            current,
            expected_version=current.version,
            patch=patch,
            channel=Channel.IMPORT,
            comment=marker(job.id),
        )
        if change is None:
            return entry.model_copy(update={"outcome": RecordOutcome.UNCHANGED})
        transaction = self._places.transaction()
        transaction.write(change)
        try:
            self._editor.commit(transaction, change)
        except VersionConflict as error:
            return _conflict(entry, error.message)
        return entry.model_copy(update={"outcome": RecordOutcome.UPDATED})

    def _create(self, principal: Principal, job: ImportJob, entry: ReportEntry) -> ReportEntry:
        if entry.place_id is None:  # a NEW entry always names its place (``_plan_new``)
            return _conflict(entry, "the report names no place id")
        new = NewPlace.model_validate(entry.content or {})
        planned = self._editor.plan_create(
            principal, new, channel=Channel.IMPORT, comment=marker(job.id)
        )
        place = planned.place.model_copy(update={"id": entry.place_id, "created_by": None})
        creation = PlaceCreation(
            place=place, entry=planned.entry.model_copy(update={"place_id": entry.place_id})
        )
        transaction = self._places.transaction()
        transaction.create(creation)
        try:
            self._editor.commit(transaction)
        except Conflict:
            try:
                stored = self._places.get(entry.place_id)
            except NotFound:
                return _conflict(entry, "the place's id was taken")
            if stored.version == 1 and self._written_by(job, stored, 0):
                return entry.model_copy(update={"outcome": RecordOutcome.CREATED})
            return _conflict(entry, "a place from this record was created since the dry run")
        return entry.model_copy(update={"outcome": RecordOutcome.CREATED})

    def _written_by(self, job: ImportJob, place: Place, read_version: int | None) -> bool:
        """Did this job write ``read_version`` + 1 (an apply sent again after a crash)?"""
        if read_version is None or place.version != read_version + 1:
            return False
        written = self._places.history_entry(place.id, read_version + 1)
        return written is not None and written.comment == marker(job.id)

    # Reports ---------------------------------------------------------------------------------

    def _store_report(
        self,
        job: ImportJob,
        entries: list[ReportEntry],
        file_errors: Sequence[RecordError],
        status: ImportStatus,
    ) -> ImportView:
        summary = _summary(entries)
        updated = job.model_copy(
            update={
                "status": status,
                "version": job.version + 1,
                "updated_at": self._clock.now(),
                "summary": summary,
                "file_errors": list(file_errors),
            }
        )
        report = ImportReport(
            import_id=job.id,
            version=updated.version,
            file_errors=list(file_errors),
            summary=summary,
            entries=entries,
        )
        # The report first: a job never points at a report that is not stored. Of two runs of
        # the same job at once, one loses at the job's conditional save (409).
        self._files.put_report(
            report_key(job.id, report.version), report.model_dump_json().encode()
        )
        self._jobs.save(updated, expected_version=job.version)
        return ImportView(job=updated, report=report)

    def _report(self, job: ImportJob) -> ImportReport | None:
        raw = self._files.get_report(report_key(job.id, job.version))
        return ImportReport.model_validate_json(raw) if raw is not None else None

    def _get_many(self, place_ids: Sequence[str]) -> dict[str, Place]:
        found: dict[str, Place] = {}
        unique = list(dict.fromkeys(place_ids))
        for start in range(0, len(unique), _BATCH_READ):
            found.update(self._places.get_many(unique[start : start + _BATCH_READ]))
        return found


def _json(data: dict[str, Any]) -> dict[str, JsonValue]:
    return data


def _department(content: dict[str, Any]) -> str | None:
    address = content.get("address")
    if isinstance(address, dict):
        code = address.get("department_code")
        return code if isinstance(code, str) else None
    return None


def _has_source(place: Place, source: Source) -> bool:
    return any(
        known.name == source.name and known.external_id == source.external_id
        for known in place.sources
    )


def _with_source(sources: Sequence[Source], source: Source) -> list[dict[str, Any]]:
    if source in sources:
        return [s.model_dump(mode="json", exclude_none=True) for s in sources]
    kept = [
        s.model_dump(mode="json", exclude_none=True)
        for s in sources
        if not (s.name == source.name and s.external_id == source.external_id)
    ]
    return [*kept, source.model_dump(mode="json", exclude_none=True)]


def _rejected(record: ParsedRecord, errors: Sequence[RecordError]) -> ReportEntry:
    return ReportEntry(
        record=record.record,
        external_id=record.external_id,
        name=record.name,
        outcome=RecordOutcome.REJECTED,
        errors=list(errors),
    )


def _conflict(entry: ReportEntry, message: str) -> ReportEntry:
    return entry.model_copy(
        update={
            "outcome": RecordOutcome.CONFLICT,
            "errors": [RecordError(field="version", message=message)],
        }
    )


def _summary(entries: Sequence[ReportEntry]) -> ReportSummary:
    counts: dict[str, int] = {"records": len(entries)}
    for entry in entries:
        counts[entry.outcome.value] = counts.get(entry.outcome.value, 0) + 1
    return ReportSummary.model_validate(counts)
