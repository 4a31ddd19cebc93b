"""In-memory implementations of the store ports, for tests of services and the API.

They pass the same contract suite as the DynamoDB adapters (tests/contract/), so a test that
runs on them says something true of production. Typical use::

    repository = InMemoryPlaceRepository()
    records = InMemorySearchRecords(repository.places)
    repository.add(make_place("p1"))

Both objects share the ``places`` dict, as the DynamoDB repository and the search cells are
written together. Places are copied on the way in and on the way out (pydantic models are
frozen, but their lists are not), so a test cannot change the store behind the repository's
back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from chalicelib.adapters.dynamodb.geo_cells import MAX_RADIUS_M
from chalicelib.domain.changes.models import pending_change
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, VersionConflict
from chalicelib.domain.places.history import HistoryEntry, HistoryPage
from chalicelib.domain.places.listing import (
    PlaceFilter,
    PlaceListPage,
    PlaceListQuery,
    admin_summary,
    decode_position,
    encode_position,
    verified_key,
)
from chalicelib.domain.places.models import GeoPoint, Place, PlaceStatus
from chalicelib.domain.places.ports import (
    HistoryAhead,
    PlaceCreation,
    PlaceRepair,
    PlaceWrite,
    WriteOutcome,
    WriteStatus,
)
from chalicelib.domain.search.geo import haversine_m
from chalicelib.domain.search.ports import (
    Candidates,
    PageRead,
    RecordScan,
    TerritoryKind,
)
from chalicelib.domain.search.records import (
    RecordBatch,
    RecordTable,
    encode_joined,
    search_record,
)
from tests.change_fakes import InMemoryChangeLog


class InMemoryPlaceRepository:
    """``PlaceRepository`` and ``PlaceEditStore`` over a dict ``id -> Place`` (and a dict
    ``id -> {version: HistoryEntry}`` for the history)."""

    def __init__(
        self, places: dict[str, Place] | None = None, *, changes: InMemoryChangeLog | None = None
    ) -> None:
        self.places: dict[str, Place] = places if places is not None else {}
        self.history_entries: dict[str, dict[int, HistoryEntry]] = {}
        # The change feed's log, given the pending change of every public write (as the
        # DynamoDB store puts it in the write's transaction); None: no feed.
        self.changes = changes

    def publish(self, before: Place | None, after: Place) -> None:
        if self.changes is not None:
            pending = pending_change(before, after)
            if pending is not None:
                self.changes.add_pending(pending)

    def get(self, place_id: str) -> Place:
        try:
            return _copy(self.places[place_id])
        except KeyError:
            raise NotFound(f"no place with id {place_id!r}", field="id") from None

    def add(self, place: Place) -> None:
        if place.id in self.places:
            raise Conflict(f"a place with id {place.id!r} already exists", field="id")
        self.places[place.id] = _copy(place)
        self.publish(None, place)

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
        self.publish(current, place)

    def load_fresh(self, places: Iterable[Place]) -> int:
        batch = list(places)
        ids = [place.id for place in batch]
        if len(set(ids)) != len(ids):
            duplicate = next(place_id for place_id in ids if ids.count(place_id) > 1)
            raise ValueError(f"place id {duplicate!r} appears twice in the load")
        for place in batch:
            self.places[place.id] = _copy(place)  # unconditional, like a batch write
        return len(batch)

    # PlaceEditStore (same semantics as DynamoPlaceRepository; see the contract suite).

    def transaction(self) -> InMemoryPlaceTransaction:
        return InMemoryPlaceTransaction(self)

    def update_many(self, writes: Sequence[PlaceWrite]) -> list[WriteOutcome]:
        ids = [write.place.id for write in writes]
        if len(set(ids)) != len(ids):
            raise ValueError("a place appears twice in one update_many")
        outcomes: list[WriteOutcome] = []
        for write in writes:
            place_id = write.place.id
            current = self.places.get(place_id)
            history = self.history_entries.setdefault(place_id, {})
            if current is None:
                outcomes.append(WriteOutcome(place_id, WriteStatus.NOT_FOUND))
            elif current.version != write.expected_version or write.entry.version in history:
                outcomes.append(
                    WriteOutcome(
                        place_id,
                        WriteStatus.CONFLICT,
                        current_version=current.version,
                        history_ahead=current.version == write.expected_version,
                    )
                )
            else:
                self.places[place_id] = _copy(write.place)
                history[write.entry.version] = write.entry
                self.publish(write.before, write.place)
                outcomes.append(WriteOutcome(place_id, WriteStatus.APPLIED))
        return outcomes

    def repair(self, repair: PlaceRepair) -> None:
        place_id = repair.place.id
        current = self.places.get(place_id)
        if current is None:
            raise NotFound(f"no place with id {place_id!r}", field="id")
        if current.version != repair.before.version:
            raise VersionConflict(
                f"place {place_id!r} is at version {current.version}, not {repair.before.version}",
                current_version=current.version,
            )
        history = self.history_entries.setdefault(place_id, {})
        if (repair.entry is None) != (repair.place.version in history):
            raise Conflict(
                f"the history of place {place_id!r} changed while it was reconciled: try again"
            )
        self.places[place_id] = _copy(repair.place)
        self.publish(repair.before, repair.place)
        if repair.entry is not None:
            history[repair.entry.version] = repair.entry

    def get_many(self, place_ids: Sequence[str]) -> dict[str, Place]:
        return {
            place_id: _copy(self.places[place_id])
            for place_id in dict.fromkeys(place_ids)
            if place_id in self.places
        }

    def history(self, place_id: str, *, limit: int, before: int | None = None) -> HistoryPage:
        versions = sorted(self.history_entries.get(place_id, {}), reverse=True)
        if before is not None:
            versions = [version for version in versions if version < before]
        page = [self.history_entries[place_id][version] for version in versions[:limit]]
        more = len(versions) > limit
        return HistoryPage(entries=page, next_before=page[-1].version if more else None)

    def history_entry(self, place_id: str, version: int) -> HistoryEntry | None:
        return self.history_entries.get(place_id, {}).get(version)

    def list_places(self, query: PlaceListQuery) -> PlaceListPage:
        place_filter = query.filter
        if (
            place_filter.organisation_key is None
            and place_filter.department is None
            and place_filter.status is None
        ):
            raise ValueError("a listing needs an organisation, a department or a status")
        ordered = sorted(
            (place for place in self.places.values() if place_filter.matches(place)),
            key=_listing_key,
        )
        if query.cursor is not None:
            position = decode_position(query.cursor, place_filter)
            if set(position) != {"verified_key", "id"}:
                raise InvalidInput(
                    "malformed cursor: use next_cursor exactly as returned", field="cursor"
                )
            after = (position["verified_key"], position["id"])
            ordered = [place for place in ordered if _listing_key(place) > after]
        page = ordered[: query.limit]
        cursor = None
        if len(ordered) > query.limit:
            last_key, last_id = _listing_key(page[-1])
            cursor = encode_position({"verified_key": last_key, "id": last_id}, place_filter)
        return PlaceListPage(places=[admin_summary(place) for place in page], next_cursor=cursor)

    def iter_matching(self, place_filter: PlaceFilter) -> Iterator[tuple[str, int]]:
        cursor: str | None = None
        while True:
            page = self.list_places(PlaceListQuery(filter=place_filter, limit=1000, cursor=cursor))
            for row in page.places:
                yield row.id, row.version
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


def _listing_key(place: Place) -> tuple[str, str]:
    return verified_key(place.verified_at), place.id


class InMemoryPlaceTransaction:
    """``PlaceTransaction`` on an ``InMemoryPlaceRepository``: ``commit`` checks every
    condition (a subclass's first, then the places in order), then applies everything, so a
    failed commit writes nothing, as a TransactWriteItems."""

    def __init__(self, store: InMemoryPlaceRepository) -> None:
        self.store = store
        self._creations: list[PlaceCreation] = []
        self._changes: list[PlaceWrite] = []
        self._checks: list[Callable[[], None]] = []
        self._applies: list[Callable[[], None]] = []
        self._ids: set[str] = set()
        self._committed = False

    def create(self, creation: PlaceCreation) -> None:
        self._add_id(creation.place.id)
        self._creations.append(creation)

    def write(self, change: PlaceWrite) -> None:
        self._add_id(change.place.id)
        self._changes.append(change)

    def _add_id(self, place_id: str) -> None:
        if place_id in self._ids:
            raise ValueError(f"place {place_id!r} appears twice in one transaction")
        self._ids.add(place_id)

    def _add_item(self, check: Callable[[], None], apply: Callable[[], None]) -> None:
        """A subclass's item: ``check`` raises when its condition fails; ``apply`` writes it."""
        self._checks.append(check)
        self._applies.append(apply)

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("a transaction is committed once")
        self._committed = True
        for check in self._checks:
            check()
        places, history = self.store.places, self.store.history_entries
        for creation in self._creations:
            place_id = creation.place.id
            if place_id in places or creation.entry.version in history.get(place_id, {}):
                raise Conflict(f"a place with id {place_id!r} already exists", field="id")
        for change in self._changes:
            place_id = change.place.id
            current = places.get(place_id)
            if current is None:
                raise NotFound(f"no place with id {place_id!r}", field="id")
            if current.version != change.expected_version:
                raise VersionConflict(
                    f"place {place_id!r} is at version {current.version}, "
                    f"not {change.expected_version}",
                    current_version=current.version,
                )
            if change.entry.version in history.get(place_id, {}):
                raise HistoryAhead(
                    f"place {place_id!r} is at version {change.expected_version} but its "
                    f"history already holds version {change.entry.version}",
                    current_version=change.expected_version,
                )
        written: list[PlaceCreation | PlaceWrite] = [*self._creations, *self._changes]
        for item in written:
            self.store.publish(item.before if isinstance(item, PlaceWrite) else None, item.place)
            places[item.place.id] = _copy(item.place)
            history.setdefault(item.place.id, {})[item.entry.version] = item.entry
        for apply in self._applies:
            apply()


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


class InMemorySearchRecords:
    """``SearchRecordSource`` over the same dict: the records of the online places, computed
    from the places with the production ``search_record`` (cached per id and version).

    ``near`` returns a superset, as the DynamoDB cells do: every online place within the radius
    and some beyond it (up to 1.25 times the radius plus 200 m), so the service's own distance
    filter is exercised on fakes too. Costs are those of an ideal index: one item and half a
    read unit a record, one query a call.
    """

    def __init__(self, places: Mapping[str, Place]) -> None:
        self._places = places
        self._cache: dict[tuple[str, int], str] = {}

    def near(self, center: GeoPoint, radius_m: float) -> RecordScan:
        if math.isnan(radius_m) or not 0 <= radius_m <= MAX_RADIUS_M:
            raise ValueError(f"radius must be between 0 and {MAX_RADIUS_M:.0f} m")
        reach = radius_m * 1.25 + 200
        return self._scan(
            place for place in self._online() if haversine_m(center, place.location) <= reach
        )

    def in_territory(self, kind: TerritoryKind, code: str) -> RecordScan:
        def code_of(place: Place) -> str | None:
            address = place.address
            if kind is TerritoryKind.DEPARTMENT:
                return address.department_code
            if kind is TerritoryKind.POSTAL_CODE:
                return address.postal_code
            return address.city_code

        return self._scan(place for place in self._online() if code_of(place) == code)

    def places(self, place_ids: Sequence[str]) -> PageRead:
        found = {
            place_id: _copy(place)
            for place_id in dict.fromkeys(place_ids)
            if (place := self._places.get(place_id)) is not None
            and place.status is PlaceStatus.ONLINE
        }
        return PageRead(found, items_read=len(found), read_units=0.5 * len(found))

    def _online(self) -> Iterator[Place]:
        return (place for place in self._places.values() if place.status is PlaceStatus.ONLINE)

    def _scan(self, places: Iterable[Place]) -> RecordScan:
        texts = []
        for place in places:
            key = (place.id, place.version)
            text = self._cache.get(key)
            if text is None:
                text = encode_joined([search_record(place)])
                self._cache[key] = text
            texts.append(text)
        table = RecordTable(RecordBatch.joined(text) for text in texts)
        return RecordScan(table, len(texts), 1, 0.5 * len(texts))
