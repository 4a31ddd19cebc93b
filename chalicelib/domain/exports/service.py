"""Use cases of exports.

``ExportService`` runs where the API runs (light): it validates a request, records the job and
queues it; it lists ready exports and hands out download links. ``ExportRunner`` runs in the
worker: it renders a job and stores the file. Both receive their ports and a clock.

Job life: PENDING (recorded, queued) -> RUNNING (a worker took it) -> READY (stored, listed) or
FAILED (the message returns to the queue, which retries it, then parks it in its dead-letter
queue). Every transition is a write conditional on the version read, so two workers handed
the same message cannot both complete it; a message for a READY job is acknowledged without
work (queues deliver at least once).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import IO
from zoneinfo import ZoneInfo

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.exports.content import (
    ExportContent,
    JsonContent,
    LeafletContent,
    build_content,
)
from chalicelib.domain.exports.leaflet import default_sections
from chalicelib.domain.exports.models import (
    ONLINE_DEPARTMENTS,
    ClosedPlaces,
    DownloadLink,
    ExportFormat,
    ExportOrigin,
    ExportRecord,
    ExportRequest,
    ExportSchedule,
    ExportSpec,
    ExportStatus,
    ExportSummary,
    LeafletSection,
    PaperSize,
    Territory,
    check_national_formats,
    export_summary,
)
from chalicelib.domain.exports.national import NationalFile, temporary_spool
from chalicelib.domain.exports.ports import (
    ExportFiles,
    ExportQueue,
    ExportRepository,
    OnlineDepartments,
    Renderer,
)
from chalicelib.domain.exports.selection import SelectedPlace, select_places, wanted_categories
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.ports import CandidateSource, TerritoryKind
from chalicelib.domain.taxonomy.taxonomy import Taxonomy
from chalicelib.domain.territories import DEPARTMENT_CODES

# How far from today the date of an export may be: next week's leaflet, last month's archive.
MAX_DATE_DISTANCE = timedelta(days=366)
ERROR_TEXT_LIMIT = 300


def random_export_id() -> str:
    return f"exp-{uuid.uuid4().hex}"


def keyed_export_id(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


class ExportService:
    def __init__(
        self,
        repository: ExportRepository,
        queue: ExportQueue,
        files: ExportFiles,
        taxonomy: Taxonomy,
        clock: Clock,
        *,
        timezone: str,
        download_ttl_seconds: int,
        new_id: Callable[[], str] = random_export_id,
        departments: OnlineDepartments | None = None,
    ) -> None:
        """``departments``: who has online places, for export sets that follow the data
        (``territories: "online_departments"``); a schedule naming one fails without it."""
        self._repository = repository
        self._queue = queue
        self._files = files
        self._taxonomy = taxonomy
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._download_ttl = download_ttl_seconds
        self._new_id = new_id
        self._departments = departments

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    def resolve(self, request: ExportRequest, today: date) -> ExportSpec:
        """Every default decided; InvalidInput (naming the field) for what cannot be."""
        taxonomy = self._taxonomy
        for category in request.categories:
            if category not in taxonomy:
                raise InvalidInput(
                    f"unknown category {category!r}; see GET /categories", field="categories"
                )
        data_date = request.data_date or today
        if abs(data_date - today) > MAX_DATE_DISTANCE:
            raise InvalidInput(
                f"data_date must be within {MAX_DATE_DISTANCE.days} days of today",
                field="data_date",
            )
        export_format = request.format
        if request.territory.france:
            try:
                check_national_formats([export_format])
            except ValueError as error:
                raise InvalidInput(str(error), field="format") from None
        if export_format.is_leaflet:
            sections = request.sections or default_sections(taxonomy, request.categories)
            self._check_sections(request, sections)
        elif request.sections:
            raise InvalidInput("sections apply to leaflets (pdf, html) only", field="sections")
        else:
            sections = []
        closed = request.closed or (
            ClosedPlaces.OMIT if export_format.is_leaflet else ClosedPlaces.MARK
        )
        title = request.title or ", ".join(taxonomy.get(c).fr for c in request.categories)
        return ExportSpec(
            territory=request.territory,
            categories=request.categories,
            format=export_format,
            data_date=data_date,
            title=title,
            subtitle=request.subtitle,
            sections=sections,
            # Paper and QR codes only mean something on paper: fixed elsewhere, so that two
            # requests for the same CSV are the same export.
            paper=request.paper if export_format.is_leaflet else PaperSize.A4,
            closed=closed,
            qr_codes=request.qr_codes if export_format.is_leaflet else False,
        )

    def _check_sections(self, request: ExportRequest, sections: Sequence[LeafletSection]) -> None:
        wanted = wanted_categories(self._taxonomy, request.categories)
        covered: set[str] = set()
        for section in sections:
            for category in section.categories:
                if category not in self._taxonomy:
                    raise InvalidInput(
                        f"unknown category {category!r} in section {section.title!r}",
                        field="sections",
                    )
                descendants = self._taxonomy.descendants(category)
                if not descendants <= wanted:
                    raise InvalidInput(
                        f"section {section.title!r} lists {category!r}, outside the export's "
                        "categories",
                        field="sections",
                    )
                covered |= descendants
        # Services are filed under leaf categories: every leaf asked for needs a section.
        leaves = {c for c in wanted if not self._taxonomy.get(c).children}
        missing = sorted(leaves - covered)
        if missing:
            raise InvalidInput(
                f"categories {', '.join(missing)} are in no section", field="sections"
            )

    def request_export(
        self,
        request: ExportRequest,
        *,
        requested_by: str | None = None,
        idempotency_key: str | None = None,
        origin: ExportOrigin = ExportOrigin.ON_DEMAND,
        schedule_set: str | None = None,
    ) -> ExportRecord:
        """Validate, record a PENDING job and queue it; return the job (its id is the handle).

        With an ``idempotency_key`` the id is derived from it: asking again (a retried HTTP
        call, a twice-delivered schedule event) returns the same job, queued again unless it
        is ready, instead of a second export.
        """
        now = self._clock.now()
        spec = self.resolve(request, now.astimezone(self._zone).date())
        export_id = (
            self._new_id()
            if idempotency_key is None
            else keyed_export_id(
                "sch" if origin is ExportOrigin.SCHEDULE else "req", idempotency_key
            )
        )
        fingerprint = None if idempotency_key is None else request.fingerprint()
        record = ExportRecord(
            id=export_id,
            spec=spec,
            origin=origin,
            schedule_set=schedule_set,
            requested_by=requested_by,
            request_fingerprint=fingerprint,
            requested_at=now,
        )
        try:
            self._repository.add(record)
        except Conflict:
            if idempotency_key is None:
                raise
            existing = self._repository.get(export_id)
            if existing.request_fingerprint not in (None, fingerprint):
                raise Conflict(
                    "this idempotency key was used for another export: choose a new key",
                    field="Idempotency-Key",
                    code="idempotency_key_reused",
                ) from None
            if existing.status is not ExportStatus.READY:
                self._queue.send(existing.id)
            return existing
        self._queue.send(record.id)
        return record

    def request_export_as(
        self,
        principal: Principal,
        request: ExportRequest,
        *,
        idempotency_key: str | None = None,
    ) -> ExportRecord:
        """``request_export`` for a back-office caller: admins anywhere, territory moderators
        in their departments (Forbidden otherwise). Idempotency keys are the caller's own:
        two admins choosing the same key do not share an export."""
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        require_department(principal, request.territory.department_code)
        key = None if idempotency_key is None else f"{principal.subject}\n{idempotency_key}"
        return self.request_export(request, requested_by=principal.subject, idempotency_key=key)

    def job(self, principal: Principal, export_id: str) -> ExportRecord:
        """One job, for its status: NotFound, or Forbidden outside the caller's departments."""
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        record = self._repository.get(export_id)
        require_department(principal, record.department)
        return record

    def schedule(
        self, schedule: ExportSchedule, at: datetime, set_names: Sequence[str] | None = None
    ) -> list[ExportRecord]:
        """Queue every export of the chosen sets (all by default) for ``at``'s local date."""
        known = {export_set.name: export_set for export_set in schedule.sets}
        names = list(known) if not set_names else list(dict.fromkeys(set_names))
        unknown = [name for name in names if name not in known]
        if unknown:
            raise InvalidInput(f"unknown export sets: {', '.join(unknown)}", field="sets")
        data_date = at.astimezone(ZoneInfo(schedule.timezone)).date()
        online: list[str] = []
        if any(known[name].territories == ONLINE_DEPARTMENTS for name in names):
            if self._departments is None:
                raise RuntimeError("export sets follow the online departments: none was given")
            online = self._departments.codes()
        records = []
        for name in names:
            for request in known[name].requests(data_date, online):
                key = f"{name}|{request.model_dump_json()}"
                records.append(
                    self.request_export(
                        request,
                        idempotency_key=key,
                        origin=ExportOrigin.SCHEDULE,
                        schedule_set=name,
                    )
                )
        return records

    def list_exports(
        self,
        *,
        department: str | None,
        export_format: ExportFormat | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[ExportSummary], str | None]:
        page = self._repository.list_ready(
            department=department, export_format=export_format, limit=limit, cursor=cursor
        )
        return [export_summary(record) for record in page.records], page.next_cursor

    def download(
        self, export_id: str, *, national_access: Callable[[], object] | None = None
    ) -> DownloadLink:
        """Count the download and give a short-lived link to the file. A France-wide file is
        for partners: ``national_access`` must admit the caller first (it raises: 401, 403,
        429), and a stage that gives none serves no national file."""
        if self._repository.get(export_id).spec.territory.france:
            if national_access is None:
                raise Forbidden(
                    "France-wide files are served to partners with a key",
                    field="x-api-key",
                    code="api_key_required",
                )
            national_access()
        record = self._repository.count_download(export_id, self.today())
        if record.object_key is None:
            raise Conflict(f"export {export_id!r} is not ready", code="export_not_ready")
        filename = record.spec.filename
        url = self._files.download_url(
            record.object_key, filename=filename, expires_in=self._download_ttl
        )
        return DownloadLink(url=url, filename=filename, download_count=record.download_count)


