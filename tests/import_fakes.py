"""In-memory import jobs (``ImportJobStore``) and files (``ImportFiles``)."""

from __future__ import annotations

from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.imports.models import ImportJob
from chalicelib.domain.imports.ports import Upload


class InMemoryImportJobStore:
    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}

    def add(self, job: ImportJob) -> None:
        if job.id in self.jobs:
            raise Conflict(f"an import with id {job.id!r} exists", field="id")
        self.jobs[job.id] = job

    def get(self, job_id: str) -> ImportJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no import with id {job_id!r}", field="import_id")
        return job

    def save(self, job: ImportJob, *, expected_version: int) -> None:
        current = self.get(job.id)
        if current.version != expected_version:
            raise VersionConflict(
                f"import {job.id!r} is at version {current.version}, not {expected_version}",
                current_version=current.version,
            )
        self.jobs[job.id] = job


class InMemoryImportFiles:
    """Objects by key; ``upload_url`` answers a fake URL naming the key (tests ``put`` the
    file themselves, as a client would PUT it)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reads: list[tuple[str, int]] = []

    def put(self, key: str, body: bytes) -> None:
        self.objects[key] = body

    def upload_url(self, key: str, *, expires_in: int) -> str:
        return f"https://uploads.example.test/{key}?expires={expires_in}"

    def read(self, key: str, *, max_bytes: int) -> Upload | None:
        self.reads.append((key, max_bytes))
        body = self.objects.get(key)
        if body is None:
            return None
        return Upload(size=len(body), body=body if len(body) <= max_bytes else None)

    def put_report(self, key: str, body: bytes) -> None:
        self.objects[key] = body

    def get_report(self, key: str) -> bytes | None:
        return self.objects.get(key)
