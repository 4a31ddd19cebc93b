"""PynamoDB model of the exports table (one item per export job, keyed by ``id``).

The job is kept as JSON in ``body``; ``version`` guards every write; ``download_count`` is a
counter that only ``UpdateItem ADD`` touches (a job save never writes it). Ready exports carry
the sparse listing keys (``listed``, ``listed_department``, ``listed_at``): the two indexes
list ready exports newest first, overall or per department, and hold nothing else.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

READY_INDEX = "ready"
READY_BY_DEPARTMENT_INDEX = "ready_by_department"
LISTED = "ready"


class ReadyIndex(GlobalSecondaryIndex["ExportItem"]):  # type: ignore[no-untyped-call]
    """Ready exports, newest first (one partition: a few thousand items a year)."""

    class Meta:
        index_name = READY_INDEX
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class ReadyByDepartmentIndex(GlobalSecondaryIndex["ExportItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = READY_BY_DEPARTMENT_INDEX
        projection = AllProjection()

    listed_department = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class ExportItem(Model):
    class Meta:
        # Bound by chalicelib.adapters.dynamodb.tables.bind_tables (no default table name).
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()
    version = NumberAttribute()
    status = UnicodeAttribute()
    format = UnicodeAttribute()
    download_count = NumberAttribute(null=True)

    # Sparse: only on ready exports.
    listed = UnicodeAttribute(null=True)
    listed_department = UnicodeAttribute(null=True)
    listed_at = UnicodeAttribute(null=True)

    ready = ReadyIndex()
    ready_by_department = ReadyByDepartmentIndex()
