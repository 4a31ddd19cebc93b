"""Rebuild the OpenSearch index from the places table, from a workstation (same code as the
``reindex`` Lambda function). Settings come from the usual REPERE_* variables::

    REPERE_TABLE_PREFIX=repere-prod \\
    REPERE_OPENSEARCH_ENDPOINT=https://search-repere-xxxx.eu-west-3.es.amazonaws.com \\
        python -m devtools.opensearch_reindex --keep-old

    # a local cluster, no SigV4:
    REPERE_OPENSEARCH_ENDPOINT=http://localhost:9200 REPERE_OPENSEARCH_AUTH=none \\
        python -m devtools.opensearch_reindex

Prints the report as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from functions.reindex import ReindexEvent, report_json, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-old", action="store_true", help="keep the previous index")
    parser.add_argument(
        "--force", action="store_true", help="take over from a reindex that died mid-way"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = run(ReindexEvent(keep_old=args.keep_old, force=args.force))
    payload = {**report_json(report), "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
