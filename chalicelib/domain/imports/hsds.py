"""placeholder"""

from __future__ import annotations

from chalicelib.domain.imports.models import ParsedFile, RecordError


def parse(raw: bytes, *, source: str) -> ParsedFile:
    return ParsedFile(file_errors=[RecordError(field="file", message="not yet")])
