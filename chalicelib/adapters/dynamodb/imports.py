"""Import jobs on DynamoDB (implements ``ImportJobStore``): one item per job, the job as JSON
in ``body``, ``version`` the condition of every save. Reports are files (S3), not items: a
report of 10,000 records is megabytes, an item at most 400 KB."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.domain.errors import Conflict, NotFound, VersionConflict
from chalicelib.domain.imports.models import ImportJob

_CONDITION_FAILED = "ConditionalCheckFailedException"


class ImportJobRecord(Model):
    class Meta:
        # Bound by chalicelib.adapters.dynamodb.tables.bind_tables (no default table name).
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()
    version = NumberAttribute()
    status = UnicodeAttribute()


def _record(job: ImportJob) -> ImportJobRecord:
    return ImportJobRecord(
        job.id, body=job.model_dump_json(), version=job.version, status=job.status.value
    )


class DynamoImportJobStore:
    def add(self, job: ImportJob) -> None:
        try:
            _record(job).save(condition=ImportJobRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"an import with id {job.id!r} exists", field="id") from None
            raise

    def get(self, job_id: str) -> ImportJob:
        try:
            record = ImportJobRecord.get(job_id, consistent_read=True)
        except ImportJobRecord.DoesNotExist:
            raise NotFound(f"no import with id {job_id!r}", field="import_id") from None
        return ImportJob.model_validate_json(record.body)

    def save(self, job: ImportJob, *, expected_version: int) -> None:
        try:
            _record(job).save(condition=ImportJobRecord.version == expected_version)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            current = self.get(job.id)  # NotFound when it is gone
            raise VersionConflict(
                f"import {job.id!r} is at version {current.version}, not {expected_version}",
                current_version=current.version,
            ) from None
