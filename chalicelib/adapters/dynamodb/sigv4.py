"""AWS Signature Version 4 for the search path's DynamoDB requests (``wire.HttpWire``).

botocore signs the same way, but its signer module imports most of botocore (~25 ms at a
container's first search, see wire.py); this is the algorithm of the AWS documentation
("Create a signed AWS API request") for what these requests are: a POST to "/" with no query
string and a JSON body. tests/unit/test_sigv4.py checks every signature against botocore's
``SigV4Auth`` on the same request at the same instant.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


@lru_cache(maxsize=16)
def _signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    # The key depends on the day only: derived once a day, not at every request.
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sign(
    *,
    method: str,
    host: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    service: str,
    credentials: Credentials,
    at: float,
) -> dict[str, str]:
    """The request's headers with ``host``, ``x-amz-date``, the session token if any, and
    ``Authorization``, for the instant ``at`` (seconds since the epoch). Header names in
    ``headers`` must be lower case; the path must already be URI-encoded."""
    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    signed = {**headers, "host": host, "x-amz-date": stamp}
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{' '.join(signed[name].split())}\n" for name in names)
    signed_names = ";".join(names)
    canonical_request = "\n".join(
        (method, path, "", canonical_headers, signed_names, hashlib.sha256(body).hexdigest())
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        (ALGORITHM, stamp, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest())
    )
    key = _signing_key(credentials.secret_key, day, region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_names}, Signature={signature}"
    )
    return signed
