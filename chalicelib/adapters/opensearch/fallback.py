"""``PlaceSearch`` that answers from DynamoDB when OpenSearch cannot.

OpenSearch is a projection that can be down, slow (the client's timeout), throttling, or behind
(hours window not refreshed): the person searching must still get the exact answer, so the same
query goes to the DynamoDB backend (``SearchService``), the fallback is logged with structured
keys, and a ``SearchFallback`` metric (CloudWatch EMF, dimension ``reason``) counts it for an
alarm. Domain errors (a malformed cursor, an unknown category) are the caller's and propagate:
the fallback would answer the same 400.

A cursor given out by OpenSearch (version 2) is rewritten into the DynamoDB backend's version 1,
so paging goes on across a fallback (see cursor.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib.adapters.opensearch.cursor import to_domain_cursor
from chalicelib.adapters.opensearch.search import IndexCannotAnswer
from chalicelib.domain.errors import RepereError
from chalicelib.domain.search.cursor import fingerprint
from chalicelib.domain.search.models import (
    DepartmentListing,
    OpenFilter,
    SearchPage,
    SearchQuery,
)
from chalicelib.domain.search.ports import PlaceSearch
from chalicelib.observability import logger

METRIC_NAMESPACE = "Repere"
METRIC_NAME = "SearchFallback"


def failure_reason(error: Exception) -> str:
    """A short, bounded label for an OpenSearch failure (a metric dimension)."""
    from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
    from opensearchpy.exceptions import ConnectionTimeout, OpenSearchException, TransportError

    if isinstance(error, IndexCannotAnswer):
        return error.reason
    if isinstance(error, TransportError) and not isinstance(error, OpenSearchConnectionError):
        status = error.status_code
        if status == 429:
            return "throttled"
        return f"http_{status}" if isinstance(status, int) else "transport"
    labels: tuple[tuple[type[Exception], str], ...] = (
        (ConnectionTimeout, "timeout"),
        (OpenSearchConnectionError, "connection"),
        (OpenSearchException, "client"),
    )
    return next((label for kind, label in labels if isinstance(error, kind)), "unexpected")


class FallbackPlaceSearch:
    def __init__(
        self,
        primary: PlaceSearch,
        fallback: PlaceSearch,
        *,
        reason_of: Callable[[Exception], str] = failure_reason,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._reason_of = reason_of

    def search(self, query: SearchQuery) -> SearchPage:
        try:
            return self._primary.search(query)
        except RepereError:
            raise
        except Exception as error:  # any failure of the projection falls back
            self._record("search", error)
        if query.cursor is not None:
            search_fingerprint = fingerprint(query.fingerprint_parts())
            query = replace(query, cursor=to_domain_cursor(query.cursor, search_fingerprint))
        return self._fallback.search(query)

    def department_listing(
        self,
        department: str,
        categories: tuple[str, ...],
        open_filter: OpenFilter,
        limit_per_category: int,
    ) -> DepartmentListing:
        try:
            return self._primary.department_listing(
                department, categories, open_filter, limit_per_category
            )
        except RepereError:
            raise
        except Exception as error:  # any failure of the projection falls back
            self._record("department_listing", error)
        return self._fallback.department_listing(
            department, categories, open_filter, limit_per_category
        )

    def _record(self, operation: str, error: Exception) -> None:
        reason = self._reason_of(error)
        fields = {
            "operation": operation,
            "reason": reason,
            "error_type": type(error).__name__,
        }
        if reason == "unexpected":
            # Not an OpenSearch failure we know: keep the stack, it is probably our bug.
            logger.exception("search_fallback", extra=fields)
        else:
            logger.warning("search_fallback", extra=fields)
        with single_metric(
            name=METRIC_NAME, unit=MetricUnit.Count, value=1, namespace=METRIC_NAMESPACE
        ) as metric:
            metric.add_dimension(name="reason", value=reason)
