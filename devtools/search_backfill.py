"""`make backfill-search`: the search-backfill function, run to the end against the local stack
(or any stage the environment points at), invocation after invocation as an operator would.

    make backfill-search                # against `make run`'s moto (127.0.0.1:$MOTO_PORT)
"""

from __future__ import annotations

import json
import os
from typing import Any

from functions.search_backfill import handler


def backfill() -> list[dict[str, Any]]:
    """Invoke the handler until it says done; the reports of every invocation."""
    event: dict[str, Any] = {}
    reports: list[dict[str, Any]] = []
    while True:
        answer = handler(event, None)
        if not answer.get("ok"):
            raise SystemExit(f"search backfill refused: {answer.get('error')}")
        reports.extend(answer["reports"])
        if answer["done"]:
            return reports
        event = answer["next"]


def main() -> None:
    moto_port = os.environ.get("MOTO_PORT", "5055")
    endpoint = f"http://127.0.0.1:{moto_port}"
    os.environ.setdefault("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    os.environ.setdefault("REPERE_STAGE", "local")
    os.environ.setdefault("REPERE_TABLE_PREFIX", "repere-local")
    print(json.dumps(backfill(), indent=2))


if __name__ == "__main__":
    main()
