"""Campaign benchmark: start and progress reads on N synthetic places of one department
(moto in-process: DynamoDB and SQS). Prints one JSON document and writes it to
bench/results/campaigns.json.

Phases, for each size:

- ``start``: the whole start in one go (no campaigns queue): list the department, read the
  places, sign one link and queue one mail per place with an e-mail, write one target each.
- ``progress_nothing_changed``: a progress read when no place moved (the common read).
- ``progress_after_answers``: a progress read after 30% of the places were verified in the
  back office (each needs its history read once), then ``progress_again`` (settled: cheap).

Figures: AWS calls by operation (exact, counted on the botocore clients), wall seconds in
moto on this machine (not DynamoDB's latency), and ``aws_seconds_estimate`` = sequential
calls x a typical in-region latency (assumptions in ``LATENCY_MS``). The API's share of a
start (REPERE_CAMPAIGN_HTTP_MAX_PLACES) is chosen from the per-place estimate.

    .venv/bin/python -m bench.campaigns_bench            # 200 and 1,000 places
    BENCH_CAMPAIGN_SIZES=200 .venv/bin/python -m bench.campaigns_bench
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.batch_bench import moto_without_table_copies

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "campaigns.json"
SIZES = tuple(int(size) for size in os.environ.get("BENCH_CAMPAIGN_SIZES", "200,1000").split(","))
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LATENCY_MS = {
    "BatchGetItem": 15.0,
    "TransactWriteItems": 40.0,
    "SendMessage": 10.0,
    "default": 8.0,
}
"""Typical in-region latencies, used only for ``aws_seconds_estimate`` (assumptions)."""


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


@contextmanager
def counting(counter: CallCounter, sqs: Any) -> Iterator[None]:
    from chalicelib.adapters.dynamodb.tables import TABLES

    emitters: list[tuple[Any, str]] = [(sqs.meta.events, "provide-client-params.sqs.*")]
    for model in TABLES.values():
        emitter = model._get_connection().connection.client.meta.events
        if all(emitter is not known for known, _ in emitters):
            emitters.append((emitter, "provide-client-params.dynamodb.*"))
    for emitter, event in emitters:
        emitter.register(event, counter)
    try:
        yield
    finally:
        for emitter, event in emitters:
            emitter.unregister(event, counter)


def _phase(counter: CallCounter, started: float) -> dict[str, Any]:
    calls = dict(sorted(counter.calls.items()))
    estimate = sum(
        count * LATENCY_MS.get(operation, LATENCY_MS["default"])
        for operation, count in calls.items()
    )
    return {
        "seconds_moto": round(time.perf_counter() - started, 2),
        "aws_seconds_estimate": round(estimate / 1000, 2),
        "calls": calls,
    }


def _places(count: int) -> list[Any]:
    from chalicelib.domain.places.models import PlaceStatus
    from devtools.demo_data import synthetic_places

    places = []
    for index, place in enumerate(synthetic_places(count, seed=2026, now=NOW)):
        address = place.address.model_copy(update={"department_code": "75", "postal_code": "75019"})
        email = None if index % 10 == 0 else f"accueil{index}@example.org"  # 10% without
        contacts = place.contacts.model_copy(update={"email": email})
        places.append(
            place.model_copy(
                update={"status": PlaceStatus.ONLINE, "address": address, "contacts": contacts}
            )
        )
    return places


def _service(store: Any, sqs: Any, mail_url: str, clock: Any) -> tuple[Any, Any]:
    from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
    from chalicelib.adapters.dynamodb.campaigns import DynamoCampaignRepository
    from chalicelib.adapters.dynamodb.link_state import DynamoLinkStateStore
    from chalicelib.adapters.sqs.mail_queue import SqsMailQueue
    from chalicelib.domain.campaigns.service import CampaignPolicy, CampaignService
    from chalicelib.domain.ids import RandomIds
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.selfupdate.service import SelfUpdateService
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

    editor = PlaceEditor(store, clock, RandomIds(), default_taxonomy())
    links = SelfUpdateService(
        editor,
        store,
        DynamoLinkStateStore(),
        JwtLinkCodec(StaticKeySource(KeyRing(current="k1", keys={"k1": "k" * 40}))),
        clock,
        ids=RandomIds(),
        page_url="https://repere.example.org/mise-a-jour",
        link_days=30,
        writes_per_hour=30,
    )
    service = CampaignService(
        DynamoCampaignRepository(),
        store,
        links,
        SqsMailQueue(sqs, mail_url),
        clock,
        starts=None,
        policy=CampaignPolicy(),
    )
    return service, editor


def run_size(count: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
    from chalicelib.adapters.dynamodb.tables import TABLES, bind_tables
    from chalicelib.domain.auth import Principal, Role
    from chalicelib.domain.campaigns.models import CampaignRequest
    from chalicelib.domain.clock import FixedClock

    admin = Principal(subject="bench-admin", role=Role.ADMIN)
    figures: dict[str, Any] = {"places": count}
    with mock_aws(), moto_without_table_copies():
        bind_tables("bench", region="eu-west-3")
        for name in (
            "places",
            "place-history",
            "self-update-links",
            "campaigns",
            "campaign-targets",
        ):
            TABLES[name].create_table(wait=True)
        places = _places(count)
        store = DynamoPlaceRepository()
        store.load_fresh(places)
        sqs = boto3.client("sqs", region_name="eu-west-3")
        clock = FixedClock(NOW)
        service, editor = _service(
            store, sqs, sqs.create_queue(QueueName="mail")["QueueUrl"], clock
        )
        request = CampaignRequest.model_validate(
            {
                "name": "Bench",
                "departments": ["75"],
                "sections": ["hours"],
                "end_date": "2026-12-31",
            }
        )
        phases: dict[str, Any] = {}
        counter = CallCounter()
        with counting(counter, sqs):
            started = time.perf_counter()
            outcome = service.start(admin, request, idempotency_key="bench-key-1")
            phases["start"] = _phase(counter, started)
        campaign_id = outcome.report.campaign.id
        phases["start"]["per_place_estimate_ms"] = round(
            phases["start"]["aws_seconds_estimate"] * 1000 / count, 1
        )
        counter = CallCounter()
        with counting(counter, sqs):
            started = time.perf_counter()
            service.report(admin, campaign_id)
            phases["progress_nothing_changed"] = _phase(counter, started)
        clock.set(NOW + timedelta(hours=1))
        for place in places[: int(count * 0.3)]:
            editor.verify(admin, place.id, expected_version=place.version)
        for name in ("progress_after_answers", "progress_again"):
            counter = CallCounter()
            with counting(counter, sqs):
                started = time.perf_counter()
                report = service.report(admin, campaign_id)
                phases[name] = _phase(counter, started)
        phases["progress_again"]["done_percent"] = report.progress.overall.done_percent
        figures["phases"] = phases
    return figures


def main() -> None:
    document = {
        "machine_note": "moto in-process on this machine; see the module docstring",
        "sizes": [run_size(size) for size in SIZES],
    }
    text = json.dumps(document, indent=2)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
