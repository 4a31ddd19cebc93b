"""France-wide files (open data), written department by department, never whole in memory.

A national HSDS, data·inclusion, GeoJSON or CSV file holds every online place of France:
100,000 places as pydantic models and their document would take gigabytes in one worker. The
runner instead reads one department at a time (``DEPARTMENT_CODES``), builds that department's
content with the same builders as a department export, and hands it to ``NationalFile``,
which streams it out:

* JSON documents (HSDS, data·inclusion, GeoJSON) are objects of scalars and arrays. Each array's
  items are appended to a spool file of their own as they come (an HSDS document's arrays sit
  side by side, so they cannot be written to the output in one pass); ``finish`` writes the
  object, copying each spool into its array. Items that several departments produce (an HSDS
  organisation present in two departments, a taxonomy term) are written once, by id. The
  scalars (versions, the data date) must agree between departments.
* CSV: the header once, then each department's rows.

The bytes follow the department export's format exactly (the same separators, UTF-8, the
CSV's byte order mark), so a national file whose places all lie in one department is
byte-for-byte that department's export (tests/unit/exports/test_national.py).
"""

from __future__ import annotations

import codecs
import io
import json
import tempfile
from collections.abc import Callable
from typing import IO, Any

from chalicelib.domain.exports import tabular
from chalicelib.domain.exports.content import ExportContent, JsonContent, TableContent
from chalicelib.domain.exports.models import NATIONAL_FORMATS, ExportFormat
from chalicelib.domain.search.ports import SearchRecordSource, TerritoryKind
from chalicelib.domain.territories import DEPARTMENT_CODES

SHARED_ITEMS: dict[ExportFormat, frozenset[str]] = {
    # An organisation's id derives from its name alone, so one organisation with places in
    # several departments appears in each department's document; terms are the taxonomy's.
    ExportFormat.HSDS: frozenset({"organizations", "taxonomy_terms"}),
}
"""Arrays whose items (by ``id``) more than one department's document may hold."""

COPY_CHUNK_BYTES = 1024 * 1024
SPOOL_MEMORY_BYTES = 4 * 1024 * 1024
"""A spool stays in memory up to this size, then moves to a temporary file (Lambda's /tmp)."""


def temporary_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)


def _json(value: Any) -> bytes:
    # The separators and encoding of a department export (functions/exports/render.json_bytes).
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Array:
    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool
        self.count = 0


class NationalFile:
    """Streams one national file into ``sink``: ``add`` each department's content, then
    ``finish`` (which returns the number of bytes written). ``spool`` makes the temporary
    buffers of a JSON document's arrays; they are closed by ``finish``."""

    def __init__(
        self,
        export_format: ExportFormat,
        sink: IO[bytes],
        *,
        spool: Callable[[], IO[bytes]] = temporary_spool,
    ) -> None:
        if export_format not in NATIONAL_FORMATS:
            raise ValueError(f"no national file in {export_format.value}")
        self._format = export_format
        self._sink = sink
        self._spool = spool
        self._written = 0
        # JSON: the document's keys in order, its scalars, its arrays' spools.
        self._keys: list[str] | None = None
        self._scalars: dict[str, Any] = {}
        self._arrays: dict[str, _Array] = {}
        self._seen: dict[str, set[str]] = {
            key: set() for key in SHARED_ITEMS.get(export_format, frozenset())
        }
        # CSV: whether the header went out.
        self._header = False

    def add(self, content: ExportContent) -> None:
        if content.format is not self._format:
            raise ValueError(f"{content.format.value} content in a {self._format.value} file")
        if isinstance(content, JsonContent):
            self._add_document(content.document)
        elif isinstance(content, TableContent):
            self._add_rows(content)
        else:
            raise ValueError("leaflets have no national file")

    def finish(self) -> int:
        if self._format is ExportFormat.CSV:
            if not self._header:
                self._add_rows(None)
            return self._written
        self._write(b"{")
        for index, key in enumerate(self._keys or ()):
            if index:
                self._write(b",")
            self._write(_json(key) + b":")
            array = self._arrays.get(key)
            if array is None:
                self._write(_json(self._scalars[key]))
                continue
            self._write(b"[")
            array.spool.seek(0)
            while chunk := array.spool.read(COPY_CHUNK_BYTES):
                self._write(chunk)
            array.spool.close()
            self._write(b"]")
        self._write(b"}")
        return self._written

    def _add_document(self, document: dict[str, Any]) -> None:
        if self._keys is None:
            self._keys = list(document)
        elif list(document) != self._keys:
            raise ValueError("departments' documents differ in their keys")
        for key, value in document.items():
            if not isinstance(value, list):
                if key in self._scalars and self._scalars[key] != value:
                    raise ValueError(f"departments' documents disagree on {key!r}")
                self._scalars[key] = value
                continue
            array = self._arrays.get(key)
            if array is None:
                array = self._arrays[key] = _Array(self._spool())
            seen = self._seen.get(key)
            for item in value:
                if seen is not None:
                    if item["id"] in seen:
                        continue
                    seen.add(item["id"])
                array.spool.write((b"," if array.count else b"") + _json(item))
                array.count += 1

    def _add_rows(self, content: TableContent | None) -> None:
        # One department's rows as text at a time: bounded by the largest department.
        text = io.StringIO(newline="")
        if not self._header:
            self._write(codecs.BOM_UTF8)  # spreadsheets then read the accents
            tabular.write_csv_rows(text, [tabular.COLUMNS])
            self._header = True
        if content is not None:
            tabular.write_csv_rows(text, content.rows)
        self._write(text.getvalue().encode("utf-8"))

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._written += len(data)


class RecordDepartments:
    """``OnlineDepartments`` read from the search records: a department is online when its
    search records name at least one place. The schedule asks once a week; reading every
    department's compact records costs about what one reindex of the search cells reads."""

    def __init__(self, records: SearchRecordSource) -> None:
        self._records = records

    def codes(self) -> list[str]:
        return [
            code
            for code in DEPARTMENT_CODES
            if len(self._records.in_territory(TerritoryKind.DEPARTMENT, code).table)
        ]
