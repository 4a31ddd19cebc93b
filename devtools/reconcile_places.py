"""Bring every place back into step with its history: the step after a point-in-time restore
of the places or the history table (chalicelib/domain/places/reconcile.py).

    python -m devtools.reconcile_places --dry-run             # report only
    python -m devtools.reconcile_places                       # roll places forward
    python -m devtools.reconcile_places --prefer place        # keep restored places' content
    python -m devtools.reconcile_places --place p1 --place p2 # these places only

Against the tables the environment configures (REPERE_TABLE_PREFIX, AWS_DEFAULT_REGION and
credentials, as the API's); ``--endpoint http://127.0.0.1:5055`` for the local stack while
`make run` runs. For one place over HTTP: ``POST /admin/places/{id}/reconcile``.
Prints the report as JSON; exits 1 when a place could not be repaired.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from chalicelib.composition import services
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.places.reconcile import PlaceReconciler, Prefer

OPERATOR = Principal(subject="reconcile-places", role=Role.ADMIN, display_name="reconcile")
"""Who the entries a sweep writes name (``reconciled`` entries only; a roll-forward adds
none)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reconcile places with their history.")
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    parser.add_argument("--prefer", choices=[p.value for p in Prefer], default=Prefer.HISTORY)
    parser.add_argument("--place", action="append", dest="places", help="a place id (repeat)")
    parser.add_argument("--endpoint", help="a DynamoDB endpoint (the local stack's moto)")
    options = parser.parse_args(argv)
    if options.endpoint:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = options.endpoint
    root = services()
    reconciler = PlaceReconciler(root.adapters.places, root.clock)
    report = reconciler.sweep(
        OPERATOR,
        place_ids=options.places,
        prefer=Prefer(options.prefer),
        dry_run=options.dry_run,
    )
    print(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
