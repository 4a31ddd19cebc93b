"""Newsletter benchmark: the lockdown's 32,409 e-mails, rendered and sent on moto.

One weekly run (functions/newsletters.handler: subscribers scanned once, digest built once
per department, one SQS message per subscriber through SendMessageBatch) and the mailer
(functions/mailer.handler) over every queued message in SQS batches of ten, as the event
source mapping delivers them: suppression check, subscription still active, claim in the
sent-mail ledger, issue loaded once per container, Jinja2 render of the HTML and text parts,
raw MIME with the List-Unsubscribe headers, SES v2 send_email, mark sent. The mailer drains
the queue after each chunk of 500 queued messages (in AWS it drains concurrently): moto's SQS
scans its whole queue on every call, so a 32,409-deep queue would measure moto, not us.
Everything runs in one process on moto (DynamoDB, SQS, SES v2): the figures are this
machine's CPU for our code plus moto's, not AWS latency (in AWS the limit is SES's rate).

    .venv/bin/python -m bench.newsletter_bench                     # 32,409 e-mails
    .venv/bin/python -m bench.newsletter_bench --subscribers 3000  # measured + extrapolated

Prints one JSON document and writes it to bench/results/newsletters.json. Peak memory is
the process's peak RSS (``ru_maxrss``: moto's in-memory AWS included, so an upper bound of
what a mailer Lambda holds) and tracemalloc's peak over one mailer batch of ten.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCKDOWN_EMAILS = 32_409
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "newsletters.json"
REGION = "eu-west-3"
NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
FROM = "no-reply@repere.example.org"
DEPARTMENTS = ("75", "93", "94", "92", "13", "69", "59", "33", "31", "44")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class Counters:
    batches: int = 0
    handler_s: float = 0.0
    traced_peak_kb: float = 0.0
    fan_out_s: float = 0.0
    drain_s: float = 0.0


class DrainingQueue:
    """The worker's queue: SendMessageBatch into moto's SQS, then the mailer drains what was
    queued, as the event source mapping does concurrently in AWS. Draining as we go keeps
    moto's queue shallow: moto scans every message of a queue on each call (quadratic in
    its depth), which would otherwise measure moto rather than us."""

    def __init__(self, sqs: Any, queue_url: str, counters: Counters) -> None:
        from chalicelib.adapters.sqs.mail_queue import SqsMailQueue

        self._sqs = sqs
        self._url = queue_url
        self._queue = SqsMailQueue(sqs, queue_url)
        self._counters = counters

    def send(self, message: Any) -> None:
        self.send_many([message])

    def send_many(self, messages: list[Any]) -> None:
        t0 = time.perf_counter()
        self._queue.send_many(messages)
        self._counters.fan_out_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        while True:
            received = self._sqs.receive_message(
                QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not received:
                break
            _deliver(self._sqs, self._url, received, self._counters)
        self._counters.drain_s += time.perf_counter() - t0


def _deliver(sqs: Any, queue_url: str, messages: list[dict[str, Any]], counters: Counters) -> None:
    """One mailer invocation on a batch of up to ten, then delete what it did (as the event
    source mapping does)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID

    from functions import mailer

    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:mail",
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }
    trace = counters.batches == 1  # one batch under tracemalloc (it slows everything down)
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = mailer.handler(event, None)
    counters.handler_s += time.perf_counter() - t0
    if trace:
        counters.traced_peak_kb = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    if result["batchItemFailures"]:
        raise RuntimeError(f"mailer failures: {result}")
    sqs.delete_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ],
    )
    counters.batches += 1


def _places() -> Any:
    """The scripted week of the tests, copied into every department (8 changes each)."""
    from tests.fakes import InMemoryPlaceRepository
    from tests.newsletter_support import write
    from tests.unit.newsletters.test_digest import TUESDAY, scripted_week

    places = InMemoryPlaceRepository()
    source = scripted_week()
    for department in DEPARTMENTS:
        for place in source.places.values():
            copy = place.model_copy(
                update={
                    "id": f"{department}-{place.id}",
                    "slug": f"{department}-{place.slug}",
                    "address": place.address.model_copy(update={"department_code": department}),
                }
            )
            write(places, copy, TUESDAY)
    return places


