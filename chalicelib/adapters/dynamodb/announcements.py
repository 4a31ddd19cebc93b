"""Announcements on DynamoDB (implements ``AnnouncementRepository``), one item per
announcement. ``list_all`` scans: the table holds a few hundred items at most, because each
expires (TTL ``expires_at``) a year after its end date, and public reads are cached."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.adapters.dynamodb.backoffice_models import AnnouncementRecord
from chalicelib.domain.announcements.models import Announcement
from chalicelib.domain.errors import Conflict, NotFound, VersionConflict

_CONDITION_FAILED = "ConditionalCheckFailedException"
RETENTION_AFTER_END = timedelta(days=365)


def to_announcement_record(announcement: Announcement) -> AnnouncementRecord:
    expires_at = None
    if announcement.end_date is not None:
        end = datetime.combine(announcement.end_date, time(0), tzinfo=UTC)
        # An end in the last year of the calendar has no expiry date: kept, as it never ends.
        if end <= datetime.max.replace(tzinfo=UTC) - RETENTION_AFTER_END:
            expires_at = end + RETENTION_AFTER_END
    return AnnouncementRecord(
        announcement.id,
        body=announcement.model_dump_json(),
        version=announcement.version,
        expires_at=expires_at,
    )


def to_announcement(record: AnnouncementRecord) -> Announcement:
    return Announcement.model_validate_json(record.body)


class DynamoAnnouncementRepository:
    def get(self, announcement_id: str) -> Announcement:
        try:
            record = AnnouncementRecord.get(announcement_id, consistent_read=True)
        except AnnouncementRecord.DoesNotExist:
            raise NotFound(f"no announcement with id {announcement_id!r}", field="id") from None
        return to_announcement(record)

    def add(self, announcement: Announcement) -> None:
        try:
            to_announcement_record(announcement).save(
                condition=AnnouncementRecord.id.does_not_exist()
            )
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(
                    f"an announcement with id {announcement.id!r} exists", field="id"
                ) from None
            raise

    def save(self, announcement: Announcement, *, expected_version: int) -> None:
        if announcement.version != expected_version + 1:
            raise ValueError("an announcement saved over version n must carry version n + 1")
        try:
            to_announcement_record(announcement).save(
                condition=AnnouncementRecord.version == expected_version
            )
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            self._raise_for(announcement.id, expected_version)

    def delete(self, announcement_id: str, *, expected_version: int) -> None:
        try:
            AnnouncementRecord(announcement_id).delete(
                condition=AnnouncementRecord.version == expected_version
            )
        except DeleteError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            self._raise_for(announcement_id, expected_version)

    def list_all(self) -> list[Announcement]:
        return [to_announcement(record) for record in AnnouncementRecord.scan()]

    @staticmethod
    def _raise_for(announcement_id: str, expected_version: int) -> None:
        try:
            current = AnnouncementRecord.get(announcement_id, consistent_read=True)
        except AnnouncementRecord.DoesNotExist:
            raise NotFound(f"no announcement with id {announcement_id!r}", field="id") from None
        raise VersionConflict(
            f"announcement {announcement_id!r} is at version {int(current.version)}, "
            f"not {expected_version}",
            current_version=int(current.version),
        )