def object_key(record: ExportRecord) -> str:
    spec = record.spec
    return f"exports/{record.department}/{spec.data_date.isoformat()}/{record.id}/{spec.filename}"


def object_metadata(record: ExportRecord, entries: int) -> dict[str, str]:
    """S3 user metadata (ASCII only: codes and ids, never labels)."""
    spec = record.spec
    territory = spec.territory
    return {
        "export-id": record.id,
        "department": record.department,
        "territory": territory.key
        if territory.france
        else (territory.department or ",".join(territory.postal_codes)),
        "categories": ",".join(spec.categories),
        "format": spec.format.value,
        "data-date": spec.data_date.isoformat(),
        "generated-at": (record.generated_at or record.requested_at).isoformat(),
        "entries": str(entries),
    }


def entry_count(content: ExportContent, selected: Sequence[SelectedPlace]) -> int:
    if isinstance(content, LeafletContent):
        return content.leaflet.entry_count
    if isinstance(content, JsonContent):
        document = content.document
        for key in ("features", "structures", "locations"):
            if key in document:
                return len(document[key])
    return len(selected)


class ExportRunner:
    def __init__(
        self,
        repository: ExportRepository,
        candidates: CandidateSource,
        *,
        files: ExportFiles,
        renderer: Renderer,
        taxonomy: Taxonomy,
        clock: Clock,
        base_url: str,
        spool: Callable[[], IO[bytes]] = temporary_spool,
    ) -> None:
        """``spool``: temporary files of national exports (memory, then Lambda's /tmp)."""
        self._repository = repository
        self._candidates = candidates
        self._spool = spool
        self._files = files
        self._renderer = renderer
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url

    def run(self, export_id: str) -> ExportRecord:
        """Render and store one job. Re-raises what failed, after recording it on the job."""
        record = self._repository.get(export_id)
        if record.status is ExportStatus.READY:
            return record
        running = record.model_copy(
            update={
                "status": ExportStatus.RUNNING,
                "attempts": record.attempts + 1,
                "started_at": self._clock.now(),
                "error": None,
                "version": record.version + 1,
            }
        )
        self._repository.save(running, expected_version=record.version)
        try:
            ready = self._render_and_store(running)
        except Exception as error:
            failed = running.model_copy(
                update={
                    "status": ExportStatus.FAILED,
                    "error": f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT],
                    "version": running.version + 1,
                }
            )
            self._repository.save(failed, expected_version=running.version)
            raise
        self._repository.save(ready, expected_version=running.version)
        return ready

    def _render_and_store(self, running: ExportRecord) -> ExportRecord:
        spec = running.spec
        if spec.territory.france:
            return self._render_and_store_national(running)
        selected = select_places(
            self._places(spec.territory),
            territory=spec.territory,
            wanted=wanted_categories(self._taxonomy, spec.categories),
            day=spec.data_date,
            closed=spec.closed,
        )
        content = build_content(selected, spec, self._taxonomy, self._base_url)
        body = self._renderer.render(content, paper=spec.paper)
        entries = entry_count(content, selected)
        ready = self._ready(running, len(body), entries)
        assert ready.object_key is not None  # noqa: S101 - set just above
        self._files.put(
            ready.object_key,
            body,
            content_type=spec.format.content_type,
            filename=spec.filename,
            metadata=object_metadata(ready, entries),
        )
        return ready

    def _render_and_store_national(self, running: ExportRecord) -> ExportRecord:
        """A France-wide file, department by department: one department's places in memory
        at a time, the file itself in a spool (chalicelib/domain/exports/national.py)."""
        spec = running.spec
        wanted = wanted_categories(self._taxonomy, spec.categories)
        entries = 0
        with self._spool() as body:
            national = NationalFile(spec.format, body, spool=self._spool)
            for code in DEPARTMENT_CODES:
                department = Territory(department=code)
                places = self._places(department)
                if not places:
                    continue
                selected = select_places(
                    places,
                    territory=department,
                    wanted=wanted,
                    day=spec.data_date,
                    closed=spec.closed,
                )
                content = build_content(selected, spec, self._taxonomy, self._base_url)
                entries += entry_count(content, selected)
                national.add(content)
                del places, selected, content  # before the next department is read
            size = national.finish()
            ready = self._ready(running, size, entries)
            assert ready.object_key is not None  # noqa: S101 - set by _ready
            body.seek(0)
            self._files.put_stream(
                ready.object_key,
                body,
                content_type=spec.format.content_type,
                filename=spec.filename,
                metadata=object_metadata(ready, entries),
            )
        return ready

    def _ready(self, running: ExportRecord, size: int, entries: int) -> ExportRecord:
        return running.model_copy(
            update={
                "status": ExportStatus.READY,
                "generated_at": self._clock.now(),
                "object_key": object_key(running),
                "size_bytes": size,
                "entry_count": entries,
                "version": running.version + 1,
            }
        )

    def _places(self, territory: Territory) -> list[Place]:
        if territory.department is not None:
            return self._candidates.in_territory(
                TerritoryKind.DEPARTMENT, territory.department
            ).places
        places: list[Place] = []
        for code in territory.postal_codes:
            places.extend(self._candidates.in_territory(TerritoryKind.POSTAL_CODE, code).places)
        return places