def _seed_subscribers(count: int) -> None:
    from chalicelib.adapters.dynamodb.subscriptions import SubscriptionRecord
    from chalicelib.config import get_settings
    from chalicelib.domain.newsletters.models import Subscriber, SubscriptionStatus
    from chalicelib.domain.newsletters.subscriptions import SubscriberIds

    ids = SubscriberIds(get_settings().newsletter_key())
    with SubscriptionRecord.batch_write() as batch:
        for number in range(count):
            address = f"partenaire{number}@asso{number % 97}.example.org"
            subscriber = Subscriber(
                id=ids.of(address),
                email=address,
                status=SubscriptionStatus.ACTIVE,
                departments=[DEPARTMENTS[number % len(DEPARTMENTS)]],
                nonce="n",
                confirm_sent_at=NOW,
                created_at=NOW,
                confirmed_at=NOW,
            )
            batch.save(
                SubscriptionRecord(
                    subscriber.id, body=subscriber.model_dump_json(), status="active", version=1
                )
            )


def run(subscribers: int) -> dict[str, Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "REPERE_TABLE_PREFIX": "bench",
        "REPERE_STAGE": "test",
        "REPERE_NEWSLETTER_API_URL": "https://api.repere.example.org",
        "REPERE_NEWSLETTER_UNSUBSCRIBE_MAILTO": "mailto:stop@repere.example.org",
    }.items():
        os.environ[name] = value
    import boto3
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.config import get_settings
    from chalicelib.domain.clock import FixedClock
    from functions import newsletters
    from tests import composition_support as roots
    from tests.newsletter_support import FixedExports, codec
    from tests.unit.newsletters.test_digest import EXPORT

    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=FROM)
        os.environ["REPERE_MAIL_QUEUE_URL"] = queue_url
        get_settings.cache_clear()
        bind_tables("bench", region=REGION)
        create_tables()
        roots.reset()

        roots.use(clock=FixedClock(NOW), places=_places())
        counters = Counters()
        roots.use(
            subscription_codec=codec(),
            latest_exports=FixedExports([EXPORT]),
            newsletter_queue=DrainingQueue(sqs, queue_url, counters),
        )
        _seed_subscribers(subscribers)

        started = time.perf_counter()
        report = newsletters.handler({"time": NOW.isoformat(), "detail": {}}, None)
        total_s = time.perf_counter() - started
        sent = len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
        roots.reset()

    handler_s = counters.handler_s
    fan_out_s = counters.fan_out_s
    drain_s = counters.drain_s
    return {
        "subscribers": subscribers,
        "departments": len(DEPARTMENTS),
        "queued": report["queued"],
        "emails_sent_in_moto_ses": sent,
        "fan_out_seconds": round(fan_out_s, 2),
        "fan_out_messages_per_second": round(report["queued"] / fan_out_s, 1),
        "mailer_handler_seconds": round(handler_s, 2),
        "mailer_batches": counters.batches,
        "mailer_ms_per_batch_of_10": round(handler_s / max(counters.batches, 1) * 1000, 1),
        "sqs_receive_delete_seconds": round(drain_s - handler_s, 2),
        "digest_and_scan_seconds": round(total_s - fan_out_s - drain_s, 2),
        "total_seconds": round(total_s, 2),
        "emails_per_second_mailer": round(sent / handler_s, 1) if handler_s else None,
        "emails_per_second_end_to_end": round(sent / total_s, 1) if total_s else None,
        "peak_rss_mb": _peak_rss_mb(),
        "tracemalloc_peak_kb_one_mailer_batch": round(counters.traced_peak_kb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=LOCKDOWN_EMAILS)
    args = parser.parse_args()
    measured = run(args.subscribers)
    result: dict[str, Any] = {
        "benchmark": "newsletters",
        "machine": "2 cores shared with other jobs, moto in process (DynamoDB, SQS, SES v2)",
        "measured": measured,
    }
    if args.subscribers != LOCKDOWN_EMAILS:
        scale = LOCKDOWN_EMAILS / args.subscribers
        result["extrapolated_to_32409"] = {
            "note": "linear extrapolation of the measured run (per-message costs dominate; "
            "the digests are built once per department)",
            "fan_out_seconds": round(measured["fan_out_seconds"] * scale, 1),
            "mailer_handler_seconds": round(measured["mailer_handler_seconds"] * scale, 1),
            "total_seconds": round(measured["total_seconds"] * scale, 1),
        }
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
