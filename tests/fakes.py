"""In-memory implementations of the store ports, for tests of services and the API.

They pass the same contract suite as the DynamoDB adapters (tests/contract/), so a test that
runs on them says something true of production. Typical use::

    repository = InMemoryPlaceRepository()
    candidates = InMemoryCandidateSource(repository.places)
    repository.add(make_place("p1"))

Both objects share the ``places`` dict, as the DynamoDB repository and candidate source share a
table. Places are copied on the way in and on the way out (pydantic models are frozen, but
their lists are not), so a test cannot change the store behind the repository's back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from chalicelib.adapters.dynamodb.geo_cells import MAX_RADIUS_M
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.ports import Candidates, TerritoryKind


class InMemoryPlaceRepository:
    """``PlaceRepository`` over a dict ``id -> Place``."""

    def __init__(self, places: dict[str, Place] | None = None) -> None:
        self.places: dict[str, Place] = places if places is not None else {}

    def get(self, place_id: str) -> Place:
        try:
            return _copy(self.places[place_id])
        except KeyError:
            raise NotFound(f"no place with id {place_id!r}", field="id") from None

    def add(self, place: Place) -> None:
        if place.id in self.places:
            raise Conflict(f"a place with id {place.id!r} already exists", field="id")
        self.places[place.id] = _copy(place)

    def save(self, place: Place, *, expected_version: int) -> None:
        if place.version != expected_version + 1:
            raise ValueError(
                f"a place saved over version {expected_version} must carry version "
                f"{expected_version + 1}, not {place.version}"
            )
        current = self.places.get(place.id)
        if current is None:
            raise NotFound(f"no place with id {place.id!r}", field="id")
        if current.version != expected_version:
            raise VersionConflict(
                f"place {place.id!r} is at version {current.version}, not {expected_version}",
                current_version=current.version,
            )
        self.places[place.id] = _copy(place)

    def load_fresh(self, places: Iterable[Place]) -> int:
        batch = list(places)
        ids = [place.id for place in batch]
        if len(set(ids)) != len(ids):
            duplicate = next(place_id for place_id in ids if ids.count(place_id) > 1)
            raise ValueError(f"place id {duplicate!r} appears twice in the load")
        for place in batch:
            self.places[place.id] = _copy(place)  # unconditional, like a batch write
        return len(batch)


class InMemoryCandidateSource:
    """``CandidateSource`` over the same dict: exactly the online places that match.

    ``items_read`` is the number of places returned and ``queries`` is 1 per call: an ideal
    index, against which the DynamoDB costs can be compared.
    """

    def __init__(self, places: Mapping[str, Place]) -> None:
        self._places = places

    def near(self, center: GeoPoint, radius_m: float) -> Candidates:
        if math.isnan(radius_m) or not 0 <= radius_m <= MAX_RADIUS_M:
            raise ValueError(f"radius must be between 0 and {MAX_RADIUS_M:.0f} m")
        found = [
            (haversine_m(center, place.location), place)
            for place in self._places.values()
            if place.status is PlaceStatus.ONLINE
        ]
        within = sorted(
            (pair for pair in found if pair[0] <= radius_m),
            key=lambda pair: (pair[0], pair[1].id),
        )
        return _candidates([place for _, place in within])

    def in_territory(self, kind: TerritoryKind, code: str) -> Candidates:
        def code_of(place: Place) -> str | None:
            address = place.address
            if kind is TerritoryKind.DEPARTMENT:
                return address.department_code
            if kind is TerritoryKind.POSTAL_CODE:
                return address.postal_code
            return address.city_code

        matches = sorted(
            (
                place
                for place in self._places.values()
                if place.status is PlaceStatus.ONLINE and code_of(place) == code
            ),
            key=lambda place: place.id,  # the DynamoDB indexes sort by id too
        )
        return _candidates(matches)


def _candidates(places: list[Place]) -> Candidates:
    return Candidates(places=[_copy(place) for place in places], items_read=len(places), queries=1)


def _copy(place: Place) -> Place:
    return place.model_copy(deep=True)
