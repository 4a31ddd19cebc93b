"""Nothing of a printed leaflet is drawn outside its printable area (issue 18): the reference
leaflet, QR codes on, rendered by the real WeasyPrint, each PDF page rasterised (pypdfium2,
PDFium) and its margins read pixel by pixel.

The page's margins (``@page`` in templates/leaflet.html.j2) must stay blank at the top, left
and right; the bottom margin holds the running footer (territory, title, date, page number),
which must still stay clear of the outer 5 mm that office printers cannot print.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2
import pytest
from PIL import Image

from chalicelib.domain.exports.models import ExportFormat, PaperSize
from tests.unit.exports.reference import reference_places, reference_spec
from tests.unit.exports.test_privacy_and_pdf import _render

DPI = 100
MM = DPI / 25.4
UNPRINTABLE_MM = 5.0
TOLERANCE_MM = 0.5  # anti-aliasing of an edge that touches the margin line
# (top, right, bottom, left) in mm: the template's @page margins.
MARGINS_MM = {PaperSize.A4: (11, 11, 14, 11), PaperSize.A5: (9, 8, 14, 8)}


def _pages(paper: PaperSize) -> Iterator[Image.Image]:
    spec = reference_spec(ExportFormat.PDF).model_copy(update={"paper": paper})
    assert spec.qr_codes  # the QR codes are what could overflow
    document = pypdfium2.PdfDocument(_render(reference_places(), spec))
    try:
        for page in document:
            yield page.render(scale=DPI / 72).to_pil().convert("L")
    finally:
        document.close()


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> bool:
    """Whether anything non-white is drawn in ``box`` (left, top, right, bottom, in px)."""
    left, top, right, bottom = (round(value) for value in box)
    if right <= left or bottom <= top:
        return False
    extrema = image.crop((left, top, right, bottom)).getextrema()
    darkest = extrema[0]  # a one-band (L) image: (min, max)
    assert isinstance(darkest, int | float)
    return bool(darkest < 250)


@pytest.mark.parametrize("paper", [PaperSize.A4, PaperSize.A5])
def test_nothing_is_drawn_outside_the_printable_area(paper: PaperSize) -> None:
    top, right, bottom, left = (value * MM for value in MARGINS_MM[paper])
    slack = TOLERANCE_MM * MM
    edge = UNPRINTABLE_MM * MM
    pages = list(_pages(paper))
    assert pages
    for number, image in enumerate(pages, start=1):
        width, height = image.size
        assert not _ink(image, (0, 0, width, top - slack)), f"page {number}: top margin"
        assert not _ink(image, (0, 0, left - slack, height - bottom)), f"page {number}: left"
        assert not _ink(image, (width - right + slack, 0, width, height - bottom)), (
            f"page {number}: right margin (QR codes?)"
        )
        assert not _ink(image, (0, height - edge, width, height)), f"page {number}: bottom edge"
    # The check can fail: the content box itself is inked (the header's frame, the text).
    first = pages[0]
    width, height = first.size
    assert _ink(first, (left, top, width - right, height - bottom))
