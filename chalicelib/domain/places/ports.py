"""Ports of the place store. Adapters: chalicelib/adapters/dynamodb (production),
tests/fakes.py (in memory). Both pass the contract suite in tests/contract/."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.places.history import HistoryEntry, HistoryPage
from chalicelib.domain.places.listing import PlaceFilter, PlaceListPage, PlaceListQuery
from chalicelib.domain.places.models import Place


class PlaceRepository(Protocol):
    def get(self, place_id: str) -> Place:
        """The place with this id. Raises NotFound."""
        ...

    def add(self, place: Place) -> None:
        """Store a new place. Raises Conflict when the id is already taken."""
        ...

    def save(self, place: Place, *, expected_version: int) -> None:
        """Replace a place, only if the stored version is ``expected_version``.

        ``place.version`` must be ``expected_version + 1``. Raises VersionConflict (with the
        current version) when the stored place moved on, NotFound when it does not exist.
        """
        ...

    def load_fresh(self, places: Iterable[Place]) -> int:
        """Bulk-load places into an empty store (seeding, benchmarks). Returns the count.

        Unconditional batch writes: never use it for edits.
        """
        ...


@dataclass(frozen=True)
class PlaceCreation:
    """A new place (version 1) with its creation entry, written only if its id is free.
    Checked once, here: the entry describes version 1 of this place."""

    place: Place
    entry: HistoryEntry

    def __post_init__(self) -> None:
        if self.place.version != 1:
            raise ValueError(f"a new place carries version 1, not {self.place.version}")
        if self.entry.place_id != self.place.id or self.entry.version != 1:
            raise ValueError(
                f"the history entry ({self.entry.place_id!r}, version {self.entry.version}) "
                f"does not describe place {self.place.id!r} at version 1"
            )


@dataclass(frozen=True)
class PlaceWrite:
    """A change to store: the place as it was read (``before``) and as it becomes
    (``place``), with its history entry; written together, only if the stored version is
    still ``before.version``. The store needs ``before`` to move the place's search record out
    of the index entries it leaves (a moved or closed place).

    The rules of a change are checked once, here: the new version follows the read one, the
    entry describes the new version of the same place.
    """

    before: Place
    place: Place
    entry: HistoryEntry

    def __post_init__(self) -> None:
        if self.place.id != self.before.id:
            raise ValueError(f"a write of {self.before.id!r} cannot store {self.place.id!r}")
        if self.place.version != self.before.version + 1:
            raise ValueError(
                f"a place saved over version {self.before.version} must carry version "
                f"{self.before.version + 1}, not {self.place.version}"
            )
        if self.entry.place_id != self.place.id or self.entry.version != self.place.version:
            raise ValueError(
                f"the history entry ({self.entry.place_id!r}, version {self.entry.version}) "
                f"does not describe place {self.place.id!r} at version {self.place.version}"
            )

    @property
    def expected_version(self) -> int:
        return self.before.version


@dataclass(frozen=True)
class PlaceRepair:
    """A place brought back into step with its history (chalicelib/domain/places/reconcile.py),
    written only if the stored version is still ``before.version``.

    ``entry`` None: the place rolls forward to ``place.version``, whose entry must already be
    stored (it is checked in the same transaction). Otherwise ``entry`` is the new entry of
    ``place.version`` (which must not exist yet); the place may keep its version (the entry
    was missing) or move on (a restored place kept as a new version).
    """

    before: Place
    place: Place
    entry: HistoryEntry | None

    def __post_init__(self) -> None:
        if self.place.id != self.before.id:
            raise ValueError(f"a repair of {self.before.id!r} cannot store {self.place.id!r}")
        if self.entry is None and self.place.version <= self.before.version:
            raise ValueError("a roll-forward moves the place to a later version")
        if self.entry is not None and (
            self.entry.place_id != self.place.id
            or self.entry.version != self.place.version
            or self.place.version < self.before.version
        ):
            raise ValueError(
                f"the history entry ({self.entry.place_id!r}, version {self.entry.version}) "
                f"does not describe place {self.place.id!r} at version {self.place.version}"
            )


class HistoryAhead(VersionConflict):
    """A write found the history entry of the version it was about to write already stored,
    while the place itself was still at the version the writer read: the place is behind its
    history (a lost write, or a restore of the places table). No write can succeed until it is
    reconciled; ``current_version`` is the place's."""


class WriteStatus(StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"  # the stored version is not the expected one
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class WriteOutcome:
    place_id: str
    status: WriteStatus
    current_version: int | None = None  # on a conflict
    # On a conflict: the place was at the expected version but its history already held the
    # new one (``HistoryAhead``); ``PlaceReconciler.roll_forward`` makes it writable again.
    history_ahead: bool = False


class PlaceTransaction(Protocol):
    """Place changes collected, then written by ``commit`` all together or not at all (one
    TransactWriteItems on DynamoDB): each place with its history entry and its search record,
    plus what a feature's transaction adds (a submission's decision: ``DecisionTransaction``).

    The writer checked the version it read (a stale If-Match is a 409 before anything is
    sent); the store enforces it once more only as the write's condition, against writers in
    between. A transaction is committed once; a place appears in it at most once.
    """

    def create(self, creation: PlaceCreation) -> None:
        """Add a new place (its id must be free)."""
        ...

    def write(self, change: PlaceWrite) -> None:
        """Add a change of a stored place (over ``change.expected_version``)."""
        ...

    def commit(self) -> None:
        """Write everything added, atomically. Nothing is written when it raises:
        Conflict (a created id is taken), VersionConflict (with the current version) or
        NotFound for a changed place, ``HistoryAhead`` when a changed place was at the
        expected version but its new entry's version is already taken."""
        ...


class PlaceEditStore(PlaceRepository, Protocol):
    """The place store as the back office uses it: every change is written with its history
    entry, atomically (docs/backoffice.md). Both implementations pass
    tests/contract/test_place_edit_store_contract.py.
    """

    def transaction(self) -> PlaceTransaction:
        """A new, empty transaction on this store (creations and edits of places)."""
        ...

    def repair(self, repair: PlaceRepair) -> None:
        """Write a reconciliation (see ``PlaceRepair``) atomically. Raises VersionConflict
        when the place moved on, Conflict when the history changed underneath, NotFound."""
        ...

    def update_many(self, writes: Sequence[PlaceWrite]) -> list[WriteOutcome]:
        """Each write on its own terms: a conflict on one place never fails another. One
        outcome per write, in order. A place id must not appear twice."""
        ...

    def get_many(self, place_ids: Sequence[str]) -> dict[str, Place]:
        """The places that exist among ``place_ids`` (strongly consistent), by id."""
        ...

    def history(self, place_id: str, *, limit: int, before: int | None = None) -> HistoryPage:
        """Entries newest first, of versions below ``before`` when given."""
        ...

    def history_entry(self, place_id: str, version: int) -> HistoryEntry | None:
        """The entry that produced ``version`` of the place (strongly consistent)."""
        ...

    def list_places(self, query: PlaceListQuery) -> PlaceListPage:
        """One page of the back-office listing (see chalicelib/domain/places/listing.py).
        A page may hold fewer than ``limit`` places and still have a next cursor."""
        ...

    def iter_matching(self, place_filter: PlaceFilter) -> Iterator[tuple[str, int]]:
        """(id, version) of every place the filter matches, in listing order."""
        ...
