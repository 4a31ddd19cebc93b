"""``PlaceSearch`` that answers from DynamoDB when OpenSearch cannot.

OpenSearch is a projection that can be down, slow (the client's timeout), throttling, or behind
(hours window not refreshed): the person searching must still get the exact answer, so the same
query goes to the DynamoDB backend (``SearchService``), the fallback is logged with structured
keys, and a ``SearchFallback`` metric (CloudWatch EMF, dimension ``reason``) counts it for an
alarm. Domain errors (a malformed cursor, an unknown category) are the caller's and propagate:
the fallback would answer the same 400.

A cursor given out by OpenSearch (version 2) is rewritten into the DynamoDB backend's version 1,
so paging goes on across a fallback (see cursor.py).

A circuit breaker (``CircuitBreaker``) stands in front of the cluster: once it timed out, was
unreachable, throttled or failed on its side, searches go straight to DynamoDB for
``opensearch_breaker_seconds`` (30 s), then one search probes the cluster (half-open). A hung
cluster so costs one timeout (2 s) per interval per container, not one per search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

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

_T = TypeVar("_T")

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


CIRCUIT_OPEN = "circuit_open"
"""The ``reason`` of a fallback taken without asking the cluster (the breaker is open)."""

_CLUSTER_FAULTS = frozenset({"timeout", "connection", "throttled", "transport"})
"""Failure reasons that say the cluster itself is unwell (with every ``http_5xx``): they open
the breaker. An index that cannot answer one query (hours window behind) or a request the
cluster refused (4xx) says nothing of the next search, and costs no timeout."""


def is_cluster_fault(reason: str) -> bool:
    return reason in _CLUSTER_FAULTS or reason.startswith("http_5")


class CircuitBreaker:
    """Closed (calls go through) → open after a cluster fault (calls skip the cluster for
    ``open_seconds``) → half-open (one call probes; the others keep skipping) → closed on
    success, open again on failure.

    State is per container, as everything in a Lambda: a new container starts closed and
    pays at most one timeout to learn. ``monotonic`` is injected so tests move time by hand.
    """

    def __init__(
        self, open_seconds: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._open_seconds = open_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._open_until is None:
                return "closed"
            if self._probing or self._monotonic() >= self._open_until:
                return "half_open"
            return "open"

    def allow(self) -> bool:
        """May this call go to the cluster? True when closed, or for the one probe."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self._monotonic() < self._open_until:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            was_open = self._open_until is not None
            self._open_until = None
            self._probing = False
        if was_open:
            logger.info("search_circuit_closed")

    def failed(self) -> None:
        with self._lock:
            self._open_until = self._monotonic() + self._open_seconds
            self._probing = False
        logger.warning("search_circuit_opened", extra={"open_seconds": self._open_seconds})

    def released(self) -> None:
        """The call ended without saying anything of the cluster's health (a caller's error,
        an index that cannot answer this query): a probe may be tried again."""
        with self._lock:
            self._probing = False


class FallbackPlaceSearch:
    def __init__(
        self,
        primary: PlaceSearch,
        fallback: PlaceSearch,
        *,
        reason_of: Callable[[Exception], str] = failure_reason,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._reason_of = reason_of
        # None: every search asks the cluster first (tests of the fallback alone).
        self._breaker = breaker

    def _ask_primary(self, operation: str, call: Callable[[], _T]) -> _T | None:
        """The primary's answer, or None when the fallback must answer (failure or open
        breaker, both logged and counted)."""
        breaker = self._breaker
        if breaker is not None and not breaker.allow():
            _count(CIRCUIT_OPEN)
            return None
        try:
            answer = call()
        except RepereError:
            if breaker is not None:
                breaker.released()
            raise
        except Exception as error:  # any failure of the projection falls back
            reason = self._record(operation, error)
            if breaker is not None:
                if is_cluster_fault(reason):
                    breaker.failed()
                else:
                    breaker.released()
            return None
        if breaker is not None:
            breaker.succeeded()
        return answer

    def search(self, query: SearchQuery) -> SearchPage:
        page = self._ask_primary("search", lambda: self._primary.search(query))
        if page is not None:
            return page
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
        listing = self._ask_primary(
            "department_listing",
            lambda: self._primary.department_listing(
                department, categories, open_filter, limit_per_category
            ),
        )
        if listing is not None:
            return listing
        return self._fallback.department_listing(
            department, categories, open_filter, limit_per_category
        )

    def _record(self, operation: str, error: Exception) -> str:
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
        _count(reason)
        return reason


def _count(reason: str) -> None:
    with single_metric(
        name=METRIC_NAME, unit=MetricUnit.Count, value=1, namespace=METRIC_NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=reason)
