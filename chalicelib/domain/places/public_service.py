"""Use cases of the public place page."""

from __future__ import annotations

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Gone, NotFound
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.places.views import PlaceDetail, place_detail
from chalicelib.domain.taxonomy.taxonomy import Taxonomy


class PublicPlaceService:
    def __init__(
        self, repository: PlaceRepository, taxonomy: Taxonomy, clock: Clock, base_url: str
    ) -> None:
        self._repository = repository
        self._taxonomy = taxonomy
        self._clock = clock
        self._base_url = base_url

    def get(self, place_id: str) -> PlaceDetail:
        place = self._repository.get(place_id)
        if place.status is PlaceStatus.PERMANENTLY_CLOSED:
            # Old leaflets and bookmarks still point here: say it closed, not that it never was.
            raise Gone(f"{place.name} has closed permanently", code="place_permanently_closed")
        if place.status is not PlaceStatus.ONLINE:
            raise NotFound(f"no place with id {place_id!r}", field="id")
        return place_detail(
            place, at=self._clock.now(), base_url=self._base_url, taxonomy=self._taxonomy
        )
