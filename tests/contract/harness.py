"""The API in process for a contract fuzzer: DynamoDB, S3, SQS, SES and SSM on moto with the
leaflet's places seeded, and the Chalice app behind a tiny WSGI adapter (schemathesis 4 drives
WSGI apps in process; Chalice is not one, so each WSGI call becomes the API Gateway proxy event
chalice.test builds, the stage's environment and route authorizers included).

Used by tests/contract/test_openapi_fuzz.py and bench/contract_fuzz.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from chalice.test import Client

from chalicelib.domain.auth import Role

# Tuesday 1 December 2026, 20:45 in Paris (as the integration tests): food trucks serving.
NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
REGION = "eu-west-3"
TABLE_PREFIX = "contract"
STAGE = "local"  # local auth mode: bearer tokens signed with the development secret

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    302: "Found",
    304: "Not Modified",
}


@dataclass
class Known:
    """Things that exist in the seeded API, for requests that name them: ids per path
    parameter, and a self-update link's token."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    link_token: str = ""


class ChaliceWsgi:
    """A WSGI callable in front of ``chalice.test.Client``: same event, same authorizers."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.calls = 0
        self.known = Known()

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, Any]]:
        """A request outside the fuzzing (setup, reading a version before a write)."""
        all_headers = {"content-type": "application/json", **(headers or {})}
        raw = json.dumps(body).encode() if body is not None else b""
        response = self._client.http.request(method, path, headers=all_headers, body=raw)
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.calls += 1
        path = _gateway_path(environ)
        query = environ.get("QUERY_STRING") or ""
        if query:
            path = f"{path}?{query}"
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self._client.http.request(
            str(environ["REQUEST_METHOD"]), path, headers=headers, body=body
        )
        status = response.status_code
        if response.body and not any(name.lower() == "content-type" for name in response.headers):
            # API Gateway's Lambda proxy answers application/json when the function sets no
            # Content-Type (chalice.test leaves it out).
            response.headers["Content-Type"] = "application/json"
        out: list[tuple[str, str]] = []
        for name, value in response.headers.items():
            for item in value if isinstance(value, list) else [value]:
                out.append((name, str(item)))
        start_response(f"{status} {_REASONS.get(status, 'Status')}", out)
        return [response.body or b""]


def _gateway_path(environ: dict[str, Any]) -> str:
    """The path as API Gateway routes it: one segment per ``/`` of the raw URL, each handed
    to Lambda decoded. Chalice's local matcher parses the decoded path again (``urlparse``:
    ``?``, ``#``, ``;`` and ``/`` would cut it, tabs and newlines vanish), so those stay
    encoded inside a segment."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        segments = [unquote(segment) for segment in str(raw).split("?", 1)[0].split("/")]
    else:  # WSGI decodes PATH_INFO as latin-1
        decoded = str(environ.get("PATH_INFO") or "/").encode("latin-1")
        segments = decoded.decode("utf-8", errors="replace").split("/")
    return "/".join(_escape(segment) for segment in segments)


def _escape(segment: str) -> str:
    # urlparse also drops tabs and newlines from a URL: control characters stay encoded too.
    return "".join(
        f"%{ord(c):02X}" if c in "%#?;/" or ord(c) < 0x20 or ord(c) == 0x7F else c for c in segment
    )


def bearer(role: Role, departments: tuple[str, ...] = ()) -> str:
    from chalicelib.api.auth import verifier_for
    from chalicelib.config import get_settings

    token = verifier_for(get_settings()).issue(
        subject=f"contract-{role.value}",
        role=role,
        departments=departments,
        name="Contract fuzzer",
        now=datetime.now(UTC),  # PyJWT checks expiry against real time
        ttl=timedelta(hours=2),
    )
    return f"Bearer {token}"


_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "REPERE_STAGE": STAGE,
    "REPERE_TABLE_PREFIX": TABLE_PREFIX,
    "REPERE_GEOCODER": "fake",
    "REPERE_DYNAMODB_SEARCH_TRANSPORT": "botocore",
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
}
_UNSET = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE")


