"""One-change transactions on a place store, for tests that set a store up or write to it
directly (services write through ``PlaceEditor``)."""

from __future__ import annotations

from chalicelib.domain.places.history import HistoryEntry
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceCreation, PlaceEditStore, PlaceWrite


def create(store: PlaceEditStore, place: Place, entry: HistoryEntry) -> None:
    """Store a new place with its creation entry, in a transaction of its own."""
    transaction = store.transaction()
    transaction.create(PlaceCreation(place=place, entry=entry))
    transaction.commit()


def update(store: PlaceEditStore, change: PlaceWrite) -> None:
    """Write one change of a stored place, in a transaction of its own."""
    transaction = store.transaction()
    transaction.write(change)
    transaction.commit()
