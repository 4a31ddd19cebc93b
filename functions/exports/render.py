"""Bytes of an export: the ``Renderer`` port over Jinja2, WeasyPrint, segno, csv and openpyxl.

Worker-only: these libraries (and WeasyPrint's native pango) are never imported by the API.
WeasyPrint and openpyxl are imported on first use, so a worker rendering JSON does not pay
for them.
"""

from __future__ import annotations

import base64
import io
import json
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from chalicelib.domain.exports.content import (
    ExportContent,
    JsonContent,
    LeafletContent,
    TableContent,
)
from chalicelib.domain.exports.leaflet import Leaflet
from chalicelib.domain.exports.models import ExportFormat, PaperSize
from chalicelib.domain.exports.tabular import write_csv_rows

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LEAFLET_TEMPLATE = "leaflet.html.j2"


# The QR mask pattern is fixed rather than chosen: choosing it (segno scores the eight) cost
# ~5 ms a code, 5 s of a 1,000-entry leaflet; any mask is a valid code that readers decode.
QR_MASK = 0


@lru_cache(maxsize=4096)
def qr_png_data_uri(url: str) -> str:
    """A QR code of ``url`` as a 1-bit PNG data URI, one pixel per module (error correction
    M: survives a bad photocopy). The stylesheet scales it up without smoothing.

    A PNG rather than an inline SVG: WeasyPrint draws an SVG path per code, ~13 ms each; a
    bitmap is placed at once. Cached: a warm worker renders the same places' links again
    (A4 and A5, weekly sets)."""
    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", border=0, scale=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def qr_image(url: str) -> Markup:
    """The <img> of the QR code of ``url`` (decorative: the link is printed beside it)."""
    return Markup(f'<img class="qr" alt="" src="{qr_png_data_uri(url)}">')  # noqa: S704 - base64 only


def css_string(value: object) -> Markup:
    """A CSS string literal: quotes, backslashes, newlines and ``<`` escaped (it sits in a
    <style> element, where HTML escaping does not apply)."""
    text = str(value)
    escaped = "".join(f"\\{ord(char):X} " if char in '"\\<>\n\r' else char for char in text)
    return Markup(f'"{escaped}"')  # noqa: S704 - every special character is escaped above


def nobreak(value: object) -> str:
    """Spaces made non-breaking: a phone number is never cut across two lines."""
    return str(value).replace(" ", "\u00a0")


class FileRenderer:
    """Implements ``chalicelib.domain.exports.ports.Renderer``."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._templates_dir = templates_dir

    @cached_property
    def _environment(self) -> Environment:
        environment = Environment(
            loader=FileSystemLoader(self._templates_dir),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters["css_string"] = css_string
        environment.filters["nobreak"] = nobreak
        return environment

    def leaflet_html(self, leaflet: Leaflet) -> str:
        template = self._environment.get_template(LEAFLET_TEMPLATE)
        return template.render(leaflet=leaflet, qr=qr_image)

    def render(self, content: ExportContent, *, paper: PaperSize) -> bytes:
        del paper  # the leaflet carries its paper size; other formats have none
        if isinstance(content, LeafletContent):
            html = self.leaflet_html(content.leaflet)
            if content.format is ExportFormat.HTML:
                return html.encode("utf-8")
            return pdf_from_html(html)
        if isinstance(content, TableContent):
            if content.format is ExportFormat.CSV:
                return csv_bytes(content)
            return xlsx_bytes(content)
        return json_bytes(content)


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def csv_bytes(content: TableContent) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte order mark (so that spreadsheets read the accents)."""
    buffer = io.StringIO(newline="")
    write_csv_rows(buffer, [content.columns])
    write_csv_rows(buffer, content.rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(content: TableContent) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=content.sheet_title[:31])
    sheet.append(list(content.columns))
    for row in content.rows:
        # Control characters are not allowed in XLSX cells (openpyxl would refuse the row).
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def json_bytes(content: JsonContent) -> bytes:
    document: dict[str, Any] = content.document
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
