"""The API over HTTP for `make run` and HTTP tests: chalice local's gateway, served better.

`chalice local` serves with a listen backlog of 5 (``socketserver``'s default): a sixth
concurrent client is refused, so 50 writers on one place (issue 14) saw connection errors
instead of 409s. Its access log also prints every request line whole: one-click unsubscribe
tokens, self-update tokens and e-mail addresses in query strings ended up in the console.

This server keeps chalice's own request handling (``LocalGateway``: routes, authorizers,
CORS, binary bodies, the stage's environment variables from .chalice/config.json) and changes
two things: a backlog of ``BACKLOG`` pending connections, one thread per connection; and an
access log whose request lines pass through ``redact``.

Run it as ``python -m devtools.local_api --port 8000`` (devtools/local_stack.py does), or
``serve_in_thread`` in a test.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    EventType,
    LambdaEventConverter,
    LocalChalice,
    LocalDevServer,
    ThreadedHTTPServer,
)

ROOT = Path(__file__).resolve().parents[1]

BACKLOG = 128
"""Connections the kernel queues before the server accepts them (API Gateway has no such
limit a client could see; 128 is Linux's usual somaxconn)."""

_HIDDEN_PARAMETERS = "|".join(
    (
        *("token", "t", "key", "code", "sig", "signature", "secret", "password", "jwt"),
        *("auth", "access_token", "id_token", "email", "e", "mail", "address"),
    )
)
_SECRET_PARAM = re.compile(rf"(?i)([?&;](?:{_HIDDEN_PARAMETERS})=)[^&;#\s\"]*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.IGNORECASE)
_OPAQUE = re.compile(r"(?<=[=/])[A-Za-z0-9_~.%+-]{32,}")
"""Any long opaque value in a path segment or parameter: signed links, cursors. None of the
API's ids is that long (place ids are at most 64 characters but the seeded ones are short),
and a redacted cursor costs nothing in a log."""

REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` (a request line, a log message) without tokens or e-mail addresses."""
    text = _JWT.sub("<jwt>", text)
    text = _EMAIL.sub("<email>", text)
    text = _SECRET_PARAM.sub(rf"\1{REDACTED}", text)
    return _OPAQUE.sub(REDACTED, text)


class PeerEventConverter(LambdaEventConverter):
    """chalice local's event converter with the TCP peer's address as
    ``requestContext.identity.sourceIp``, as API Gateway gives the caller's address (chalice
    local says 127.0.0.1 for everyone). Rate limits per client (submissions, newsletter
    subscriptions: chalicelib/api/http.py ``client_address``) then see distinct clients, so
    the drill's members of the public, each on its own loopback address, are counted apart."""

    def __init__(self, inner: LambdaEventConverter, source_ip: str) -> None:
        super().__init__(inner._route_matcher, inner._binary_types)
        self._source_ip = source_ip

    def create_lambda_event(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> EventType:
        event = super().create_lambda_event(method, path, headers, body)
        event["requestContext"]["identity"]["sourceIp"] = self._source_ip
        return event


class RedactingHandler(ChaliceRequestHandler):
    """chalice local's handler with an access log that keeps no secret, and the caller's
    own address in the event (``PeerEventConverter``)."""

    def _generic_handle(self) -> None:
        converter = self.local_gateway.event_converter
        if not isinstance(converter, PeerEventConverter):
            self.local_gateway.event_converter = PeerEventConverter(
                converter, str(self.client_address[0])
            )
        super()._generic_handle()

    # chalice binds every do_<METHOD> to its own _generic_handle: point them at this one.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        message = format % tuple(redact(arg) if isinstance(arg, str) else arg for arg in args)
        sys.stderr.write(f"{self.log_date_time_string()} {redact(message)}\n")


class BacklogServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True
    allow_reuse_address = True


def build_server(host: str, port: int, *, stage: str = "local") -> LocalDevServer:
    """The app of this checkout, configured for ``stage`` as `chalice local --stage` would,
    bound to ``host``:``port`` (0: a free port)."""
    # As `chalice local`: the stage's environment variables go into this process's environment
    # before app.py is imported.
    factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    if not isinstance(app, LocalChalice):
        # What chalice.local.create_local_server does: the app's current_request becomes
        # thread-local, so concurrent requests each see their own.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(
        app, config, host, port, handler_cls=RedactingHandler, server_cls=BacklogServer
    )


def serve_in_thread(host: str = "127.0.0.1", port: int = 0) -> tuple[LocalDevServer, int]:
    """Start the server on a daemon thread; returns it (``shutdown()`` stops it) and its
    port."""
    server = build_server(host, port)
    thread = threading.Thread(target=server.server.serve_forever, name="local-api", daemon=True)
    thread.start()
    return server, int(server.server.server_address[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    options = parser.parse_args()
    server = build_server(options.host, options.port, stage=options.stage)
    print(f"Serving on http://{options.host}:{options.port}", flush=True)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
