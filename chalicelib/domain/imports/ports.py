"""Ports of imports. Adapters: chalicelib/adapters/dynamodb/imports.py and
chalicelib/adapters/s3/import_files.py; fakes: tests/import_fakes.py (the job store passes
tests/contract/test_import_job_store_contract.py on both)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.imports.models import ImportJob


class ImportJobStore(Protocol):
    def add(self, job: ImportJob) -> None:
        """Store a new job. Raises Conflict when the id is taken."""
        ...

    def get(self, job_id: str) -> ImportJob:
        """The job (strongly consistent). Raises NotFound."""
        ...

    def save(self, job: ImportJob, *, expected_version: int) -> None:
        """Replace the job, only if the stored one is at ``expected_version`` (``job.version``
        is the next one). Raises VersionConflict (with the current version), NotFound."""
        ...


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its size, and its bytes when it is within the limit asked."""

    size: int
    body: bytes | None


class ImportFiles(Protocol):
    def upload_url(self, key: str, *, expires_in: int) -> str:
        """A presigned URL to PUT the file at ``key``."""
        ...

    def read(self, key: str, *, max_bytes: int) -> Upload | None:
        """The file at ``key`` (None when nothing was uploaded); its body is None when it is
        larger than ``max_bytes`` (never read whole)."""
        ...

    def put_report(self, key: str, body: bytes) -> None:
        """Store a report (JSON)."""
        ...

    def get_report(self, key: str) -> bytes | None:
        """A stored report, or None."""
        ...
