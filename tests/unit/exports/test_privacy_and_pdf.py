"""No private field in any export; the reference leaflet's PDF and HTML say what it prints.

The PDF renders (WeasyPrint, about a second each) are kept to one module-scoped fixture.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from chalicelib.domain.exports.content import build_content
from chalicelib.domain.exports.leaflet import default_sections
from chalicelib.domain.exports.models import (
    ClosedPlaces,
    ExportFormat,
    ExportSpec,
    PaperSize,
    Territory,
)
from chalicelib.domain.exports.selection import select_places, wanted_categories
from chalicelib.domain.places.models import PRIVATE_FIELDS, Place
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.exports.render import QR_MASK, FileRenderer, qr_png_data_uri
from tests.builders import make_full_place
from tests.unit.exports.reference import (
    BASE_URL,
    SECTIONS,
    expected_hours_lines,
    reference_places,
    reference_spec,
)

TAXONOMY = default_taxonomy()
SENTINEL = "SENTINEL-PRIVATE-7f3a"


def _render(places: list[Place], spec: ExportSpec) -> bytes:
    selected = select_places(
        places,
        territory=spec.territory,
        wanted=wanted_categories(TAXONOMY, spec.categories),
        day=spec.data_date,
        closed=spec.closed,
    )
    content = build_content(selected, spec, TAXONOMY, BASE_URL)
    return FileRenderer().render(content, paper=spec.paper)


def _private_place() -> Place:
    """A full place whose every private text field holds the sentinel."""
    place = make_full_place()
    private = {
        name: SENTINEL
        for name in PRIVATE_FIELDS
        if name in Place.model_fields and Place.model_fields[name].annotation in (str, str | None)
    }
    assert private, "no private text field to plant the sentinel in"
    return place.model_copy(update=private)


@pytest.mark.parametrize("export_format", list(ExportFormat))
def test_no_export_format_carries_a_private_field(export_format: ExportFormat) -> None:
    spec = ExportSpec(
        territory=Territory(department="75"),
        categories=list(TAXONOMY.roots),
        format=export_format,
        data_date=date(2024, 3, 14),
        title="Tout",
        sections=default_sections(TAXONOMY, list(TAXONOMY.roots))
        if export_format.is_leaflet
        else [],
        closed=ClosedPlaces.MARK,
        qr_codes=False,
    )
    body = _render([_private_place()], spec)
    if export_format is ExportFormat.PDF:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        assert "Lieu full-1" in text  # the place is there...
        assert SENTINEL not in text  # ...without its private note
        assert SENTINEL.encode() not in body
    elif export_format is ExportFormat.XLSX:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                assert SENTINEL.encode() not in archive.read(name), name
    else:
        assert b"full-1" in body
        assert SENTINEL.encode() not in body


def _normalise(text: str) -> str:
    """PDF text as one line: words cut after a hyphen are joined back, spaces collapsed."""
    text = re.sub(r"(?<=\S[-/])\n", "", text)
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def reference_pdf_text() -> str:
    body = _render(reference_places(), reference_spec(ExportFormat.PDF))
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    return _normalise("\n".join(page.extract_text() for page in reader.pages))


def test_reference_pdf_has_the_header_and_sections_in_order(reference_pdf_text: str) -> None:
    text = reference_pdf_text
    for part in ("ALIMENTATION", "PARIS Nord-Est", "3e, 4e, 7e, 10e, 11e, 19e, 20e", "6 mai 2020"):
        assert part in text
    positions = [text.index(title.upper()) for title, _, _ in SECTIONS]
    assert positions == sorted(positions)


def test_reference_pdf_numbers_every_entry_and_prints_its_hours(reference_pdf_text: str) -> None:
    text = reference_pdf_text
    spec = reference_spec(ExportFormat.PDF)
    leaflet = build_content(
        select_places(
            reference_places(),
            territory=spec.territory,
            wanted=wanted_categories(TAXONOMY, spec.categories),
            day=spec.data_date,
            closed=spec.closed,
        ),
        spec,
        TAXONOMY,
        BASE_URL,
    ).leaflet  # type: ignore[union-attr]
    expected = expected_hours_lines()
    for section in leaflet.sections:
        for entry in section.entries:
            assert f"{entry.number} {entry.name}" in text, entry.name
            for line in expected[entry.place_id]:
                assert line in text, f"{entry.number} {entry.name}: {line!r}"
    assert "Habituellement : tous les jours - dès 12h30" in text
    assert "Fermé temporairement jusqu'au 11 mai 2020 inclus" in text


def test_reference_html_is_the_same_leaflet_with_inline_qr_codes() -> None:
    html = _render(reference_places(), reference_spec(ExportFormat.HTML)).decode()
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<img class="qr" alt="" src="data:image/png;base64,') == 30
    assert html.count('class="entry"') == 30
    # A4: two columns as rows of entry pairs (CSS columns made long leaflets quadratic).
    assert "size: A4" in html and html.count("<tr>") == 17  # 12 + 3 + 1 + 1 rows
    assert "column-count" not in html and "<script" not in html


def test_a5_leaflets_use_one_column() -> None:
    spec = reference_spec(ExportFormat.HTML).model_copy(update={"paper": PaperSize.A5})
    html = _render(reference_places(), spec).decode()
    assert "size: A5" in html and "<tr>" not in html
    assert html.count('class="entry"') == 30


def test_qr_codes_are_one_bit_pngs_of_the_link_with_one_pixel_per_module() -> None:
    url = "https://repere.example.org/fiche/restaurant-solidaire-vellefaux"
    uri = qr_png_data_uri(url)
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("1")
    expected = segno.make(url, error="m", micro=False, mask=QR_MASK)
    assert image.size == expected.symbol_size(border=0)
    pixels = image.load()
    assert pixels is not None
    dark = [[pixels[x, y] == 0 for x in range(image.size[0])] for y in range(image.size[1])]
    assert dark == [[bool(module) for module in row] for row in expected.matrix]
    assert expected.error in ("M", "Q", "H")  # at least M: survives a bad photocopy
