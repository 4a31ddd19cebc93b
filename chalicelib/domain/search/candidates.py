"""Whole online places from search records: what duplicate detection of public submissions
(around a point) and exports (a territory) need, read through the same index as search."""

from __future__ import annotations

from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.geo import distance_from
from chalicelib.domain.search.ports import Candidates, RecordScan, SearchRecordSource, TerritoryKind
from chalicelib.domain.search.records import Field

PAGE_IDS = 100
"""Ids per ``places`` call (one BatchGetItem on DynamoDB)."""


class RecordCandidates:
    """``CandidateSource`` over a ``SearchRecordSource``: the records say which places, and
    their full form is read in pages. ``near`` returns the places within the radius nearest
    first, ``in_territory`` the territory's places by id."""

    def __init__(self, records: SearchRecordSource) -> None:
        self._records = records

    def near(self, center: GeoPoint, radius_m: float) -> Candidates:
        scan = self._records.near(center, radius_m)
        distance_to = distance_from(center.lat, center.lon)
        table = scan.table
        lats, lons = table.column(Field.LAT), table.column(Field.LON)
        distances: dict[str, float] = {}
        for row, place_id in enumerate(table.column(Field.ID)):
            distance = distance_to(float(lats[row]), float(lons[row]))
            if distance <= radius_m:
                distances[place_id] = distance
        ordered = sorted(distances, key=lambda place_id: (distances[place_id], place_id))
        return self._read(ordered, scan)

    def in_territory(self, kind: TerritoryKind, code: str) -> Candidates:
        scan = self._records.in_territory(kind, code)
        return self._read(sorted(set(scan.table.column(Field.ID))), scan)

    def _read(self, ids: list[str], scan: RecordScan) -> Candidates:
        places: list[Place] = []
        items_read = scan.items_read
        queries = scan.queries
        for start in range(0, len(ids), PAGE_IDS):
            chunk = ids[start : start + PAGE_IDS]
            read = self._records.places(chunk)
            items_read += read.items_read
            queries += 1
            places.extend(
                place
                for place_id in chunk
                if (place := read.places.get(place_id)) is not None
                and place.status is PlaceStatus.ONLINE
            )
        return Candidates(places=places, items_read=items_read, queries=queries)