@contextlib.contextmanager
def _environment(extra: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*_ENVIRONMENT, *_UNSET, *extra)}
    os.environ.update(_ENVIRONMENT)
    for name in _UNSET:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def running_api() -> Iterator[ChaliceWsgi]:
    """The API on moto with the leaflet's 30 places, exports and mail resources ready."""
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.config import get_settings
    from chalicelib.domain.clock import FixedClock
    from devtools.demo_data import leaflet_places
    from tests import composition_support as roots

    with _environment({}), mock_aws():
        get_settings.cache_clear()
        settings = get_settings()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=settings.exports_bucket,
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {
            "REPERE_EXPORTS_QUEUE_URL": sqs.create_queue(QueueName="contract-exports")["QueueUrl"],
            "REPERE_MAIL_QUEUE_URL": sqs.create_queue(QueueName="contract-mail")["QueueUrl"],
            "REPERE_CAMPAIGNS_QUEUE_URL": sqs.create_queue(QueueName="contract-campaigns")[
                "QueueUrl"
            ],
        }
        boto3.client("sesv2", region_name=REGION).create_email_identity(
            EmailIdentity=settings.mail_from_address
        )
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=settings.self_update_keys_parameter,
            Value='{"current": "k1", "keys": {"k1": "contract-fuzz-signing-key-0123456789abcdef"}}',
            Type="SecureString",
        )
        with _environment(queues):
            os.environ.update(queues)
            get_settings.cache_clear()
            settings = get_settings()
            bind_tables(settings.table_prefix, region=REGION)
            create_tables()
            roots.reset()
            roots.use(clock=FixedClock(NOW))
            roots.current().adapters.places.load_fresh(leaflet_places(NOW))
            try:
                from app import app

                with Client(app, stage_name=STAGE) as client:
                    api = ChaliceWsgi(client)
                    _create_known(api, queues["REPERE_EXPORTS_QUEUE_URL"])
                    yield api
            finally:
                roots.reset()
                get_settings.cache_clear()


def _create_known(api: ChaliceWsgi, exports_queue_url: str) -> None:
    """One or a few of each resource, created through the API as a client would."""
    from devtools.demo_data import leaflet_places

    admin = {"Authorization": bearer(Role.ADMIN)}
    places = leaflet_places(NOW)
    known = api.known
    # pne-02 is the self-update link's place: issuing another link would void it.
    known.ids["place_id"] = [place.id for place in places if place.id != "pne-02"]
    known.ids["department"] = sorted({place.address.department_code for place in places})

    def created(method: str, path: str, body: Any, key: str = "id") -> str:
        """The id (``key``, dotted for nested) of what ``body`` created."""
        headers = {**admin, "Idempotency-Key": f"contract-{zlib.crc32(json.dumps(body).encode())}"}
        status, payload, _ = api.request(method, path, body, headers)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        for part in key.split("."):
            payload = payload[part]
        return str(payload)

    known.ids["announcement_id"] = [
        created(
            "POST",
            "/admin/announcements",
            {"title": f"Annonce {n}", "body": "Texte.", "start_date": "2026-11-30"},
        )
        for n in range(3)
    ]
    known.ids["campaign_id"] = [
        created(
            "POST",
            "/admin/campaigns",
            {
                "name": "Vérification d'hiver",
                "departments": ["93"],
                "sections": ["hours"],
                "end_date": "2026-12-31",
            },
            key="campaign.id",
        )
    ]
    known.ids["export_id"] = [
        created(
            "POST",
            "/admin/exports",
            {"format": "csv", "territory": {"department": "75"}, "categories": ["food"]},
        )
    ]
    _render_exports(exports_queue_url)
    known.ids["submission_id"] = [
        created(
            "POST",
            "/submissions",
            {
                "content": {
                    "name": f"Douches solidaires {n}",
                    "address": {
                        "street": f"{n + 1} rue de la Chapelle",
                        "postal_code": "75018",
                        "city": "Paris",
                    },
                    "categories": ["shower"],
                },
                "submitter": {"consent": True},
            },
        )
        for n in range(3)
    ]
    known.link_token = created(
        "POST", "/admin/places/pne-02/update-links", {"send": False}, key="token"
    )


def _render_exports(queue_url: str) -> None:
    """What the exports worker does in AWS: render the queued jobs (into moto's S3)."""
    import boto3

    from devtools.local_exports import sqs_event
    from functions.exports import handlers

    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    if messages:
        handlers.queue_handler(sqs_event(messages, REGION, "contract-exports"), None)
