"""Port of the announcement store. Adapters: chalicelib/adapters/dynamodb/announcements.py,
tests/backoffice_fakes.py; both pass tests/contract/test_announcement_repository_contract.py."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.announcements.models import Announcement


class AnnouncementRepository(Protocol):
    def get(self, announcement_id: str) -> Announcement:
        """Raises NotFound."""
        ...

    def add(self, announcement: Announcement) -> None:
        """Raises Conflict when the id is taken."""
        ...

    def save(self, announcement: Announcement, *, expected_version: int) -> None:
        """Replace, only if the stored version is ``expected_version`` (the new one carries
        ``expected_version + 1``). Raises VersionConflict or NotFound."""
        ...

    def delete(self, announcement_id: str, *, expected_version: int) -> None:
        """Remove, only at ``expected_version``. Raises VersionConflict or NotFound."""
        ...

    def list_all(self) -> list[Announcement]:
        """Every announcement (a few hundred at most: old ones expire), any order."""
        ...
