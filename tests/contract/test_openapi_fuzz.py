"""The OpenAPI document against the API: schemathesis generates requests from the document
for every operation (valid ones, then invalid ones) and sends them to the API in process, on
DynamoDB/S3/SQS/SES in moto with the leaflet's places (tests/contract/harness.py). Every
answer must be no 5xx, a status the operation documents, the documented Content-Type, and a
body that matches the documented schema.

Deterministic: hypothesis is derandomized (the same requests at every run) and the API's clock
is fixed. Back-office operations carry an admin's token (local auth mode); valid requests name
things that exist (tests/contract/fuzz.py). How many valid requests the API accepts is measured
by ``python -m bench.contract_fuzz`` (bench/results/contract.json), not asserted here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.auth import Role
from tests.contract.fuzz import fuzz_operation, load_schema, operations
from tests.contract.harness import ChaliceWsgi, bearer, running_api

VALID_EXAMPLES = 15
INVALID_EXAMPLES = 10

KNOWN_FAILURES: dict[str, str] = {
    # "METHOD /path": "why, and who fixes it" — strict xfail: remove the line once fixed.
}

_OPERATIONS = {f"{op.method.upper()} {op.path}": op for op in operations(load_schema())}


@pytest.fixture(scope="module")
def api() -> Iterator[ChaliceWsgi]:
    with running_api() as running:
        yield running


def _cases() -> list[object]:
    return [
        pytest.param(
            label,
            id=label,
            marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[label])
            if label in KNOWN_FAILURES
            else (),
        )
        for label in _OPERATIONS
    ]


@pytest.mark.parametrize("label", _cases())
def test_operation_answers_as_documented(api: ChaliceWsgi, label: str) -> None:
    operation = _OPERATIONS[label]
    problems: list[str] = []
    for mode, examples in (("positive", VALID_EXAMPLES), ("negative", INVALID_EXAMPLES)):
        figures = fuzz_operation(api, operation, mode=mode, examples=examples)
        if figures.failures:
            problems.append(f"{mode}: {dict(figures.failures)}")
            problems.extend(f"  {sample}" for sample in figures.samples[:5])
    assert not problems, f"{label} does not answer as documented:\n" + "\n".join(problems)


# Schema-valid requests the fuzzer (bench/contract_fuzz.py) and its follow-up probes found
# answered 500 (dates at the ends of the calendar overflowed), kept as regressions.
EDGE_DATE_REQUESTS: list[tuple[str, str, Any, str]] = [
    (
        "GET",
        "/admin/stats?to=0001-01-01",
        None,
        "domain/stats/report.py:163 date_range: last - timedelta(...) OverflowError",
    ),
    (
        "GET",
        "/admin/stats/charts/top-categories.svg?to=0001-01-01",
        None,
        "domain/stats/report.py:163 date_range: last - timedelta(...) OverflowError",
    ),
    (
        "GET",
        "/admin/places?status=online&not_verified_since=0001-01-01",
        None,
        "domain/places/listing.py:50 verified_at.astimezone(UTC) OverflowError",
    ),
    (
        "POST",
        "/admin/announcements",
        {"title": "t", "body": "b", "start_date": "2026-12-01", "end_date": "9999-12-31"},
        "adapters/dynamodb/announcements.py:23 end + RETENTION_AFTER_END OverflowError",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param(method, path, body, id=f"{method} {path} ({reason})")
        for method, path, body, reason in EDGE_DATE_REQUESTS
    ],
)
def test_valid_edge_dates_are_not_server_errors(
    api: ChaliceWsgi, method: str, path: str, body: Any
) -> None:
    status, payload, _ = api.request(method, path, body, {"Authorization": bearer(Role.ADMIN)})
    assert status < 500, payload
