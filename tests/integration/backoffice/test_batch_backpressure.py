"""Backpressure on batch updates (issue 14): over REPERE_BATCH_HTTP_SYNC_MAX_PLACES places, the
request plans the batch, answers 202 with a status URL, and the batch worker applies it from
its queue; the report is read at the status URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.auth import Principal
from chalicelib.domain.batch.models import BatchRequest
from functions.batch_update import handler
from tests import composition_support as roots
from tests.builders import make_place
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75, AdminApi
from tests.integration.backoffice.test_batch_and_announcements_api import (
    FakeContext,
    batch,
)

PLACES = 120  # over the default 100 applied within the request
STATUS_URL = "/admin/batch-updates/lockdown-2020-03-17"


class FakeBatchQueue:
    """The batch-updates queue, kept in memory: each message as the worker would receive it."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, caller: Principal, request: BatchRequest) -> None:
        self.bodies.append(
            json.dumps(
                {
                    "caller": caller.model_dump(mode="json"),
                    "batch": request.model_dump(mode="json", exclude_none=True),
                }
            )
        )

    def deliver(self, context: Any = None) -> dict[str, Any]:
        """Hand every queued message to the worker, as the SQS event source mapping does."""
        records = [
            {"messageId": str(number), "body": body, "eventSource": "aws:sqs"}
            for number, body in enumerate(self.bodies)
        ]
        self.bodies = []
        answer: dict[str, Any] = handler({"Records": records}, context or FakeContext())
        return answer


def _done(report: dict[str, Any]) -> dict[str, int]:
    return {status: count for status, count in report["counts"].items() if count}


@pytest.fixture
def queue(admin_api: AdminApi) -> Iterator[FakeBatchQueue]:
    fake = FakeBatchQueue()
    roots.use(batch_queue=fake)
    admin_api.places.load_fresh([make_place(f"p{number:03d}") for number in range(PLACES)])
    yield fake


def test_a_large_batch_answers_202_with_a_status_url_and_the_worker_applies_it(
    admin_api: AdminApi, queue: FakeBatchQueue
) -> None:
    status, body, headers = admin_api.call("POST", "/admin/batch-updates", ADMIN, batch())

    assert status == 202
    assert body["status_url"] == headers["Location"] == STATUS_URL
    assert body["report"]["complete"] is False
    assert body["report"]["selected"] == PLACES
    assert body["report"]["results"] == []
    assert admin_api.places.get("p000").temporary_closure is None  # not applied in the request
    assert len(queue.bodies) == 1

    status, report, _ = admin_api.call("GET", STATUS_URL, ADMIN)
    assert (status, report["complete"], _done(report)) == (200, False, {})

    assert queue.deliver() == {"batchItemFailures": []}

    status, report, _ = admin_api.call("GET", STATUS_URL, ADMIN)
    assert (status, report["complete"], _done(report)) == (200, True, {"applied": PLACES})
    assert admin_api.places.get("p000").temporary_closure is not None


def test_small_batches_and_dry_runs_still_answer_200_with_the_report(
    admin_api: AdminApi, queue: FakeBatchQueue
) -> None:
    status, body, _ = admin_api.call("POST", "/admin/batch-updates", ADMIN, batch(dry_run=True))
    assert (status, body["complete"], body["selected"]) == (200, True, PLACES)

    ids = [f"p{number:03d}" for number in range(10)]
    status, body, _ = admin_api.call(
        "POST", "/admin/batch-updates", ADMIN, batch(selection={"ids": ids})
    )
    assert (status, body["complete"], _done(body)) == (200, True, {"applied": 10})
    assert queue.bodies == []


def test_a_batch_the_worker_could_not_finish_is_delivered_again_and_resumes(
    admin_api: AdminApi, queue: FakeBatchQueue
) -> None:
    admin_api.call("POST", "/admin/batch-updates", ADMIN, batch())
    bodies = list(queue.bodies)

    out_of_time = FakeContext()
    out_of_time.remaining_ms = 1_000  # under the worker's safety margin: no chunk starts
    answer = queue.deliver(out_of_time)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "0"}]}  # SQS will redeliver

    queue.bodies = bodies
    assert queue.deliver() == {"batchItemFailures": []}
    _, report, _ = admin_api.call("GET", STATUS_URL, ADMIN)
    assert report["complete"] is True


def test_a_status_url_shows_only_the_callers_own_batch(
    admin_api: AdminApi, queue: FakeBatchQueue
) -> None:
    admin_api.call("POST", "/admin/batch-updates", ADMIN, batch())

    status, body, _ = admin_api.call("GET", STATUS_URL, MODERATOR_75)

    assert (status, body["code"]) == (404, "not_found")


def test_without_a_queue_the_request_applies_the_batch_itself(admin_api: AdminApi) -> None:
    admin_api.places.load_fresh([make_place(f"p{number:03d}") for number in range(PLACES)])
    assert get_settings().batch_queue_url is None

    status, body, _ = admin_api.call("POST", "/admin/batch-updates", ADMIN, batch())

    assert (status, body["complete"], _done(body)) == (200, True, {"applied": PLACES})
