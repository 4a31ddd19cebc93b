"""CloudFormation custom resource: the OpenSearch fine-grained access control of a stage.

Fine-grained access control gives an IAM role nothing until it is mapped to an OpenSearch
security role. This function runs as the domain's master role (the only one OpenSearch trusts
at first) on every deploy that changes the roles, and PUTs:

- ``roles/<name>``: one security role per access level (``read``: search the places indexes;
  ``write``: index, create and delete them, move aliases), limited to the index pattern;
- ``rolesmapping/<name>``: the IAM role ARNs of the functions declared with that access level
  (infra/registry.py), as backend roles.

Deleting the resource leaves the domain as it is (the domain goes with the stack anyway).
Standard library and botocore only (both in the Lambda Python runtime). Requests are signed
with SigV4 ("es") using the function's credentials.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

SECURITY_API = "_plugins/_security/api"


def security_requests(properties: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body) of the security API calls for the resource's properties."""
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for name, role in sorted(properties["Roles"].items()):
        body = {
            "cluster_permissions": list(role["ClusterPermissions"]),
            "index_permissions": [
                {
                    "index_patterns": list(role["IndexPatterns"]),
                    "allowed_actions": list(role["IndexActions"]),
                }
            ],
        }
        requests.append(("PUT", f"{SECURITY_API}/roles/{name}", body))
        mapping = {"backend_roles": sorted(set(role["BackendRoles"]))}
        requests.append(("PUT", f"{SECURITY_API}/rolesmapping/{name}", mapping))
    return requests


def _signed(method: str, url: str, body: bytes, region: str) -> urllib.request.Request:
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session().get_credentials()
    request = AWSRequest(
        method=method, url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(credentials, "es", region).add_auth(request)
    return urllib.request.Request(  # noqa: S310 - an https URL built from the domain endpoint
        url, data=body, method=method, headers=dict(request.headers.items())
    )


def _apply(properties: dict[str, Any]) -> None:
    endpoint = str(properties["Endpoint"])
    region = os.environ["AWS_REGION"]
    for method, path, body in security_requests(properties):
        data = json.dumps(body).encode()
        request = _signed(method, f"https://{endpoint}/{path}", data, region)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}")


def _respond(event: dict[str, Any], status: str, reason: str) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "opensearch-security",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's presigned https URL
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


def handler(event: dict[str, Any], context: Any) -> None:
    del context
    try:
        if event["RequestType"] in ("Create", "Update"):
            _apply(event["ResourceProperties"])
    except Exception as error:  # CloudFormation must always get an answer
        print(json.dumps({"message": "security_failed", "error": repr(error)[:300]}))  # noqa: T201
        _respond(event, "FAILED", f"{type(error).__name__}: {error}")
        return
    _respond(event, "SUCCESS", "ok")
