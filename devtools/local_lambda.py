"""Lambda's Invoke API under `make run`: for the worker the API calls synchronously (the
newsletter preview), and for operators' ``aws lambda invoke`` of any worker (batch-update).

moto cannot run a function without Docker, so this small HTTP server answers
``POST /2015-03-31/functions/<name>/invocations`` by running the worker's handler in the
`make run` process (which has functions/, templates/ and Jinja2), as Lambda would run it in
AWS. The local API is pointed at it with ``AWS_ENDPOINT_URL_LAMBDA`` and uses the very adapter
a deployed stage uses (chalicelib/adapters/aws_lambda/preview.py): nothing in chalicelib
imports a template renderer (docs/newsletters.md, "Preview").
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[Any, Any], Any]
_PREFIX = "/2015-03-31/functions/"
_SUFFIX = "/invocations"


class LocalLambda:
    """Serves ``functions`` (function name → handler) on 127.0.0.1 (``port`` 0: any free one)."""

    def __init__(self, functions: Mapping[str, Handler], port: int = 0) -> None:
        self._functions = dict(functions)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._request_handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-lambda", daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        functions = self._functions

        class Invocations(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                name = self.path.split("?", 1)[0]
                if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
                    self._send(404, {"message": "not an Invoke request"}, error="NotFound")
                    return
                function = name[len(_PREFIX) : -len(_SUFFIX)].rsplit(":", 1)[-1]
                handler = functions.get(function)
                if handler is None:
                    message = f"Function not found: {function}"
                    self._send(
                        404, {"Type": "User", "Message": message}, "ResourceNotFoundException"
                    )
                    return
                length = int(self.headers.get("Content-Length") or 0)
                event = json.loads(self.rfile.read(length) or b"{}")
                try:
                    result = handler(event, None)
                except Exception as failure:  # reported as Lambda does
                    traceback.print_exc()
                    document = {"errorMessage": str(failure), "errorType": type(failure).__name__}
                    self._send(200, document, function_error="Unhandled")
                    return
                self._send(200, result)

            def _send(
                self,
                status: int,
                document: Any,
                error: str | None = None,
                function_error: str | None = None,
            ) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Amz-Executed-Version", "$LATEST")
                if error is not None:
                    self.send_header("x-amzn-ErrorType", error)
                if function_error is not None:
                    self.send_header("X-Amz-Function-Error", function_error)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per preview is noise

        return Invocations


def registry_functions(prefix: str) -> dict[str, Handler]:
    """Every worker of infra/registry.py under its stage's function name (``<prefix>-<name>``),
    each run by ``devtools.invoke.run_worker`` (a Lambda-like context: batch-update reads the
    time left). So the runbooks' ``aws lambda invoke`` work against `make run` too, given
    ``--endpoint-url $AWS_ENDPOINT_URL_LAMBDA`` (.local/env); invocations run synchronously,
    ``--invocation-type Event`` included."""
    from functools import partial

    from devtools.invoke import run_worker
    from infra.registry import WORKERS

    def call(name: str, event: Any, context: Any) -> Any:
        del context
        return run_worker(name, event if isinstance(event, dict) else {})

    return {f"{prefix}-{worker.name}": partial(call, worker.name) for worker in WORKERS}


def start_local_lambda(prefix: str) -> dict[str, str]:
    """Serves every worker (``registry_functions``) for the life of this process (a daemon
    thread); returns the environment variables pointing the API at it."""
    function = f"{prefix}-newsletter-preview"
    server = LocalLambda(registry_functions(prefix))
    server.start()
    return {
        "AWS_ENDPOINT_URL_LAMBDA": server.endpoint,
        "REPERE_NEWSLETTER_PREVIEW_FUNCTION": function,
    }
