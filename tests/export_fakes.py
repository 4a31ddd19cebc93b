"""In-memory implementations of the export ports (they pass tests/contract/
test_export_repository_contract.py like the DynamoDB adapter)."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, VersionConflict
from chalicelib.domain.exports.content import ExportContent
from chalicelib.domain.exports.models import (
    ExportFormat,
    ExportPage,
    ExportRecord,
    ExportStatus,
    PaperSize,
)


class InMemoryExportRepository:
    def __init__(self) -> None:
        self.records: dict[str, ExportRecord] = {}
        self.downloads: dict[str, int] = {}
        self.downloads_on: Counter[tuple[str, date]] = Counter()

    def add(self, record: ExportRecord) -> None:
        if record.id in self.records:
            raise Conflict(f"an export with id {record.id!r} exists", field="id")
        self.records[record.id] = record
        self.downloads[record.id] = record.download_count

    def get(self, export_id: str) -> ExportRecord:
        try:
            record = self.records[export_id]
        except KeyError:
            raise NotFound(f"no export with id {export_id!r}", field="id") from None
        return record.model_copy(update={"download_count": self.downloads[export_id]})

    def save(self, record: ExportRecord, *, expected_version: int) -> None:
        if record.version != expected_version + 1:
            raise ValueError("a saved export must carry expected_version + 1")
        current = self.records.get(record.id)
        if current is None:
            raise NotFound(f"no export with id {record.id!r}", field="id")
        if current.version != expected_version:
            raise VersionConflict(
                f"export {record.id!r} is at version {current.version}",
                current_version=current.version,
            )
        self.records[record.id] = record

    def list_ready(
        self,
        *,
        department: str | None,
        export_format: ExportFormat | None,
        limit: int,
        cursor: str | None,
    ) -> ExportPage:
        ready = sorted(
            (
                self.get(record.id)
                for record in self.records.values()
                if record.status is ExportStatus.READY
                and (department is None or record.department == department)
                and (export_format is None or record.spec.format is export_format)
            ),
            key=lambda record: (record.generated_at, record.id),
            reverse=True,
        )
        start = 0
        if cursor is not None:
            try:
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
            except ValueError:
                raise InvalidInput("malformed cursor", field="cursor") from None
        page = ready[start : start + limit]
        more = start + limit < len(ready)
        next_cursor = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return ExportPage(records=page, next_cursor=next_cursor if more else None)

    def count_download(self, export_id: str, day: date) -> ExportRecord:
        record = self.get(export_id)
        if record.status is not ExportStatus.READY:
            raise Conflict(f"export {export_id!r} is not ready", code="export_not_ready")
        self.downloads[export_id] += 1
        self.downloads_on[(export_id, day)] += 1
        return self.get(export_id)


class InMemoryExportQueue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, export_id: str) -> None:
        self.sent.append(export_id)


@dataclass
class StoredFile:
    body: bytes
    content_type: str
    filename: str
    metadata: dict[str, str]


@dataclass
class InMemoryExportFiles:
    files: dict[str, StoredFile] = field(default_factory=dict)

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        self.files[key] = StoredFile(body, content_type, filename, dict(metadata))

    def put_stream(
        self,
        key: str,
        body: IO[bytes],
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        self.put(key, body.read(), content_type=content_type, filename=filename, metadata=metadata)

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        return f"https://files.example.org/{key}?filename={filename}&expires={expires_in}"


class FailingRenderer:
    """A renderer that breaks, to test what a failed job leaves behind."""

    def render(self, content: ExportContent, *, paper: PaperSize) -> bytes:
        raise RuntimeError("renderer exploded")
