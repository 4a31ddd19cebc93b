"""`make run`: an embedded AWS (moto server on 127.0.0.1, its DynamoDB serialised as
DynamoDB's is: devtools/moto_serial.py), the tables, demo data, and the API served by chalice's
local gateway (devtools/local_api.py) on 127.0.0.1:$PORT. Ctrl-C stops everything it started.

moto keeps its state in memory only, so on exit the tables are dumped to .local/dynamodb.json
and loaded again at the next start (`make run RESET=1` starts from fresh demo data).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from devtools.invoke import stack_environment, write_env
from devtools.local_exports import start_local_exports
from devtools.local_lambda import start_local_lambda
from devtools.local_paths import local_dir, shown
from devtools.local_schedule import LocalScheduler, start_local_schedule

ROOT = Path(__file__).resolve().parents[1]
STATE_FILE = local_dir() / "dynamodb.json"
REGION = "eu-west-3"


def _environment(moto_port: int) -> dict[str, str]:
    endpoint = f"http://127.0.0.1:{moto_port}"
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "REPERE_STAGE": "local",
        # Submissions are geocoded offline (docs/submissions.md).
        "REPERE_GEOCODER": os.environ.get("REPERE_GEOCODER", "fake"),
        # No network locally: texts are "translated" by marking them (docs/translations.md).
        "REPERE_TRANSLATOR": os.environ.get("REPERE_TRANSLATOR", "pseudo"),
        "REPERE_TABLE_PREFIX": os.environ.get("REPERE_TABLE_PREFIX", "repere-local"),
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        # moto in one Python process answers slower than DynamoDB, and slower still while a
        # batch or a drill loads it: 3 s to read rather than the deployed 1 s, so the local
        # stack does not answer 503 for moto's pauses (2 x (1 + 3) + 1 = 9 s at worst).
        "REPERE_STORE_READ_TIMEOUT_SECONDS": os.environ.get(
            "REPERE_STORE_READ_TIMEOUT_SECONDS", "3"
        ),
    }


def _dump_tables() -> int:
    import boto3

    client = boto3.client("dynamodb")
    state: dict[str, list[dict[str, Any]]] = {}
    for table in client.list_tables()["TableNames"]:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
        state[table] = items
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(state), encoding="utf-8")
    return sum(len(items) for items in state.values())


def _restore_tables() -> int:
    import boto3

    client = boto3.client("dynamodb")
    state: dict[str, list[dict[str, Any]]] = json.loads(STATE_FILE.read_text(encoding="utf-8"))
    existing = set(client.list_tables()["TableNames"])
    restored = 0
    for table, items in state.items():
        if table not in existing:
            continue  # a table that no longer exists in the code: its data is left in the file
        for start in range(0, len(items), 25):
            chunk = items[start : start + 25]
            request = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
            while request:
                response = client.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}
            restored += len(chunk)
    return restored


def _load_data(synthetic_count: int, reset: bool) -> None:
    """The saved tables of the last run, or fresh demo data."""
    if STATE_FILE.exists() and not reset:
        print(f"restored {_restore_tables()} items from {shown(STATE_FILE)}")
        if not _has_search_cells():
            # Saved before search cells existed: build them (the search-backfill function).
            from devtools.search_backfill import backfill

            written = sum(report["cells_written"] for report in backfill())
            print(f"built {written} search cells from the restored places")
    else:
        print(f"seeded {_seed(synthetic_count)} places (30 from the Paris Nord-Est leaflet)")


def _reconcile_in_background() -> None:
    """Places behind their history rolled forward (chalicelib/domain/places/reconcile.py):
    a state saved by a moto that lost writes (before devtools/moto_serial.py) would otherwise
    answer 409 to every edit of those places. In the background: the API starts meanwhile,
    and the repair is conditional, so an edit made at the same time is never overwritten."""
    import threading

    def sweep() -> None:
        from chalicelib.composition import services
        from chalicelib.domain.auth import Principal, Role
        from chalicelib.domain.places.reconcile import PlaceReconciler

        operator = Principal(subject="local-stack", role=Role.ADMIN)
        try:
            root = services()
            report = PlaceReconciler(root.adapters.places, root.clock).sweep(
                operator, behind_only=True
            )
        except Exception as error:  # a console line, never a dead stack
            print(f"reconcile: {type(error).__name__}: {error}")
            return
        if report.repaired or report.failed:
            print(
                f"reconcile: {len(report.repaired)} place(s) rolled forward to their history, "
                f"{len(report.failed)} could not be (see POST /admin/places/{{id}}/reconcile)"
            )

    threading.Thread(target=sweep, name="reconcile", daemon=True).start()


def _has_search_cells() -> bool:
    import boto3

    from chalicelib.adapters.dynamodb.search_cells import SearchCellRecord, table_name

    client = boto3.client("dynamodb")
    return bool(client.scan(TableName=table_name(SearchCellRecord), Limit=1)["Items"])


def _seed(synthetic_count: int) -> int:
    from chalicelib.composition import services
    from devtools.data.departments import DEPARTMENTS
    from devtools.demo_data import leaflet_places, synthetic_places

    now = datetime.now(UTC)
    places = list(leaflet_places(now))
    # Paris keeps only the real leaflet places, so the demo search shows them; synthetic
    # places fill the other departments (department pages, rural searches).
    elsewhere = [department.code for department in DEPARTMENTS if department.code != "75"]
    places.extend(synthetic_places(synthetic_count, seed=2020, now=now, departments=elsewhere))
    return services().adapters.places.load_fresh(places)


def _translate_paris_in_background() -> None:
    """The seed loads places without writes, so no change brings them to the translations
    worker: its backfill (docs/translations.md) translates Paris's, the leaflet's 30, as a
    deployed stage's first backfill would all of France. Other departments are translated
    when edited, or by `make invoke FN=translations EVENT='{"snapshot": true}'` (minutes of
    moto writes on this machine). A restored state costs reads only: current translations
    are kept."""
    import threading

    from devtools.invoke import run_worker

    def backfill() -> None:
        try:
            answer = run_worker("translations", {"snapshot": True, "department": "75"})
        except Exception as error:  # a console line, never a dead stack
            print(f"translations backfill: {type(error).__name__}: {error}")
            return
        print(f"translations backfill (Paris): {answer}")

    threading.Thread(target=backfill, name="translations-backfill", daemon=True).start()


def _start_workers(table_prefix: str) -> LocalScheduler:
    """What the API and the workers invoke: the newsletter-preview worker (served by this
    process as Lambda would, devtools/local_lambda.py, docs/newsletters.md "Preview"), the
    environment `make invoke` reads (.local/env), and the registry's schedules."""
    os.environ.update(start_local_lambda(table_prefix))
    env_file = write_env(stack_environment(os.environ))
    print(f"workers' environment in {shown(env_file)} (make invoke FN=<worker>)")
    return start_local_schedule()


