"""Ports of the place store. Adapters: chalicelib/adapters/dynamodb (production),
tests/fakes.py (in memory). Both pass the contract suite in tests/contract/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

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
