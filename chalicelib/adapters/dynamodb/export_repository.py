"""The export store on DynamoDB (implements ``ExportRepository``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters.dynamodb.export_models import LISTED, ExportItem
from chalicelib.domain import cursors
from chalicelib.domain.errors import (
    Conflict,
    InvalidCursor,
    NotFound,
    VersionConflict,
)
from chalicelib.domain.exports.models import ExportFormat, ExportPage, ExportRecord, ExportStatus

_CONDITION_FAILED = "ConditionalCheckFailedException"
_CURSOR_KEYS = frozenset({"id", "listed", "listed_department", "listed_at"})
_MAX_CURSOR_LENGTH = 2000
DOWNLOADS_ON_PREFIX = "downloads_on_"


def listed_at(record: ExportRecord) -> str | None:
    """Sort key of the listing: generation instant, then id (unique, newest first)."""
    if record.generated_at is None:
        return None
    return f"{record.generated_at.isoformat()}#{record.id}"


def downloads_on(day: date) -> str:
    """The attribute counting an export's downloads of one local day (Europe/Paris)."""
    return f"{DOWNLOADS_ON_PREFIX}{day.isoformat()}"


def _client() -> Any:
    return ExportItem._get_connection().connection.client


def _table() -> str:
    meta: Any = ExportItem.Meta  # PynamoDB types Meta as read-only settings
    return str(meta.table_name)


def to_item(record: ExportRecord) -> ExportItem:
    item = ExportItem(
        id=record.id,
        body=record.model_dump_json(exclude={"download_count"}),
        version=record.version,
        status=record.status.value,
        format=record.spec.format.value,
    )
    if record.status is ExportStatus.READY:
        item.listed = LISTED
        item.listed_department = record.department
        item.listed_at = listed_at(record)
    return item


def to_record(item: ExportItem) -> ExportRecord:
    record = ExportRecord.model_validate_json(item.body)
    count = int(item.download_count or 0)
    return record.model_copy(update={"download_count": count}) if count else record


def encode_cursor(key: dict[str, dict[str, Any]] | None) -> str | None:
    if not key:
        return None
    return cursors.encode_json_text(json.dumps(key, separators=(",", ":"), sort_keys=True))


def decode_cursor(cursor: str | None) -> dict[str, dict[str, Any]] | None:
    """The DynamoDB key a cursor carries; InvalidCursor (400) for anything but such a key."""
    if cursor is None:
        return None
    key = cursors.decode_json(cursor, max_chars=_MAX_CURSOR_LENGTH)
    if not isinstance(key, dict) or not key or not set(key) <= _CURSOR_KEYS:
        raise InvalidCursor()
    for value in key.values():
        # Non-empty strings only: DynamoDB refuses an empty key value with a 500's worth of
        # ValidationException.
        if not (isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)):
            raise InvalidCursor()
        if not value["S"]:
            raise InvalidCursor()
    return key


class DynamoExportRepository:
    """Export jobs in the table bound by ``tables.bind_tables``."""

    def add(self, record: ExportRecord) -> None:
        item = to_item(record)
        item.download_count = record.download_count
        try:
            item.save(condition=ExportItem.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"an export with id {record.id!r} exists", field="id") from None
            raise

    def get(self, export_id: str) -> ExportRecord:
        try:
            item = ExportItem.get(export_id, consistent_read=True)
        except ExportItem.DoesNotExist:
            raise NotFound(f"no export with id {export_id!r}", field="id") from None
        return to_record(item)

    def save(self, record: ExportRecord, *, expected_version: int) -> None:
        if record.version != expected_version + 1:
            raise ValueError(
                f"an export saved over version {expected_version} must carry version "
                f"{expected_version + 1}, not {record.version}"
            )
        item = to_item(record)
        actions: list[Any] = [
            ExportItem.body.set(item.body),
            ExportItem.version.set(item.version),
            ExportItem.status.set(item.status),
            ExportItem.format.set(item.format),
        ]
        if item.listed is not None and item.listed_at is not None:
            actions += [
                ExportItem.listed.set(item.listed),
                ExportItem.listed_department.set(record.department),
                ExportItem.listed_at.set(item.listed_at),
            ]
        else:
            actions += [
                ExportItem.listed.remove(),
                ExportItem.listed_department.remove(),
                ExportItem.listed_at.remove(),
            ]
        try:
            # UpdateItem, not PutItem: the download counter is left as it is.
            ExportItem(record.id).update(
                actions=actions, condition=ExportItem.version == expected_version
            )
        except UpdateError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
        else:
            return
        current = self._current(record.id)
        if current is None:
            raise NotFound(f"no export with id {record.id!r}", field="id")
        raise VersionConflict(
            f"export {record.id!r} is at version {current.version}, not {expected_version}",
            current_version=int(current.version),
        )

    def list_ready(
        self,
        *,
        department: str | None,
        export_format: ExportFormat | None,
        limit: int,
        cursor: str | None,
    ) -> ExportPage:
        start = decode_cursor(cursor)
        condition = None if export_format is None else ExportItem.format == export_format.value
        if department is None:
            results = ExportItem.ready.query(
                LISTED,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
                filter_condition=condition,
            )
        else:
            results = ExportItem.ready_by_department.query(
                department,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
                filter_condition=condition,
            )
        records = [to_record(item) for item in results]
        next_key = results.last_evaluated_key if len(records) == limit else None
        return ExportPage(records=records, next_cursor=encode_cursor(next_key))

    def count_download(self, export_id: str, day: date) -> ExportRecord:
        # One UpdateItem adds to the export's total and to its count of the day (an attribute
        # named after the day, see ``downloads_on``): both move together or not at all, and
        # the daily statistics read the day's count rather than a difference of totals.
        # The day's attribute name is dynamic, hence the low-level client.
        try:
            response = _client().update_item(
                TableName=_table(),
                Key={"id": {"S": export_id}},
                UpdateExpression="ADD download_count :one, #day :one",
                ConditionExpression="#status = :ready",
                ExpressionAttributeNames={"#day": downloads_on(day), "#status": "status"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":ready": {"S": ExportStatus.READY.value},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != _CONDITION_FAILED:
                raise
            if self._current(export_id) is None:
                raise NotFound(f"no export with id {export_id!r}", field="id") from None
            raise Conflict(f"export {export_id!r} is not ready", code="export_not_ready") from None
        return to_record(ExportItem.from_raw_data(response["Attributes"]))

    @staticmethod
    def _current(export_id: str) -> ExportItem | None:
        try:
            return ExportItem.get(export_id, consistent_read=True)
        except ExportItem.DoesNotExist:
            return None