def main() -> int:  # noqa: PLR0915 - one startup sequence, read top to bottom
    port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("MOTO_PORT", "5055"))
    synthetic_count = int(os.environ.get("SEED_SYNTHETIC", "2000"))
    reset = os.environ.get("RESET", "") not in ("", "0")
    os.environ.update(_environment(moto_port))

    import logging

    from moto.server import ThreadedMotoServer

    from devtools import moto_serial

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call is noise

    # moto's transactions copy and restore whole tables without a lock: concurrent edits of
    # one place lost the winner's write and kept its history entry (issue 14), and the copies
    # grew the process to gigabytes. Serialised as DynamoDB is, before the server starts.
    moto_serial.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    print(f"embedded AWS (moto) on http://127.0.0.1:{moto_port}")

    from devtools.local_mail import prepare_mail, start_mail_pump

    os.environ.update(prepare_mail())  # mail queues, SES identity, self-update signing keys
    export_pump = start_local_exports(REGION)  # bucket, queue, worker pump (docs/exports.md)
    # Large batch updates and campaign starts continue in their workers, as in AWS, rather
    # than in the request (issue 15); pumps stop with the process (daemon threads).
    from devtools.local_queues import start_local_queues

    start_local_queues(REGION)

    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.config import get_settings

    settings = get_settings()
    bind_tables(settings.table_prefix, region=settings.region)
    create_tables(wait=True)
    _load_data(synthetic_count, reset)
    _reconcile_in_background()

    pump = start_mail_pump(REGION)  # the mailer, bounces and complaints, .local/outbox/

    scheduler = _start_workers(settings.table_prefix)
    _translate_paris_in_background()

    # Not `chalice local`: its listen backlog of 5 refuses a sixth concurrent client and its
    # access log prints tokens; devtools/local_api.py serves the same gateway without either.
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.local_api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--stage",
            "local",
        ],
        cwd=ROOT,
        env=dict(os.environ),
    )
    print(f"API on http://127.0.0.1:{port}  (Ctrl-C to stop)")

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and api.poll() is None:
            time.sleep(0.2)
    finally:
        if api.poll() is None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        scheduler.stop()
        pump.stop()
        export_pump.stop()
        print(f"saved {_dump_tables()} items to {shown(STATE_FILE)}")
        server.stop()
        print("stopped")
    return 0 if stopping else (api.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
