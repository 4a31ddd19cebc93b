"""What a renderer receives: the content of an export, built by the domain, per format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.exports import data_inclusion, geojson, hsds, tabular
from chalicelib.domain.exports.leaflet import Leaflet, build_leaflet
from chalicelib.domain.exports.models import ExportFormat, ExportSpec
from chalicelib.domain.exports.selection import SelectedPlace
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


@dataclass(frozen=True)
class LeafletContent:
    """PDF or HTML of a leaflet (one template, see templates/leaflet.html.j2)."""

    format: ExportFormat
    leaflet: Leaflet


@dataclass(frozen=True)
class TableContent:
    """CSV or XLSX: a header and rows, produced lazily (100,000 places stream through)."""

    format: ExportFormat
    columns: tuple[str, ...]
    rows: Iterable[tuple[tabular.Cell, ...]]
    sheet_title: str


@dataclass(frozen=True)
class JsonContent:
    """HSDS, data·inclusion or GeoJSON: a JSON document."""

    format: ExportFormat
    document: dict[str, Any]


ExportContent = LeafletContent | TableContent | JsonContent


def build_content(
    selected: Sequence[SelectedPlace], spec: ExportSpec, taxonomy: Taxonomy, base_url: str
) -> ExportContent:
    """The content of ``spec``'s format for places already selected (``select_places``)."""
    day = spec.data_date
    export_format = spec.format
    if export_format.is_leaflet:
        return LeafletContent(export_format, build_leaflet(selected, spec, taxonomy, base_url))
    if export_format in (ExportFormat.CSV, ExportFormat.XLSX):
        return TableContent(
            export_format,
            tabular.COLUMNS,
            tabular.rows(selected, day, taxonomy, base_url),
            sheet_title=f"Repère {day.isoformat()}",
        )
    builders = {
        ExportFormat.HSDS: hsds.hsds_document,
        ExportFormat.DATA_INCLUSION: data_inclusion.data_inclusion_document,
        ExportFormat.GEOJSON: geojson.geojson_document,
    }
    document = builders[export_format](selected, day=day, taxonomy=taxonomy, base_url=base_url)
    return JsonContent(export_format, document)
