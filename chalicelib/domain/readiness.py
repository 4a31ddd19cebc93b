"""Readiness: can this API serve requests now (``GET /health/ready``)?

``GET /health`` says the function runs (liveness); readiness asks the store, so a load
balancer, an uptime monitor or a deployment check sees a frozen DynamoDB as "not ready"
instead of a green light above a wall of 503s.
"""

from __future__ import annotations

from typing import Protocol


class ReadinessProbe(Protocol):
    def check(self) -> None:
        """Return when the dependency answered; raise (``Unavailable`` or the adapter's own
        error, which the API's error map answers 503) when it did not, within the API's
        store budget."""
        ...
