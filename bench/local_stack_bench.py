"""Local-stack benchmark (issue 15): how long the local stack takes to answer a 100-place batch
update and campaign starts of ~90 and ~500 places, over HTTP as `make run` serves them.

A moto server (its DynamoDB serialised: devtools/moto_serial.py) on a free loopback port, the
mail queue, SES identity and link keys as `make run` prepares them, ~2,000 demo places
(devtools/demo_data.py) and the API served by devtools/local_api.py in a thread. With
``--queues`` the batch-updates and campaigns queues and their pumps (devtools/local_queues.py)
run as in `make run`: the answer is then timed apart from the work the pumped worker finishes
(``complete_s``: until the batch or the campaign's start is complete).

Prints one JSON document and writes it to bench/results/local_stack.json (``--label`` names the
run inside it, so a before and an after sit side by side). Figures are wall seconds on this
machine, shared with other processes: read them as orders of magnitude.

    .venv/bin/python -m bench.local_stack_bench --label before
    .venv/bin/python -m bench.local_stack_bench --label after --queues
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "local_stack.json"
REGION = "eu-west-3"
SEED = 2020
# Departments chosen for their sizes: a small campaign (~90 online places), a large one
# (~500) and the rest of the ~2,000 places elsewhere (where the batch takes its 100).
SMALL, LARGE = ("48", 100), ("69", 560)
OTHERS = (("33", 700), ("59", 640))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(moto_port: int) -> None:
    endpoint = f"http://127.0.0.1:{moto_port}"
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "REPERE_STAGE": "local",
            "REPERE_GEOCODER": "fake",
            "REPERE_TABLE_PREFIX": "repere-local",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "REPERE_STORE_READ_TIMEOUT_SECONDS": "3",
        }
    )


def _seed() -> dict[str, list[str]]:
    """Online place ids by department."""
    from chalicelib.composition import services
    from chalicelib.domain.places.models import Place, PlaceStatus
    from devtools.demo_data import synthetic_places

    now = datetime.now(UTC)
    places: list[Place] = []
    for offset, (department, count) in enumerate((SMALL, LARGE, *OTHERS)):
        places.extend(
            synthetic_places(count, seed=SEED + offset, now=now, departments=[department])
        )
    services().adapters.places.load_fresh(places)
    online: dict[str, list[str]] = {}
    for place in places:
        if place.status is PlaceStatus.ONLINE:
            online.setdefault(place.address.department_code, []).append(place.id)
    return online


def _token() -> str:
    from chalicelib.api.auth import verifier_for
    from chalicelib.config import get_settings
    from chalicelib.domain.auth import Role

    return verifier_for(get_settings()).issue(
        subject="bench-admin",
        role=Role.ADMIN,
        departments=(),
        name="bench",
        now=datetime.now(UTC),
        ttl=timedelta(hours=2),
    )


class Api:
    def __init__(self, port: int, token: str) -> None:
        self._base = f"http://127.0.0.1:{port}"
        self._token = token

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, float]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL of our own server
            self._base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        elapsed = time.perf_counter() - started
        return status, json.loads(raw) if raw else None, round(elapsed, 2)


def _wait(check: Callable[[], bool], started: float, limit_s: float = 600) -> float | None:
    while time.perf_counter() - started < limit_s:
        if check():
            return round(time.perf_counter() - started, 2)
        time.sleep(0.25)
    return None


def _batch(api: Api, ids: list[str]) -> dict[str, Any]:
    body = {
        "idempotency_key": f"bench-batch-{int(time.time())}",
        "selection": {"ids": ids},
        "patch": {"temporary_closure": {"start_date": "2020-03-17", "reason": "Confinement"}},
        "comment": "bench",
    }
    started = time.perf_counter()
    status, answer, seconds = api.call("POST", "/admin/batch-updates", body)
    result: dict[str, Any] = {"places": len(ids), "status": status, "answer_s": seconds}
    if status == 202:
        url = answer["status_url"]
        result["complete_s"] = _wait(lambda: bool(api.call("GET", url)[1]["complete"]), started)
    elif status == 200:
        result["complete_s"] = seconds
        result["counts"] = {key: value for key, value in answer["counts"].items() if value}
    return result


def _campaign(api: Api, department: str, places: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body = {
        "name": f"Bench {department}",
        "departments": [department],
        "sections": ["hours", "temporary_info", "contacts"],
        "end_date": (today + timedelta(days=30)).isoformat(),
    }
    started = time.perf_counter()
    status, answer, seconds = api.call(
        "POST", "/admin/campaigns", body, {"Idempotency-Key": f"bench-{department}-{time.time()}"}
    )
    result: dict[str, Any] = {"online_places": places, "status": status, "answer_s": seconds}
    if status not in (200, 201):
        result["error"] = answer
        return result
    campaign_id = answer["campaign"]["id"]
    result["prepared_in_request"] = answer["progress"]["overall"]["total"]

    def running() -> bool:
        report = api.call("GET", f"/admin/campaigns/{campaign_id}")[1]
        result["targets"] = report["progress"]["overall"]["total"]
        return bool(report["campaign"]["status"] == "running")

    result["complete_s"] = _wait(running, started)
    # Ended so that the next department's campaign may start (no overlap rule applies, but a
    # bench leaves nothing running).
    api.call("POST", f"/admin/campaigns/{campaign_id}/end")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="local-stack benchmark (issue 15)")
    parser.add_argument("--label", default="run")
    parser.add_argument("--queues", action="store_true", help="batch/campaign queues + pumps")
    options = parser.parse_args()

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_port = _free_port()
    _environment(moto_port)

    from moto.server import ThreadedMotoServer

    from devtools import moto_serial

    moto_serial.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    pumps: list[Any] = []
    try:
        from devtools.local_mail import prepare_mail

        os.environ.update(prepare_mail())
        if options.queues:
            from devtools.local_queues import start_local_queues

            pumps.extend(start_local_queues(REGION))

        from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
        from chalicelib.config import get_settings

        get_settings.cache_clear()
        settings = get_settings()
        bind_tables(settings.table_prefix, region=settings.region)
        create_tables(wait=True)
        started = time.perf_counter()
        online = _seed()
        seed_s = round(time.perf_counter() - started, 1)

        from devtools.local_api import serve_in_thread

        api_server, port = serve_in_thread()
        api = Api(port, _token())
        batch_ids = online[OTHERS[0][0]][:100]
        results: dict[str, Any] = {
            "label": options.label,
            "queues": options.queues,
            "seeded_places": sum(count for _, count in (SMALL, LARGE, *OTHERS)),
            "seed_s": seed_s,
            "batch_100": _batch(api, batch_ids),
            "batch_150": _batch(api, online[OTHERS[1][0]][:150]),
            "campaign_small": _campaign(api, SMALL[0], len(online[SMALL[0]])),
            "campaign_large": _campaign(api, LARGE[0], len(online[LARGE[0]])),
        }
        api_server.server.shutdown()
    finally:
        for pump in pumps:
            pump.stop()
        server.stop()
    print(json.dumps(results, indent=2))
    existing: dict[str, Any] = {}
    if RESULTS.exists():
        existing = json.loads(RESULTS.read_text(encoding="utf-8"))
    existing[options.label] = results
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
