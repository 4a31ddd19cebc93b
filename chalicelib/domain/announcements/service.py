"""Announcements: admin CRUD, and the active ones for a department at the clock's date."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from chalicelib.domain.announcements.models import (
    OVERSEAS_TIMEZONES,
    Announcement,
    AnnouncementAudience,
    AnnouncementContent,
    PublicAnnouncement,
    public_announcement,
)
from chalicelib.domain.announcements.ports import AnnouncementRepository
from chalicelib.domain.auth import Principal, can_manage_announcements, require
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.places.models import DEFAULT_TIMEZONE

ADMINS_ONLY = "announcements are managed by admins"


class AnnouncementService:
    def __init__(self, repository: AnnouncementRepository, clock: Clock, ids: IdGenerator) -> None:
        self._repository = repository
        self._clock = clock
        self._ids = ids

    def active(
        self, department: str | None, audience: AnnouncementAudience | None = None
    ) -> list[PublicAnnouncement]:
        """Announcements shown today (in the department's time zone) in ``department``:
        national ones always, the department's own when one is given. Newest start first."""
        zone = ZoneInfo(OVERSEAS_TIMEZONES.get(department or "", DEFAULT_TIMEZONE))
        today = self._clock.now().astimezone(zone).date()
        shown = [
            announcement
            for announcement in self._repository.list_all()
            if announcement.is_active(today)
            and announcement.shown_in(department)
            and announcement.written_for(audience)
        ]
        shown.sort(key=lambda item: (item.start_date, item.created_at, item.id), reverse=True)
        return [public_announcement(announcement) for announcement in shown]

    def list_all(self, principal: Principal) -> list[Announcement]:
        require(can_manage_announcements(principal), ADMINS_ONLY, code="role_required")
        items = self._repository.list_all()
        return sorted(items, key=lambda item: (item.start_date, item.id), reverse=True)

    def get(self, principal: Principal, announcement_id: str) -> Announcement:
        require(can_manage_announcements(principal), ADMINS_ONLY, code="role_required")
        return self._repository.get(announcement_id)

    def create(self, principal: Principal, content: AnnouncementContent) -> Announcement:
        require(can_manage_announcements(principal), ADMINS_ONLY, code="role_required")
        now = self._clock.now()
        announcement = Announcement(
            **content.model_dump(),
            id=self._ids.new_id(),
            created_at=now,
            updated_at=now,
            created_by=principal.subject,
            version=1,
        )
        self._repository.add(announcement)
        return announcement

    def replace(
        self,
        principal: Principal,
        announcement_id: str,
        content: AnnouncementContent,
        *,
        expected_version: int,
    ) -> Announcement:
        current = self.get(principal, announcement_id)
        _check_version(current, expected_version)
        updated = Announcement(
            **content.model_dump(),
            id=current.id,
            created_at=current.created_at,
            updated_at=self._clock.now(),
            created_by=current.created_by,
            version=current.version + 1,
        )
        self._repository.save(updated, expected_version=expected_version)
        return updated

    def delete(self, principal: Principal, announcement_id: str, *, expected_version: int) -> None:
        current = self.get(principal, announcement_id)
        _check_version(current, expected_version)
        self._repository.delete(announcement_id, expected_version=expected_version)


def _check_version(current: Announcement, expected_version: int) -> None:
    if current.version != expected_version:
        raise VersionConflict(
            f"announcement {current.id!r} is at version {current.version}, not {expected_version}",
            current_version=current.version,
        )
