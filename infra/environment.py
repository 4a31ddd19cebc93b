"""The environment every Repère function runs with, checked against ``chalicelib.config``.

All functions (API and workers) share one set of REPERE_* variables: names of tables, bucket,
queues, the search endpoint, the auth mode. None is a secret (secrets are passed by ARN, see
infra/spec.py), and what a function may *do* is decided by its IAM role, not by what it can
name. Sharing them keeps every function's ``Settings`` valid: a deployed stage refuses to start
with the development JWT secret, so even a worker that never authenticates anyone needs
``REPERE_AUTH_MODE=cognito``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from chalicelib.config import PREFIX, Settings

PLACEHOLDER = "cdk-token-placeholder-0123456789.example"
"""Stands for an unresolved CDK token while validating: a valid bucket name, URL host, mail
domain, ARN fragment and long enough for a secret. Only the shape of what the stack writes
itself is checked at synthesis; the values arrive at deploy time."""

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")

POWERTOOLS_VARIABLES = frozenset(
    {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        "POWERTOOLS_LOGGER_LOG_EVENT",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
        "POWERTOOLS_TRACER_CAPTURE_ERROR",
    }
)


def powertools(service: str, *, namespace: str, log_level: str) -> dict[str, str]:
    """Powertools configuration of one function. Responses and errors are not captured in
    traces: they may hold private fields (a submitter's contact, an internal note)."""
    return {
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": namespace,
        "POWERTOOLS_LOG_LEVEL": log_level,
        "POWERTOOLS_LOGGER_LOG_EVENT": "false",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    }


def with_placeholders(value: str) -> str:
    """``value`` with every CDK token marker (``${Token[...]}``) replaced by a placeholder."""
    return _TOKEN.sub(PLACEHOLDER, value)


def check_environment(
    environment: Mapping[str, str], substitute: Callable[[str], str] = with_placeholders
) -> Settings:
    """The settings a function would load from ``environment``; raises if they are invalid
    or if a variable is neither a setting (REPERE_*) nor a Powertools one."""
    unknown = sorted(
        name
        for name in environment
        if not name.startswith(PREFIX) and name not in POWERTOOLS_VARIABLES
    )
    if unknown:
        raise ValueError(f"unexpected environment variables {unknown}")
    return Settings.from_environ({name: substitute(value) for name, value in environment.items()})
