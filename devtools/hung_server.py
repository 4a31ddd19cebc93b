"""A TCP server that accepts connections and never answers: a frozen DynamoDB or a hung
OpenSearch node, for fault tests (tests/integration/test_store_frozen.py) and the faults
benchmark (bench/faults_bench.py).

The kernel completes the TCP handshake, so clients connect at once and then wait for an
answer until their read timeout: exactly what a store stuck behind a live load balancer
does, and the worst case of the API's budget (a refused connection fails in microseconds).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class HungServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.create_server((host, 0), backlog=128)
        self._socket.settimeout(0.2)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="hung-server", daemon=True)
        self.accepted = 0

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> HungServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for connection in self._held:
            connection.close()
        self._socket.close()

    def __enter__(self) -> HungServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            # Kept open and never read: the client's request sits in the socket buffer.
            self._held.append(connection)
            self.accepted += 1
