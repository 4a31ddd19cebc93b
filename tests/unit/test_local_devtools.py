"""The local stack's console keeps no secret: the API's access log (devtools/local_api.py)
and the mail pump's lines (devtools/local_mail.py)."""

from __future__ import annotations

import pytest

from devtools.local_api import BACKLOG, BacklogServer, redact
from devtools.local_mail import _recipients

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbi0xIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
OPAQUE = "v1.Zm9vYmFyYmF6cXV4cXV1eC5zaWduYXR1cmUtYWJjZGVm"


@pytest.mark.parametrize(
    ("line", "kept", "hidden"),
    [
        (
            f'"POST /subscriptions/unsubscribe?token={OPAQUE} HTTP/1.1" 200 -',
            "/subscriptions/unsubscribe?token=<redacted>",
            OPAQUE,
        ),
        ('"GET /self-update?t=abc123&x=1 HTTP/1.1" 200 -', "?t=<redacted>&x=1", "abc123"),
        (f'"GET /admin/me?jwt={JWT} HTTP/1.1" 401 -', "/admin/me?jwt=", JWT),
        (f'"GET /x/{JWT} HTTP/1.1" 404 -', "/x/<jwt>", JWT),
        (
            '"POST /subscriptions?email=ana.b%40example.org&department=75 HTTP/1.1" 202 -',
            "&department=75",
            "ana.b",
        ),
        ('"GET /p/ana@example.org HTTP/1.1" 404 -', "/p/<email>", "ana@example.org"),
        (f'"GET /y/{OPAQUE} HTTP/1.1" 404 -', "/y/<redacted>", OPAQUE),
    ],
)
def test_the_access_log_hides_tokens_and_addresses(line: str, kept: str, hidden: str) -> None:
    redacted = redact(line)
    assert kept in redacted
    assert hidden not in redacted


def test_ordinary_request_lines_are_left_alone() -> None:
    line = '"GET /places?lat=48.88&lon=2.37&radius=2000&category=food HTTP/1.1" 200 -'
    assert redact(line) == line
    assert redact('"PATCH /admin/places/p-0042 HTTP/1.1" 409 -') == (
        '"PATCH /admin/places/p-0042 HTTP/1.1" 409 -'
    )


def test_the_local_server_queues_a_realistic_backlog() -> None:
    assert BacklogServer.request_queue_size == BACKLOG >= 128
    assert BacklogServer.daemon_threads


def test_the_mail_pump_counts_recipients_without_naming_them() -> None:
    assert _recipients("ana@example.org") == "1 recipient"
    assert _recipients("a@example.org, b@example.org,") == "2 recipients"
    assert _recipients("") == "0 recipients"
