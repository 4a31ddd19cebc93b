"""The opensearch-py client, and the few index operations Repère uses, behind one small class.

Amazon OpenSearch Service authenticates requests with AWS Signature V4: ``AWSV4SignerAuth``
signs each request with the Lambda role's credentials (boto3's credential chain, refreshed
when they rotate). ``opensearch_auth=none`` is for a local cluster (the live contract tests).

This is the only module that imports ``opensearchpy``; it is imported when the search backend
is ``opensearch``, or by the indexer and reindex workers, never by a DynamoDB deployment's API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings

if TYPE_CHECKING:
    from opensearchpy import OpenSearch

REINDEXING_SUFFIX = "-reindexing"
"""While a reindex runs, its new index sits behind ``<alias>-reindexing``, and the stream
indexer writes to it as well as to the live index (see reindex.py)."""


def build_client(
    settings: Settings,
    *,
    for_indexing: bool = False,
    connection_class: Any = None,
    **connection_options: Any,
) -> OpenSearch:
    """An opensearch-py client for the configured endpoint.

    The API's client does not retry: a slow or failing cluster is the fallback's business, and a
    retry would only double the wait. Workers retry throttling and gateway errors.
    ``connection_class`` and ``connection_options`` let tests put a fake under the real client.
    """
    from opensearchpy import OpenSearch, RequestsHttpConnection

    if settings.opensearch_endpoint is None and connection_class is None:
        raise ValueError("REPERE_OPENSEARCH_ENDPOINT is not set")
    options: dict[str, Any] = {
        "hosts": [settings.opensearch_endpoint or "http://opensearch.invalid:9200"],
        "connection_class": connection_class or RequestsHttpConnection,
        "timeout": (
            settings.opensearch_bulk_timeout_seconds
            if for_indexing
            else settings.opensearch_timeout_seconds
        ),
        "max_retries": 3 if for_indexing else 0,
        "retry_on_timeout": for_indexing,
        "retry_on_status": (429, 502, 503, 504) if for_indexing else (),
        "http_compress": for_indexing,  # bulk bodies compress ~10x; search bodies are small
        **connection_options,
    }
    if settings.opensearch_auth == "sigv4":
        options["http_auth"] = sigv4_auth(settings)
    return OpenSearch(**options)


def sigv4_auth(settings: Settings) -> Any:
    """SigV4 request signing with the process's AWS credentials (the Lambda role)."""
    import boto3
    from opensearchpy import AWSV4SignerAuth

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise ValueError("no AWS credentials to sign OpenSearch requests with")
    return AWSV4SignerAuth(credentials, settings.region, settings.opensearch_sigv4_service)


@dataclass(frozen=True)
class BulkItem:
    """The outcome of one action of a bulk request."""

    status: int
    error: str | None

    @property
    def version_conflict(self) -> bool:
        return self.status == 409


class PlacesIndex:
    """The places alias and its indices on one cluster (thin: each method is one request)."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client = client
        self.alias = alias

    @property
    def reindexing_alias(self) -> str:
        return self.alias + REINDEXING_SUFFIX

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.client.search(index=self.alias, body=body)
        return response

    def bulk(self, lines: Iterable[dict[str, Any]], *, refresh: bool = False) -> list[BulkItem]:
        """Send action/document lines; one ``BulkItem`` per action, in order."""
        body = list(lines)
        if not body:
            return []
        params = {"refresh": "true"} if refresh else {}
        response: dict[str, Any] = self.client.bulk(body=body, params=params)
        items: list[BulkItem] = []
        for item in response["items"]:
            (result,) = item.values()
            error = result.get("error")
            reason = None
            if error is not None:
                reason = (
                    f"{error.get('type')}: {error.get('reason')}"
                    if isinstance(error, dict)
                    else str(error)
                )
            items.append(BulkItem(status=int(result["status"]), error=reason))
        return items

    def indices_behind(self, *aliases: str) -> dict[str, list[str]]:
        """alias -> the indices it points at (an alias that does not exist: no indices)."""
        names = ",".join(aliases)
        response: dict[str, Any] = self.client.indices.get_alias(
            name=names, params={"ignore_unavailable": "true"}, ignore=[404]
        )
        found: dict[str, list[str]] = {alias: [] for alias in aliases}
        for index, description in response.items():
            if not isinstance(description, dict):
                continue  # the 404 body's "error"/"status" keys
            for alias in description.get("aliases", {}):
                if alias in found:
                    found[alias].append(index)
        return {alias: sorted(indices) for alias, indices in found.items()}

    def write_targets(self) -> list[str]:
        """Where a change must be written: the live index and, during a reindex, the new one."""
        behind = self.indices_behind(self.alias, self.reindexing_alias)
        return sorted({*behind[self.alias], *behind[self.reindexing_alias]})

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        self.client.indices.create(index=name, body=body)

    def put_settings(self, name: str, body: dict[str, Any]) -> None:
        self.client.indices.put_settings(index=name, body=body)

    def refresh(self, name: str) -> None:
        self.client.indices.refresh(index=name)

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """All actions atomically (one ``POST /_aliases``)."""
        self.client.indices.update_aliases(body={"actions": actions})

    def delete_index(self, name: str) -> None:
        self.client.indices.delete(index=name)
