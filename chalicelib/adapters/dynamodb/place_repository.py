"""The place store on DynamoDB (implements ``PlaceRepository``).

``to_record`` and ``to_place`` are the only mapping between the domain ``Place`` and the
stored ``PlaceRecord``: the index attributes are derived from the place here and nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb.geo_cells import geo_keys
from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.places.models import Place, PlaceStatus

_CONDITION_FAILED = "ConditionalCheckFailedException"
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def organisation_key(name: str | None) -> str | None:
    """A spelling-insensitive key of an organisation name ("Restos du Cœur" and
    "restos du coeur" share ``restos-du-coeur``); None without a name."""
    if name is None:
        return None
    # NFKD splits accented letters into letter + mark, so the marks can be dropped; "œ" and
    # "æ" are letters of their own for Unicode and are spelled out first.
    spelled = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", spelled)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    key = _NOT_ALPHANUMERIC.sub("-", unaccented.casefold()).strip("-")
    return key or None


def to_record(place: Place) -> PlaceRecord:
    """The item stored for a place; index attributes only when the place is online."""
    record = PlaceRecord(
        id=place.id,
        body=place.model_dump_json(),
        version=place.version,
        status=place.status.value,
        updated_at=place.updated_at,
        organisation_key=organisation_key(place.organisation),
    )
    if place.status is PlaceStatus.ONLINE:
        keys = geo_keys(place.location)
        record.gh = keys.gh
        record.gh3 = keys.gh3
        record.gh5 = keys.gh5
        record.department = place.address.department_code
        record.postal_code = place.address.postal_code
        record.city_code = place.address.city_code  # optional: absent stays absent
    return record


def to_place(record: PlaceRecord) -> Place:
    return Place.model_validate_json(record.body)


class DynamoPlaceRepository:
    """Places in the table bound by ``models.bind_tables``.

    Reads by id are strongly consistent: an editor who just saved must read their own write,
    and a version check on a stale read would fail for nothing.
    """

    def get(self, place_id: str) -> Place:
        try:
            record = PlaceRecord.get(place_id, consistent_read=True)
        except PlaceRecord.DoesNotExist:
            raise NotFound(f"no place with id {place_id!r}", field="id") from None
        return to_place(record)

    def add(self, place: Place) -> None:
        try:
            to_record(place).save(condition=PlaceRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"a place with id {place.id!r} already exists", field="id") from None
            raise

    def save(self, place: Place, *, expected_version: int) -> None:
        if place.version != expected_version + 1:
            raise ValueError(
                f"a place saved over version {expected_version} must carry version "
                f"{expected_version + 1}, not {place.version}"
            )
        try:
            # The condition also fails when the item is absent (no version to compare).
            to_record(place).save(condition=PlaceRecord.version == expected_version)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
        else:
            return
        current = self._current_version(place.id)
        if current is None:
            raise NotFound(f"no place with id {place.id!r}", field="id")
        raise VersionConflict(
            f"place {place.id!r} is at version {current}, not {expected_version}",
            current_version=current,
        )

    def load_fresh(self, places: Iterable[Place]) -> int:
        batch = list(places)
        _reject_duplicate_ids(batch)
        with PlaceRecord.batch_write() as writer:
            for place in batch:
                writer.save(to_record(place))
        return len(batch)

    @staticmethod
    def _current_version(place_id: str) -> int | None:
        try:
            record = PlaceRecord.get(
                place_id, consistent_read=True, attributes_to_get=[PlaceRecord.version.attr_name]
            )
        except PlaceRecord.DoesNotExist:
            return None
        return int(record.version)


def _reject_duplicate_ids(places: list[Place]) -> None:
    """A batch holding the same key twice is rejected by DynamoDB after earlier batches went
    through; checking first keeps ``load_fresh`` all-or-nothing for this mistake."""
    seen: set[str] = set()
    for place in places:
        if place.id in seen:
            raise ValueError(f"place id {place.id!r} appears twice in the load")
        seen.add(place.id)
