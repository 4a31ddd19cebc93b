"""DynamoDB's JSON protocol for the search path: one request, one JSON answer, as DynamoDB
sends it.

Two transports behind one small port (``DynamoWire``):

* ``HttpWire``, what a deployed search uses: the request body is JSON, signed with SigV4
  (``sigv4.py``), sent on a keep-alive ``http.client`` connection of the calling thread, and
  the answer decoded with ``json.loads``. A botocore client costs ~1.2 ms of CPU a request
  here (event hooks, endpoint rules, a shape walk over every item of the answer) and ~130 ms
  at a container's first search (importing botocore's session and client modules, reading
  its data files); this costs ~0.3 ms and ~5 ms. What botocore would add for these three
  operations is done here too: the endpoint (``AWS_ENDPOINT_URL_DYNAMODB``), the CRC32 check
  of the body, timeouts, and retrying throttling, 5xx answers and broken connections.
* ``BotocoreWire``: the same requests through a botocore client, for what ``HttpWire`` does
  not cover: credentials that are not in the environment (a profile, SSO), partitions other
  than ``aws``, and tests running moto in process (it intercepts botocore, not sockets).

Both raise ``WireError`` for an answer DynamoDB gave and ``Unavailable`` (503) when DynamoDB
could not be reached or kept refusing for now: a search answers fast or fails fast.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from chalicelib.adapters.dynamodb.sigv4 import Credentials, sign
from chalicelib.domain.errors import Unavailable

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)
"""Error codes that say "not now" rather than "not this request" (as botocore's standard retry
mode reads them for DynamoDB)."""


class WireError(Exception):
    """An error answer of DynamoDB for a request it will not serve as written."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class DynamoWire(Protocol):
    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """DynamoDB's JSON answer to ``operation`` (``Query``, ``BatchGetItem``, ...)."""
        ...


@dataclass(frozen=True)
class WireSettings:
    connect_timeout_s: float = 1.0
    read_timeout_s: float = 3.0
    attempts: int = 2
    """Tries of one request (the first and its retries)."""
    backoff_s: float = 0.05
    """Base of the jittered wait before a retry (doubled at each)."""


class HttpWire:
    """DynamoDB over ``http.client``, signed with SigV4 (see the module)."""

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        credentials: Credentials,
        settings: WireSettings = WireSettings(),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an HTTP endpoint: {endpoint_url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._host_header = parts.netloc
        self._region = region
        self._credentials = credentials
        self._settings = settings
        self._clock = clock
        self._local = threading.local()  # one keep-alive connection per thread

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(request, separators=(",", ":")).encode("utf-8")
        attempts = self._settings.attempts
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                status, crc, payload = self._send(operation, body)
            except (OSError, _http_errors()) as error:
                self._drop_connection()
                if last:
                    raise Unavailable("the search store did not answer in time") from error
                self._pause(attempt)
                continue
            if crc is not None and zlib.crc32(payload) != int(crc):
                self._drop_connection()  # a damaged answer: never decode it
                if last:
                    raise Unavailable("the search store's answer was damaged")
                self._pause(attempt)
                continue
            answer: dict[str, Any] = json.loads(payload) if payload else {}
            if status == 200:
                return answer
            code = str(answer.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{status}"
            message = str(answer.get("message") or answer.get("Message") or "")
            if status >= 500 or code in RETRYABLE_CODES:
                if last:
                    raise Unavailable(f"the search store is busy ({code})")
                self._pause(attempt)
                continue
            raise WireError(code, message, status)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _send(self, operation: str, body: bytes) -> tuple[int, str | None, bytes]:
        headers = sign(
            method="POST",
            host=self._host_header,
            path="/",
            headers={"content-type": CONTENT_TYPE, "x-amz-target": TARGET_PREFIX + operation},
            body=body,
            region=self._region,
            service="dynamodb",
            credentials=self._credentials,
            at=self._clock(),
        )
        connection = self._connection()
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.will_close:
            self._drop_connection()
        return response.status, response.getheader("x-amz-crc32"), payload

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            import http.client

            settings = self._settings
            if self._https:
                connection = http.client.HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=settings.connect_timeout_s,
                    context=_tls_context(),
                )
            else:
                connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=settings.connect_timeout_s
                )
            connection.connect()
            # Connecting may take the connect timeout; every read after it, the read timeout.
            connection.sock.settimeout(settings.read_timeout_s)
            self._local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _pause(self, attempt: int) -> None:
        base = self._settings.backoff_s * 2 ** (attempt - 1)
        time.sleep(base * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not secrecy


def _http_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


@cache
def _tls_context() -> Any:
    # Loading the trust store costs milliseconds: once per container, shared by the threads.
    import ssl

    return ssl.create_default_context()


class BotocoreWire:
    """The same JSON answers through a botocore client (see the module)."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        client = self._client_factory()
        method = getattr(client, _snake(operation))
        try:
            response = method(**request)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = str(details.get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
            if status >= 500 or code in RETRYABLE_CODES:
                raise Unavailable(f"the search store is busy ({code})") from error
            raise WireError(code, str(details.get("Message", "")), status) from error
        except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as error:
            raise Unavailable("the search store did not answer in time") from error
        wire = response.get(WIRE_KEY)
        if wire is None:  # an operation without the hook: botocore's parse is the same data
            return {key: value for key, value in response.items() if key != "ResponseMetadata"}
        answer: dict[str, Any] = wire
        return answer


WIRE_KEY = "Wire"
"""Where ``keep_wire_json`` leaves a successful read's answer, as DynamoDB sent it."""


def keep_wire_json(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore ``before-parse`` hook: keep a successful answer's JSON as DynamoDB sent it.

    botocore walks every attribute of every item against the service model (a dozen dict
    lookups per value) to give back the very same ``{"S": ...}`` maps, the search path
    storing strings only: for a 30 km search that is 5,000 items and more CPU than decoding
    the JSON itself. Errors (status >= 300) are left to botocore."""
    if response_dict.get("status_code") != 200:
        return
    customized_response_dict[WIRE_KEY] = json.loads(response_dict["body"])
    response_dict["body"] = b"{}"


def _snake(operation: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in operation).lstrip("_")


def environment_credentials() -> Credentials | None:
    """The credentials Lambda (and the local stack) put in the environment, if any."""
    key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None)


def endpoint_for(region: str) -> str | None:
    """DynamoDB's endpoint: the configured one, else the ``aws`` partition's regional one
    (None elsewhere: other partitions are left to botocore's endpoint rules)."""
    configured = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        return configured
    if not _AWS_PARTITION_REGION.fullmatch(region):
        return None
    return f"https://dynamodb.{region}.amazonaws.com"


_AWS_PARTITION_REGION = re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+")
"""The ``aws`` partition's regions (its ``regionRegex`` in botocore's endpoints data)."""
