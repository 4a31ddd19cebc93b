"""A composition root of in-memory fakes for the import tests, and helpers to run a job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.composition.root import Services
from chalicelib.config import get_settings
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.imports.models import ImportFormat, ImportRequest, ImportView
from chalicelib.domain.imports.service import ImportService, file_key
from tests.in_memory_adapters import InMemoryAdapters

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


@dataclass
class Stack:
    adapters: InMemoryAdapters
    root: Services
    clock: FixedClock

    @property
    def service(self) -> ImportService:
        return self.root.import_service

    def upload(
        self, body: bytes, *, fmt: ImportFormat, source: str = "exemple", **request: object
    ) -> str:
        created = self.service.create(
            ADMIN, ImportRequest.model_validate({"format": fmt, "source": source, **request})
        )
        self.adapters.import_files.put(file_key(created.job.id), body)
        return created.job.id

    def dry_run(
        self, body: bytes, *, fmt: ImportFormat, source: str = "exemple", **request: object
    ) -> ImportView:
        return self.service.dry_run(ADMIN, self.upload(body, fmt=fmt, source=source, **request))

    def apply(self, view: ImportView) -> ImportView:
        return self.service.apply(ADMIN, view.job.id, expected_version=view.job.version)


def stack() -> Stack:
    adapters = InMemoryAdapters()
    clock = FixedClock(NOW)
    root = Services(get_settings(), adapters, clock, SequentialIds("imp"))
    return Stack(adapters, root, clock)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
