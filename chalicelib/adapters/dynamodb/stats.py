"""The ``stats`` table (docs/statistics.md): search counters and daily snapshots.

One table, hash ``pk`` and range ``sk`` (the local day, ``YYYY-MM-DD``), so a report over a
date range is one Query per department:

- ``search#<department>`` / day: one attribute per counter (``searches``, ``cat#food``,
  ``open#now``, ``zero#food#q``...), incremented by ONE UpdateItem with ADD per search (no read
  before the write, no condition: concurrent searches add up). ``all`` is the roll-up the
  daily snapshot writes. Counter names are dynamic, so these items are read and written with
  the low-level client, not through the PynamoDB model's declared attributes.
- ``snapshot#<department>`` / day: the snapshot as JSON in ``body``; a rerun overwrites it.

The counter write reuses the botocore client the search has already built (the places
model's): the first counted search pays no client creation.

Also here, read-only adapters of the other features' tables for the snapshot: export
downloads (in total and of the day), messages sent and bounces (the mail store), history
through the place repository's own ``history``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.names import SEARCH_COUNTS_PREFIX as SEARCH_PREFIX
from chalicelib.domain.stats.models import DepartmentSnapshot, SearchCounts
from chalicelib.domain.stats.ports import DownloadCounts

SNAPSHOT_PREFIX = "snapshot#"
_BATCH_GET_MAX = 100

DEPARTMENT_CODES: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 20)),
    "2A",
    "2B",
    *(f"{n:02d}" for n in range(21, 96)),
    *(str(n) for n in range(971, 977)),
)
"""Every French department code (the domain's DEPARTMENT_CODE pattern), in order."""


class StatsRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute(null=True)  # a snapshot's JSON (search items hold counters instead)


def _client() -> Any:
    # The places model's botocore client: same region and endpoint (bind_tables binds every
    # model alike), already created by the search that is being counted.
    return PlaceRecord._get_connection().connection.client


def _table() -> str:
    meta: Any = StatsRecord.Meta  # PynamoDB types Meta as read-only settings
    return str(meta.table_name)


def _query_days(pk: str, first: date, last: date) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                ":first": {"S": first.isoformat()},
                ":last": {"S": last.isoformat()},
            },
        }
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        response = _client().query(**kwargs)
        items.extend(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if not start:
            return items


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {
        name: int(value["N"])
        for name, value in item.items()
        if name not in ("pk", "sk") and "N" in value
    }


class DynamoStatsStore:
    """``StatsStore``."""

    def put_snapshots(self, snapshots: Sequence[DepartmentSnapshot]) -> None:
        with StatsRecord.batch_write() as batch:
            for snapshot in snapshots:
                batch.save(
                    StatsRecord(
                        f"{SNAPSHOT_PREFIX}{snapshot.department}",
                        snapshot.day.isoformat(),
                        body=snapshot.model_dump_json(),
                    )
                )

    def snapshots(self, department: str, first: date, last: date) -> list[DepartmentSnapshot]:
        return [
            DepartmentSnapshot.model_validate_json(item["body"]["S"])
            for item in _query_days(f"{SNAPSHOT_PREFIX}{department}", first, last)
        ]

    def search_counts(self, department: str, first: date, last: date) -> list[SearchCounts]:
        return [
            SearchCounts(
                department=department,
                day=date.fromisoformat(item["sk"]["S"]),
                counters=_counters(item),
            )
            for item in _query_days(f"{SEARCH_PREFIX}{department}", first, last)
        ]

    def search_departments(self, day: date) -> list[str]:
        # Every possible department in BatchGets of 100 keys, keys only: cheaper than a Scan
        # of the whole table and bounded (103 keys a day).
        candidates = [*DEPARTMENT_CODES, "unknown"]
        found: list[str] = []
        for offset in range(0, len(candidates), _BATCH_GET_MAX):
            keys = [
                {"pk": {"S": f"{SEARCH_PREFIX}{code}"}, "sk": {"S": day.isoformat()}}
                for code in candidates[offset : offset + _BATCH_GET_MAX]
            ]
            request: dict[str, Any] = {_table(): {"Keys": keys, "ProjectionExpression": "pk"}}
            while request:
                response = _client().batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(_table(), []):
                    found.append(item["pk"]["S"].removeprefix(SEARCH_PREFIX))
                request = response.get("UnprocessedKeys") or {}
        return sorted(found)

    def put_search_counts(self, counts: SearchCounts) -> None:
        item: dict[str, Any] = {
            "pk": {"S": f"{SEARCH_PREFIX}{counts.department}"},
            "sk": {"S": counts.day.isoformat()},
        }
        item.update({name: {"N": str(value)} for name, value in counts.counters.items()})
        _client().put_item(TableName=_table(), Item=item)


# Read-only views of other features' tables, for the snapshot worker ---------------------


class DynamoExportDownloads:
    """Download counts of every export by department (a Scan of the exports downloaded at
    least once, their total and the day's attribute only: a few thousand jobs a year)."""

    def downloads_by_department(self, day: date) -> dict[str, DownloadCounts]:
        from chalicelib.adapters.dynamodb.export_models import ExportItem
        from chalicelib.adapters.dynamodb.export_repository import downloads_on
        from chalicelib.domain.exports.models import ExportRecord

        meta: Any = ExportItem.Meta
        day_attribute = downloads_on(day)
        totals: Counter[str] = Counter()
        of_day: Counter[str] = Counter()
        kwargs: dict[str, Any] = {
            "TableName": str(meta.table_name),
            "FilterExpression": "download_count > :zero",
            "ProjectionExpression": "body, download_count, #day",
            "ExpressionAttributeNames": {"#day": day_attribute},
            "ExpressionAttributeValues": {":zero": {"N": "0"}},
        }
        for page in _client().get_paginator("scan").paginate(**kwargs):
            for item in page.get("Items", []):
                department = ExportRecord.model_validate_json(item["body"]["S"]).department
                totals[department] += int(item["download_count"]["N"])
                if day_attribute in item:
                    of_day[department] += int(item[day_attribute]["N"])
        return {
            department: DownloadCounts(total=totals[department], on_day=of_day[department])
            for department in totals
        }


class DynamoMailActivity:
    """Messages sent (the sent-mail ledger) and bounces (the suppression list), by Scan:
    the ledger keeps 30 days of messages, a daily Scan of it is a few MB."""

    def sent_message_ids(self, start: datetime, end: datetime) -> Iterator[str]:
        from chalicelib.adapters.dynamodb.mail_models import SentMailRecord

        for record in SentMailRecord.scan(SentMailRecord.status == "sent"):
            if record.sent_at is None:
                continue
            if start <= datetime.fromisoformat(record.sent_at) < end:
                yield record.message_id

    def bounces(self, start: datetime, end: datetime) -> int:
        from chalicelib.adapters.dynamodb.mail_models import SuppressionRecord

        return sum(
            1
            for record in SuppressionRecord.scan(SuppressionRecord.reason == "bounce")
            if start <= datetime.fromisoformat(record.at) < end
        )
