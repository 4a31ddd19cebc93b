"""PynamoDB model of the places table.

One item per place, keyed by ``id``. The whole place is kept as JSON in ``body``, so the
schema of a place can grow without touching the table; a few attributes are copied out of it
for conditions (``version``), for the stream consumers (``status``, ``updated_at``,
``organisation_key``) and for the indexes.

The index attributes (``gh``, ``gh3``, ``gh5``, ``department``, ``postal_code``,
``city_code``) are written only on online places. DynamoDB leaves an item out of a GSI when
the item lacks the index key, so the indexes are sparse: draft, offline and closed places never
cost a read in a search, and taking a place offline removes it from every index in the same
write. Every GSI projects ALL attributes so that one Query returns whole places.

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
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

GEO_COARSE_INDEX = "geo_coarse"
GEO_FINE_INDEX = "geo_fine"
BY_DEPARTMENT_INDEX = "by_department"
BY_POSTAL_CODE_INDEX = "by_postal_code"
BY_CITY_CODE_INDEX = "by_city_code"
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


class GeoCoarseIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    """Online places by 3-character geohash cell (~156 km x 156 km), sorted by geohash."""

    class Meta:
        index_name = GEO_COARSE_INDEX
        projection = AllProjection()

    gh3 = UnicodeAttribute(hash_key=True)
    gh = UnicodeAttribute(range_key=True)


class GeoFineIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    """Online places by 5-character geohash cell (~4.9 km x 4.9 km), sorted by geohash."""

    class Meta:
        index_name = GEO_FINE_INDEX
        projection = AllProjection()

    gh5 = UnicodeAttribute(hash_key=True)
    gh = UnicodeAttribute(range_key=True)


class ByDepartmentIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = BY_DEPARTMENT_INDEX
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByPostalCodeIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = BY_POSTAL_CODE_INDEX
        projection = AllProjection()

    postal_code = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByCityCodeIndex(GlobalSecondaryIndex["PlaceRecord"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = BY_CITY_CODE_INDEX
        projection = AllProjection()

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
    gh = UnicodeAttribute(null=True)
    gh3 = UnicodeAttribute(null=True)
    gh5 = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    city_code = UnicodeAttribute(null=True)

    # Back office: on every place (see the module docstring).
    admin_department = UnicodeAttribute(null=True)
    verified_key = UnicodeAttribute(null=True)
    categories = UnicodeSetAttribute(null=True)
    search_text = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # JSON of the listing row (AdminPlaceSummary)

    geo_coarse = GeoCoarseIndex()
    geo_fine = GeoFineIndex()
    by_department = ByDepartmentIndex()
    by_postal_code = ByPostalCodeIndex()
    by_city_code = ByCityCodeIndex()
    admin_by_department = AdminDepartmentIndex()
    admin_by_organisation = AdminOrganisationIndex()
    admin_by_status = AdminStatusIndex()


def warm_up() -> None:
    """Create the DynamoDB client now, in the calling thread.

    PynamoDB creates its botocore client on first use. Parallel Queries issued before that
    would each build one (about 0.1 s of CPU apiece, under the GIL); the candidate source
    calls this before fanning out, and the Lambda can call it at init to move the cost out
    of the first request.
    """
    PlaceRecord._get_connection().connection.client  # noqa: B018 - the property builds it
