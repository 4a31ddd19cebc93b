"""Regenerate chalicelib/data/botocore_dynamodb_endpoints.json from the installed botocore.

The search path's client (chalicelib/adapters/dynamodb/lean_client.py) reads DynamoDB's
endpoints from this file instead of botocore's 1.25 MB ``endpoints.json``.
tests/unit/test_lean_client.py checks the file equals botocore's data cut down to DynamoDB,
so upgrading botocore without running this fails the tests.

    .venv/bin/python -m devtools.botocore_endpoints
"""

from __future__ import annotations

import json

from botocore.loaders import Loader

from chalicelib.adapters.dynamodb.lean_client import ENDPOINTS_FILE, dynamodb_endpoints


def installed_endpoints() -> dict[str, object]:
    """botocore's bundled endpoints, cut down to DynamoDB."""
    data: dict[str, object] = Loader().load_data("endpoints")
    return dynamodb_endpoints(json.loads(json.dumps(data)))


def main() -> None:
    ENDPOINTS_FILE.write_text(
        json.dumps(installed_endpoints(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {ENDPOINTS_FILE}")


if __name__ == "__main__":
    main()
