"""Ports of the export feature. Adapters: chalicelib/adapters/dynamodb/export_repository.py,
chalicelib/adapters/s3/export_files.py, chalicelib/adapters/sqs/export_queue.py, the renderer
in functions/exports/render.py; in-memory fakes in tests/export_fakes.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import IO, Protocol

from chalicelib.domain.exports.content import ExportContent
from chalicelib.domain.exports.models import ExportFormat, ExportPage, ExportRecord, PaperSize


class ExportRepository(Protocol):
    def add(self, record: ExportRecord) -> None:
        """Store a new job. Raises Conflict when the id is taken."""
        ...

    def get(self, export_id: str) -> ExportRecord:
        """The job with its current download count. Raises NotFound."""
        ...

    def save(self, record: ExportRecord, *, expected_version: int) -> None:
        """Replace the job if the stored version is ``expected_version`` (``record.version``
        must be ``expected_version + 1``). The download count is not written: it only moves
        through ``count_download``. Raises VersionConflict or NotFound."""
        ...

    def list_ready(
        self,
        *,
        department: str | None,
        export_format: ExportFormat | None,
        limit: int,
        cursor: str | None,
    ) -> ExportPage:
        """Ready exports, newest first. Raises InvalidInput for a malformed cursor."""
        ...

    def count_download(self, export_id: str, day: date) -> ExportRecord:
        """Add one to the download count of a READY export and to its count of the local
        ``day`` (the statistics read downloads per day), atomically, and return the record.

        Raises NotFound for an unknown id, Conflict (code ``export_not_ready``) otherwise."""
        ...


class ExportQueue(Protocol):
    def send(self, export_id: str) -> None:
        """Hand the job to the workers (at least once)."""
        ...


class ExportFiles(Protocol):
    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        """Store a rendered file (overwrites: a retried job writes the same key)."""
        ...

    def put_stream(
        self,
        key: str,
        body: IO[bytes],
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        """``put`` for a file read from ``body`` (at its current position) in parts, never
        whole in memory: a national file."""
        ...

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A short-lived URL that downloads the file under ``filename``."""
        ...


class Renderer(Protocol):
    def render(self, content: ExportContent, *, paper: PaperSize) -> bytes:
        """The bytes of the file for content built by the domain."""
        ...


class OnlineDepartments(Protocol):
    def codes(self) -> list[str]:
        """The departments with at least one online place now (``DEPARTMENT_CODES`` order)."""
        ...
