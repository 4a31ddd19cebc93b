"""POST /admin/exports and GET /admin/exports/{id} end to end on moto (DynamoDB, SQS, S3).

An admin asks for a leaflet -> 202 with the job's id, the job queued on SQS -> the queue
handler (functions/exports) renders it into S3 -> the status says ready and the public list
shows it. Then the refusals: no token, a department outside the caller's, bad bodies, a key
reused for another body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import boto3
import pytest
from chalice.test import Client
from pypdf import PdfReader

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.clock import FixedClock
from functions.exports import handlers
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import (
    ADMIN,
    MODERATOR_75,
    VOLUNTEER_75,
    bearer,
    token,
)

BUCKET = "repere-test-exports"
NOW = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)
LEAFLET = {
    "territory": {"department": "75", "label": "Paris"},
    "categories": ["food"],
    "format": "pdf",
    "title": "Alimentation",
    "paper": "a5",
}


@dataclass
class Stack:
    client: Client
    s3: Any
    sqs: Any
    queue_url: str

    def post(
        self, body: Any, headers: dict[str, str] | None = None, path: str = "/admin/exports"
    ) -> tuple[int, Any, dict[str, str]]:
        raw = body if isinstance(body, str) else json.dumps(body)
        response = self.client.http.post(
            path,
            headers={"Content-Type": "application/json", **(headers or {})},
            body=raw.encode(),
        )
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = self.client.http.get(path, headers=headers or {})
        return response.status_code, json.loads(response.body) if response.body else None

    def queued(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", []):
            messages.extend(batch)
        return messages

    def objects(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET)
        return sorted(obj["Key"] for obj in listing.get("Contents", []))


def _sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source hands the queue handler for these messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{TEST_REGION}:123456789012:exports",
                "awsRegion": TEST_REGION,
            }
            for message in messages
        ]
    }


@pytest.fixture
def stack(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    from app import app

    s3 = boto3.client("s3", region_name=TEST_REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": TEST_REGION})
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    queue_url = sqs.create_queue(QueueName="exports")["QueueUrl"]
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_EXPORTS_BUCKET", BUCKET)
    monkeypatch.setenv("REPERE_EXPORTS_QUEUE_URL", queue_url)
    get_settings.cache_clear()
    get_settings()  # read now, from this environment (not the Chalice stage's)
    roots.reset()
    roots.use(clock=FixedClock(NOW))
    DynamoPlaceRepository().load_fresh(
        [
            make_place("p1", categories=("food_packages",), name="Épicerie du canal"),
            make_place("p2", categories=("shower",), name="Bains-douches"),
        ]
    )
    try:
        with Client(app, stage_name="local") as client:
            yield Stack(client, s3, sqs, queue_url)
    finally:
        roots.reset()
        get_settings.cache_clear()


def test_an_admin_request_is_queued_rendered_by_the_worker_stored_and_listed(
    stack: Stack,
) -> None:
    status, body, headers = stack.post(LEAFLET, ADMIN)
    assert status == 202
    export_id = body["id"]
    assert body == {
        "id": export_id,
        "status": "pending",
        "status_url": f"/admin/exports/{export_id}",
    }
    assert headers["Location"] == body["status_url"]
    assert headers["Cache-Control"] == "no-store"
    assert stack.objects() == []  # the API renders nothing itself

    messages = stack.queued()
    assert [json.loads(m["Body"]) for m in messages] == [{"export_id": export_id}]
    assert handlers.queue_handler(_sqs_event(messages), None) == {"batchItemFailures": []}

    (key,) = stack.objects()
    assert key.startswith(f"exports/75/2024-03-18/{export_id}/") and key.endswith("-a5.pdf")
    stored = stack.s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["ContentType"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(stored["Body"].read())).pages)
    assert "Épicerie du canal" in text and "Bains-douches" not in text

    status, job = stack.get(body["status_url"], ADMIN)
    assert status == 200
    assert job["status"] == "ready"
    assert job["entry_count"] == 1 and job["attempts"] == 1
    assert job["download_path"] == f"/exports/{export_id}/download"
    assert "requested_by" not in job and "request_fingerprint" not in job

    status, listing = stack.get("/exports?department=75&format=pdf")
    assert status == 200
    assert [item["id"] for item in listing["exports"]] == [export_id]


def test_the_status_is_pending_until_the_worker_ran(stack: Stack) -> None:
    _, body, _ = stack.post(LEAFLET, MODERATOR_75)
    status, job = stack.get(body["status_url"], MODERATOR_75)
    assert status == 200
    assert job["status"] == "pending" and job["download_path"] is None
    assert job["spec"]["territory"]["department"] == "75"
    assert job["spec"]["closed"] == "omit"  # the leaflet default, resolved


def test_the_same_idempotency_key_and_body_give_the_same_export(stack: Stack) -> None:
    key = {"Idempotency-Key": "leaflet-2024-03-18"}
    first = stack.post(LEAFLET, {**ADMIN, **key})
    again = stack.post(LEAFLET, {**ADMIN, **key})
    assert first[0] == again[0] == 202
    assert again[1]["id"] == first[1]["id"]
    # Queued again while not ready (the first message may have been lost), rendered once.
    messages = stack.queued()
    assert len(messages) == 2
    handlers.queue_handler(_sqs_event(messages), None)
    assert len(stack.objects()) == 1
    third = stack.post(LEAFLET, {**ADMIN, **key})
    assert third[1] == {**first[1], "status": "ready"}
    assert stack.queued() == []  # ready: nothing to do


def test_an_idempotency_key_reused_for_another_body_is_a_conflict(stack: Stack) -> None:
    key = {"Idempotency-Key": "leaflet-2024-03-18"}
    stack.post(LEAFLET, {**ADMIN, **key})
    status, body, _ = stack.post({**LEAFLET, "paper": "a4"}, {**ADMIN, **key})
    assert status == 409
    assert body["code"] == "idempotency_key_reused" and body["field"] == "Idempotency-Key"


def test_idempotency_keys_are_the_callers_own(stack: Stack) -> None:
    key = {"Idempotency-Key": "leaflet-2024-03-18"}
    other_admin = bearer(token(Role.ADMIN, subject="admin-2"))
    first = stack.post(LEAFLET, {**ADMIN, **key})
    second = stack.post({**LEAFLET, "paper": "a4"}, {**other_admin, **key})
    assert second[0] == 202 and second[1]["id"] != first[1]["id"]


def test_a_malformed_idempotency_key_is_refused(stack: Stack) -> None:
    status, body, _ = stack.post(LEAFLET, {**ADMIN, "Idempotency-Key": "short"})
    assert status == 400
    assert body["field"] == "Idempotency-Key"
    assert stack.queued() == []


def test_without_a_token_the_request_is_unauthorized(stack: Stack) -> None:
    status, body, headers = stack.post(LEAFLET)
    assert status == 401
    assert body["code"] == "missing_token"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert stack.get("/admin/exports/exp-0123456789abcdef")[0] == 401
    assert stack.queued() == []


def test_a_moderator_may_not_export_another_department(stack: Stack) -> None:
    outside = {**LEAFLET, "territory": {"postal_codes": ["93200"]}}
    status, body, _ = stack.post(outside, MODERATOR_75)
    assert status == 403
    assert body["code"] == "out_of_scope" and body["field"] == "department"
    assert stack.queued() == []


def test_a_moderator_may_not_read_the_job_of_another_department(stack: Stack) -> None:
    _, body, _ = stack.post({**LEAFLET, "territory": {"department": "93"}}, ADMIN)
    status, error = stack.get(body["status_url"], MODERATOR_75)
    assert status == 403 and error["code"] == "out_of_scope"


def test_volunteers_may_not_request_exports(stack: Stack) -> None:
    status, body, _ = stack.post(LEAFLET, VOLUNTEER_75)
    assert status == 403 and body["code"] == "role_required"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LEAFLET, "format": "docx"}, "format"),
        ({**LEAFLET, "territory": {"department": "99"}}, "territory.department"),
        ({**LEAFLET, "territory": {"department": "75", "postal_codes": ["75019"]}}, "territory"),
        ({**LEAFLET, "categories": ["unknown-category"]}, "categories"),
        ({**LEAFLET, "colour": "red"}, "colour"),
        ({k: v for k, v in LEAFLET.items() if k != "categories"}, "categories"),
        ({**LEAFLET, "data_date": "2030-01-01"}, "data_date"),
        (
            {**LEAFLET, "format": "csv", "sections": [{"title": "A", "categories": ["food"]}]},
            "sections",
        ),
        ("[1, 2]", "body"),
        ("{not json", "body"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(stack: Stack, body: Any, field: str) -> None:
    status, error, _ = stack.post(body, ADMIN)
    assert status == 400
    assert error["field"] == field
    assert set(error) == {"code", "message", "field"}
    assert stack.queued() == []


def test_an_unknown_or_malformed_job_id(stack: Stack) -> None:
    assert stack.get("/admin/exports/exp-0123456789abcdef", ADMIN)[0] == 404
    status, error = stack.get("/admin/exports/NOT_AN_ID", ADMIN)
    assert status == 400 and error["field"] == "id"


def test_the_local_stack_pump_renders_what_the_api_queued(stack: Stack) -> None:
    from devtools.local_exports import ExportPump

    _, body, _ = stack.post(LEAFLET, ADMIN)
    assert ExportPump(stack.queue_url, TEST_REGION).drain_once() == 1
    assert stack.get(body["status_url"], ADMIN)[1]["status"] == "ready"
    assert stack.queued() == []  # acknowledged
