"""The store's readiness probe: one GetItem of a key no place has, under the API's budget."""

from __future__ import annotations

from chalicelib.adapters.dynamodb.models import PlaceRecord

PROBE_ID = "~readiness-probe"
"""Not a place id (those match ``[A-Za-z0-9_-]``): the read always finds nothing, costs half
a read unit and needs no permission beyond the API's GetItem (DescribeTable would need one
more, and says nothing of whether reads are served)."""


class DynamoReadiness:
    def check(self) -> None:
        try:
            PlaceRecord.get(PROBE_ID)
        except PlaceRecord.DoesNotExist:
            return
