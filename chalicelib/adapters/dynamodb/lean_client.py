"""A botocore DynamoDB client created from the data it needs alone.

The first search of a fresh Lambda container pays for creating its client. With botocore's
default loader that costs ~65 ms of CPU here, and two thirds of it is not about DynamoDB:
botocore lists its ~450 service directories to check that "dynamodb" is one of them (twice:
service model, endpoint rules), and decodes ``endpoints.json``, 1.25 MB of endpoints of every
service in every partition, to resolve one hostname.

``create_dynamodb_client`` builds the same client with a loader that knows it only serves
DynamoDB and reads the endpoints of DynamoDB alone from ``chalicelib/data/
botocore_dynamodb_endpoints.json``: botocore's own file cut down to DynamoDB's entries by
``dynamodb_endpoints`` (``devtools/botocore_endpoints.py`` writes it; a test fails when the
installed botocore's file says otherwise, so it is regenerated with every upgrade). Every other
file (service model, endpoint rules, partitions, retry and default settings) is botocore's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.loaders import Loader
from botocore.session import get_session

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
ENDPOINTS_FILE = DATA_DIR / "botocore_dynamodb_endpoints.json"
SERVICE = "dynamodb"


def dynamodb_endpoints(endpoints: dict[str, Any]) -> dict[str, Any]:
    """botocore's ``endpoints.json`` data with DynamoDB's services entries alone (partitions,
    regions and defaults kept whole: they are what hostnames are made of)."""
    return {
        **endpoints,
        "partitions": [
            {
                **partition,
                "services": {
                    name: entry
                    for name, entry in partition.get("services", {}).items()
                    if name == SERVICE
                },
            }
            for partition in endpoints["partitions"]
        ],
    }


class _DynamoDBLoader(Loader):  # type: ignore[misc]  # botocore is untyped
    """botocore's loader, told it serves DynamoDB alone (see the module)."""

    def list_available_services(self, type_name: str) -> list[str]:
        # Only used to check the service asked for exists before loading its model.
        return [SERVICE]

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        if name == "endpoints":
            text = ENDPOINTS_FILE.read_text(encoding="utf-8")
            return json.loads(text), str(ENDPOINTS_FILE.with_suffix(""))
        found: tuple[Any, str] = super().load_data_with_path(name)
        return found

    def is_builtin_path(self, path: str) -> bool:
        # The cut-down endpoints are botocore's own data: resolve as with the bundled file
        # (botocore treats endpoints from elsewhere as a custom endpoint override).
        return path == str(ENDPOINTS_FILE.with_suffix("")) or bool(super().is_builtin_path(path))


def create_dynamodb_client(region: str, config: Config) -> Any:
    """A DynamoDB client like ``get_session().create_client("dynamodb", ...)`` (same endpoint,
    credentials, retries and configuration), created for a fraction of its CPU."""
    session = get_session()
    session.register_component("data_loader", _DynamoDBLoader())
    return session.create_client(SERVICE, region_name=region, config=config)
