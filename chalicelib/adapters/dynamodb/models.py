"""PynamoDB model of the places table.

One item per place, keyed by ``id``. The whole place is kept as JSON in ``body``, so the
schema of a place can grow without touching the table; a few attributes are copied out of it
for conditions (``version``), for the stream consumers (``status``, ``updated_at``,
``organisation_key``) and for the indexes.

Search does not read this table's places: it reads their compact search records, packed per
geohash cell in the ``search-cells`` table (search_cells.py), and then only the page's places
by id. Online places also carry their own record in ``sr`` and the sparse ``postal_code`` and
``city_code`` keys of two GSIs that project ``sr`` only: a search by postal code or INSEE code
reads a few hundred small records, not whole places. These attributes are written only on
online places, so drafts and closed places are in neither index, and taking a place offline
removes it from both in the same write.

The back office (docs/backoffice.md) lists every place, drafts and offline ones included,
through three more GSIs that are NOT sparse: ``admin_department`` (hash ``admin_department``,
always set), ``admin_organisation`` (hash ``organisation_key``, set when the place names its
organisation) and ``admin_status`` (hash ``status``). All three sort by ``verified_key`` (least
recently verified first) and project only the small attributes of a listing row (INCLUDE), so
a place write costs them one small index write each, not a copy of the whole place.

Table names are configuration: ``tables.bind_tables`` binds every model at start-up.
"""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE, STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.names import BY_CITY_CODE_INDEX, BY_POSTAL_CODE_INDEX

ADMIN_DEPARTMENT_INDEX = "admin_department"
ADMIN_ORGANISATION_INDEX = "admin_organisation"
ADMIN_STATUS_INDEX = "admin_status"

ADMIN_PROJECTED = (
    "version",
    "status",
    "admin_department",
    "organisation_key",
    "categories",
    "search_text",
    "created_by",
    "summary",
)
"""Attributes of a back-office listing row, projected into the admin indexes."""


def _admin_projection(*keys: str) -> IncludeProjection:
    return IncludeProjection([name for name in ADMIN_PROJECTED if name not in keys])


# The index classes carry "type: ignore[no-untyped-call]": PynamoDB 6.1 leaves
# Index.__init_subclass__ unannotated, which strict mypy reports on every subclass.


class ByPostalCodeIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    """Online places by postal code, projecting their search record only."""

    class Meta:
        index_name = BY_POSTAL_CODE_INDEX
        projection = IncludeProjection(["sr"])

    postal_code = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByCityCodeIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    """Online places by INSEE city code, projecting their search record only."""

    class Meta:
        index_name = BY_CITY_CODE_INDEX
        projection = IncludeProjection(["sr"])

    city_code = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class AdminDepartmentIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    """Every place of a department, whatever its status, least recently verified first."""

    class Meta:
        index_name = ADMIN_DEPARTMENT_INDEX
        projection = _admin_projection("admin_department")

    admin_department = UnicodeAttribute(hash_key=True)
    verified_key = UnicodeAttribute(range_key=True)


class AdminOrganisationIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = ADMIN_ORGANISATION_INDEX
        projection = _admin_projection("organisation_key")

    organisation_key = UnicodeAttribute(hash_key=True)
    verified_key = UnicodeAttribute(range_key=True)


class AdminStatusIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = ADMIN_STATUS_INDEX
        projection = _admin_projection("status")

    status = UnicodeAttribute(hash_key=True)
    verified_key = UnicodeAttribute(range_key=True)


class PlaceRecord(Model):
    """A place as stored. Build and read it only through ``place_repository.to_record`` and
    ``to_place``, so the copied attributes never disagree with ``body``."""

    class Meta:
        # No table_name here on purpose: an unbound model fails loudly instead of writing to
        # a table that happens to carry a default name.
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()
    version = NumberAttribute()
    status = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    organisation_key = UnicodeAttribute(null=True)

    # Sparse: only on online places (see the module docstring).
    postal_code = UnicodeAttribute(null=True)
    city_code = UnicodeAttribute(null=True)
    sr = UnicodeAttribute(null=True)  # JSON row of the place's SearchRecord

    # Back office: on every place (see the module docstring).
    admin_department = UnicodeAttribute(null=True)
    verified_key = UnicodeAttribute(null=True)
    categories = UnicodeSetAttribute(null=True)
    search_text = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # JSON of the listing row (AdminPlaceSummary)

    by_postal_code = ByPostalCodeIndex()
    by_city_code = ByCityCodeIndex()
    admin_by_department = AdminDepartmentIndex()
    admin_by_organisation = AdminOrganisationIndex()
    admin_by_status = AdminStatusIndex()
