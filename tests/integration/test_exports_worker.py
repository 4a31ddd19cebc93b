"""The export worker end to end on moto: DynamoDB places and jobs, SQS queue, S3 files.

schedule event -> jobs queued on SQS -> queue handler renders and stores in S3 -> the public
download route redirects to a presigned URL that serves the very file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from functions.exports import handlers
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX

BUCKET = "repere-test-exports"
MONDAY = "2024-03-18T05:00:00Z"  # 06:00 in Paris


@dataclass
class Worker:
    s3: Any
    sqs: Any
    queue_url: str

    def receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)


def _sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
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
def worker(
    dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Worker]:
    s3 = boto3.client("s3", region_name=TEST_REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": TEST_REGION})
    sqs = boto3.client("sqs", region_name=TEST_REGION)
    queue_url = sqs.create_queue(QueueName="exports")["QueueUrl"]
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_EXPORTS_BUCKET", BUCKET)
    monkeypatch.setenv("REPERE_EXPORTS_QUEUE_URL", queue_url)
    monkeypatch.setenv("REPERE_EXPORTS_SETS_FILE", _sets_file(tmp_path))
    get_settings.cache_clear()
    handlers.load_schedule.cache_clear()
    roots.reset()
    roots.use(clock=FixedClock(datetime(2024, 3, 18, 5, 0, tzinfo=UTC)))
    DynamoPlaceRepository().load_fresh(
        [
            make_place("p1", categories=("food_packages",), name="Épicerie du canal"),
            make_place("p2", categories=("shower",), name="Bains-douches"),
        ]
    )
    try:
        yield Worker(s3, sqs, queue_url)
    finally:
        roots.reset()
        get_settings.cache_clear()
        handlers.load_schedule.cache_clear()


def _sets_file(directory: Path) -> str:
    path = directory / "sets.json"
    with path.open("w", encoding="utf-8") as out:
        json.dump(
            {
                "sets": [
                    {
                        "name": "weekly",
                        "territories": [{"department": "75", "label": "Paris"}],
                        "category_sets": [{"title": "Alimentation", "categories": ["food"]}],
                        "formats": ["html", "csv", "geojson"],
                    }
                ]
            },
            out,
        )
    return str(path)


def _scheduled_event(detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": MONDAY,
        "region": TEST_REGION,
        "resources": [f"arn:aws:events:{TEST_REGION}:123456789012:rule/weekly-exports"],
        "detail": detail or {},
    }


def test_the_schedule_handler_queues_renders_and_stores_every_configured_export(
    worker: Worker,
) -> None:
    result = handlers.schedule_handler(_scheduled_event(), None)
    assert result["scheduled"] == 3
    messages = worker.receive()
    assert len(messages) == 3

    response = handlers.queue_handler(_sqs_event(messages), None)
    assert response == {"batchItemFailures": []}

    objects = worker.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    keys = sorted(obj["Key"] for obj in objects)
    assert sorted(key.rsplit(".", 1)[-1] for key in keys) == ["csv", "geojson", "html"]
    assert all(key.startswith("exports/75/2024-03-18/") for key in keys)
    head = worker.s3.head_object(Bucket=BUCKET, Key=next(k for k in keys if k.endswith(".csv")))
    assert head["ContentType"] == "text/csv; charset=utf-8"
    assert head["Metadata"]["export-id"] in result["export_ids"]
    assert head["Metadata"] == {
        "export-id": head["Metadata"]["export-id"],
        "department": "75",
        "territory": "75",
        "categories": "food",
        "format": "csv",
        "data-date": "2024-03-18",
        "generated-at": "2024-03-18T05:00:00+00:00",
        "entries": "1",
    }
    html_key = next(k for k in keys if k.endswith(".html"))
    html = worker.s3.get_object(Bucket=BUCKET, Key=html_key)["Body"].read().decode()
    assert "Épicerie du canal" in html and "Bains-douches" not in html


def test_a_schedule_event_delivered_twice_queues_each_export_once_more_at_most(
    worker: Worker,
) -> None:
    first = handlers.schedule_handler(_scheduled_event({"sets": ["weekly"]}), None)
    handlers.queue_handler(_sqs_event(worker.receive()), None)
    again = handlers.schedule_handler(_scheduled_event({"sets": ["weekly"]}), None)
    assert again["export_ids"] == first["export_ids"]
    assert worker.receive() == []  # all ready: nothing queued again


def test_a_poison_record_is_reported_alone_in_batch_item_failures(worker: Worker) -> None:
    handlers.schedule_handler(_scheduled_event(), None)
    good = worker.receive()[:1]
    poison = [
        {**good[0], "MessageId": "poison-1", "Body": "not json"},
        {**good[0], "MessageId": "poison-2", "Body": json.dumps({"export_id": "exp-unknown-000"})},
    ]
    response = handlers.queue_handler(_sqs_event(good + poison), None)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "poison-1"}, {"itemIdentifier": "poison-2"}]
    }


def test_download_redirects_to_a_presigned_url_serving_the_file(worker: Worker) -> None:
    from app import app

    handlers.schedule_handler(_scheduled_event(), None)
    handlers.queue_handler(_sqs_event(worker.receive()), None)
    with Client(app) as client:
        listing = json.loads(client.http.get("/exports?format=csv").body)
        (export,) = listing["exports"]
        response = client.http.get(export["download_path"])
        assert response.status_code == 302
        url = response.headers["Location"]
        assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
        served = requests.get(url, timeout=5)
        assert served.status_code == 200
        assert served.content.decode("utf-8-sig").startswith("id,name,organisation")
        assert "attachment" in served.headers["Content-Disposition"]
        again = json.loads(client.http.get("/exports?format=csv").body)
        assert again["exports"][0]["download_count"] == 1
