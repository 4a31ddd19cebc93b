"""Lambda function ``indexer``: the places table's DynamoDB stream → the OpenSearch index.

Event source mapping (infra/): the places table stream (NEW_AND_OLD_IMAGES), batch size 100 to
1000, ``FunctionResponseTypes: [ReportBatchItemFailures]``, a bounded ``MaximumRetryAttempts``
and an on-failure destination (an SQS queue), so one record that can never be indexed does not
hold its shard for 24 hours.

Per batch: every record becomes a ``PlaceChange`` (INSERT/MODIFY: the new image's place, any
status; REMOVE: the old image, version + 1), all changes go out as versioned bulk requests
(``OpenSearchIndexWriter``), and the records whose change failed are reported in
``batchItemFailures`` (Powertools ``BatchProcessor``): Lambda retries from the first of them.
Records retried after later ones succeeded, duplicates and late records are harmless: an older
version never replaces a newer document (external versioning, tombstones; see
chalicelib/adapters/opensearch/indexer.py).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from pydantic import ValidationError

from chalicelib.adapters.opensearch.indexer import OpenSearchIndexWriter
from chalicelib.domain.places.models import Place
from chalicelib.domain.search.indexing import PlaceChange, SearchIndexWriter
from chalicelib.observability import logger
from functions.runtime import RecordBatch, services, worker

# The whole batch is indexed in bulk first (``index_records``); the processor then reports
# the records that failed. A batch where every record failed is raised, so Lambda retries it
# whole (bisecting it: infra/registry.py) rather than answering every record failed.
batch: RecordBatch[DynamoDBRecord] = RecordBatch(
    EventType.DynamoDBStreams, raise_on_entire_batch_failure=True
)


class RecordNotIndexed(Exception):
    """A record whose change the index did not take (reported in batchItemFailures)."""


def change_of(record: DynamoDBRecord) -> PlaceChange:
    """The change a stream record tells. ValueError when the record is not a place write."""
    stream = record.dynamodb
    if stream is None:
        raise ValueError("record without a dynamodb part")
    name = record.event_name
    if name is DynamoDBRecordEventName.REMOVE:
        return PlaceChange.removed(_place(stream.old_image, "OldImage"))
    if name in (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY):
        return PlaceChange.written(_place(stream.new_image, "NewImage"))
    raise ValueError(f"unknown event {name!r}")


def _place(image: dict[str, Any], which: str) -> Place:
    body = image.get("body")
    if not isinstance(body, str):
        raise ValueError(f"{which} has no place body (the stream must carry NEW_AND_OLD_IMAGES)")
    return Place.model_validate_json(body)


def index_records(records: list[DynamoDBRecord], writer: SearchIndexWriter) -> dict[str, str]:
    """Index the changes of ``records``: sequence number -> why it failed, for each failure."""
    failures: dict[str, str] = {}
    changes: list[tuple[str, PlaceChange]] = []
    for record in records:
        sequence = _sequence(record)
        try:
            changes.append((sequence, change_of(record)))
        except (ValueError, ValidationError) as error:
            failures[sequence] = f"unreadable record: {error}"
    results = writer.apply([change for _, change in changes])
    for (sequence, change), problem in zip(changes, results, strict=True):
        if problem is not None:
            failures[sequence] = problem
            logger.warning(
                "record_not_indexed",
                extra={"place_id": change.place_id, "version": change.version, "error": problem},
            )
    return failures


def _sequence(record: DynamoDBRecord) -> str:
    stream = record.dynamodb
    sequence = None if stream is None else stream.sequence_number
    return sequence or ""


def writer() -> OpenSearchIndexWriter:
    return services().index_writer()


@worker("repere-indexer")
def handler(event: Any, context: Any) -> dict[str, Any]:
    records = [DynamoDBRecord(raw) for raw in batch.records_of(event)]
    failures = index_records(records, writer())
    logger.info("batch_indexed", extra={"records": len(records), "failed": len(failures)})

    def record_handler(record: DynamoDBRecord) -> None:
        problem = failures.get(_sequence(record))
        if problem is not None:
            raise RecordNotIndexed(problem)

    return batch.process(event, context, record_handler)
