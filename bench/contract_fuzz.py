"""How well the OpenAPI document describes the API: schemathesis generates requests from it for
every operation and sends them to the API in process (moto, leaflet data; tests/contract/).

    .venv/bin/python -m bench.contract_fuzz [--examples 25] [--only /search]

Per operation: requests sent (valid ones, then invalid ones), server errors (5xx), answers whose
body breaks the documented schema, statuses or content types the document does not list, the
share of schema-valid requests the API accepts (2xx/3xx), and how many invalid ones it accepts
(where the document is stricter than the API). Valid requests name things that exist and
carry the version read before a write (tests/contract/fuzz.py). Writes
bench/results/contract.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "contract.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="per operation and mode")
    parser.add_argument("--only", default="", help="operations whose path contains this")
    parser.add_argument("--no-negative", action="store_true", help="valid requests only")
    parser.add_argument("--show", type=int, default=3, help="failures printed per operation")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from tests.contract.fuzz import fuzz_operation, load_schema, operations
    from tests.contract.harness import running_api

    started = time.perf_counter()
    report: dict[str, Any] = {}
    with running_api() as api:
        schema = load_schema()
        for operation in operations(schema):
            if args.only and args.only not in operation.path:
                continue
            label = f"{operation.method.upper()} {operation.path}"
            modes = ["positive"] if args.no_negative else ["positive", "negative"]
            figures = {
                mode: fuzz_operation(api, operation, mode=mode, examples=args.examples)
                for mode in modes
            }
            positive = figures["positive"]
            report[label] = {
                "requests": {mode: f.requests for mode, f in figures.items()},
                "valid_accepted_share": round(positive.accepted / positive.requests, 3)
                if positive.requests
                else None,
                # Invalid requests answered 2xx/3xx: the document forbids more than the API.
                "invalid_accepted": figures["negative"].accepted if "negative" in figures else None,
                "statuses": {mode: dict(sorted(f.statuses.items())) for mode, f in figures.items()},
                "valid_refused_because": dict(positive.reasons.most_common(4)),
                "server_errors": sum(f.server_errors for f in figures.values()),
                "failures": dict(sum((f.failures for f in figures.values()), Counter())),
            }
            line = report[label]
            print(
                f"{label:58} valid {positive.requests:3} accepted "
                f"{line['valid_accepted_share']!s:5} statuses {line['statuses']} "
                f"failures {line['failures']}"
            )
            for mode, f in figures.items():
                for sample in f.samples[: args.show]:
                    print(f"    [{mode}] {sample}")
                for sample in f.rejected[: args.show]:
                    print(f"    [rejected] {sample}")
    totals = {
        "operations": len(report),
        "requests": sum(sum(line["requests"].values()) for line in report.values()),
        "server_errors": sum(line["server_errors"] for line in report.values()),
        "failures": dict(sum((Counter(line["failures"]) for line in report.values()), Counter())),
        "operations_with_most_valid_requests_accepted": sum(
            1 for line in report.values() if (line["valid_accepted_share"] or 0) >= 0.5
        ),
        "seconds": round(time.perf_counter() - started, 1),
        "examples_per_operation_and_mode": args.examples,
        "valid_requests": sum(line["requests"]["positive"] for line in report.values()),
        "valid_accepted": round(
            sum(
                (line["valid_accepted_share"] or 0) * line["requests"]["positive"]
                for line in report.values()
            )
        ),
        "invalid_accepted": sum(line["invalid_accepted"] or 0 for line in report.values()),
    }
    print(json.dumps(totals, indent=2))
    if not args.only:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps({"totals": totals, "operations": report}, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
