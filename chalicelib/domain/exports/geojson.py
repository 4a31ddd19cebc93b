"""GeoJSON (RFC 7946): one Point feature per place, [lon, lat] in WGS 84.

Properties are the CSV columns (lists kept as lists, nothing neutralised: JSON is not read by a
spreadsheet), plus category ids, the OpenStreetMap hours and the state on the export's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.domain.exports.selection import SelectedPlace
from chalicelib.domain.exports.tabular import place_record
from chalicelib.domain.hours.formatting import format_osm
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def geojson_document(
    selected: Sequence[SelectedPlace],
    *,
    day: date,
    taxonomy: Taxonomy,
    base_url: str,
) -> dict[str, Any]:
    features = []
    for chosen in selected:
        place = chosen.place
        properties: dict[str, Any] = place_record(place, day, taxonomy, base_url)
        del properties["lat"], properties["lon"]
        properties["category_ids"] = place.categories
        properties["hours_osm"] = format_osm(
            place.hours, department_code=place.address.department_code, since=day
        )
        properties["temporarily_closed"] = chosen.is_closed
        features.append(
            {
                "type": "Feature",
                "id": place.id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [place.location.lon, place.location.lat],
                },
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "data_date": day.isoformat(),
    }
