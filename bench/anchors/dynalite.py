"""dynalite (DynamoDB on LevelDB, Node.js) as a subprocess, for read-path benchmarks.

moto answers a GSI Query by walking the whole table for each page, so its latencies grow with
the table rather than with the search; dynalite reads items like DynamoDB does and returns the
same responses on the wire. ``make bench-deps`` installs it into ``bench/.node/`` (npm,
``dynalite@4.0.0``; its LevelDB binding, classic-level, ships prebuilt binaries for linux-x64
in the npm package: nothing is compiled or downloaded at install time).

    server = DynaliteServer.start()        # None when node or the npm package is missing
    if server is None:
        print(DynaliteServer.unavailable_reason())
    else:
        with server:
            client = boto3.client("dynamodb", endpoint_url=server.endpoint_url, ...)
            # or AWS_ENDPOINT_URL_DYNAMODB=server.endpoint_url for PynamoDB

It listens on 127.0.0.1 only, on a free port, with its LevelDB store in a temporary directory
(or ``path``), tables ACTIVE at once (``--createTableMs 0`` and the same for delete/update),
that is once its store write is done: CreateTable answers first, so wait for ACTIVE.

Checked against dynalite 4.0.0 with boto3 (endpoint_url, dummy credentials, eu-west-3);
``python -m bench.anchors.dynalite_check`` repeats every check below, and the unit tests run it:

Supported, and behaving like DynamoDB:

* GSIs with ``INCLUDE`` projections (a Query returns the keys and the included attributes
  only; ``Select=ALL_ATTRIBUTES`` is refused with DynamoDB's ValidationException), ``ALL`` and
  ``KEYS_ONLY`` projections; GSI range keys of type S, N and B;
* Query with ``BETWEEN`` on a range key (S; N, negatives included; B, compared as unsigned
  bytes), on the table and on GSIs; also seen working once by hand: ``begins_with``,
  ``ScanIndexForward=False``, ``Limit``, ``Select=COUNT``, ``FilterExpression``;
* 1 MB Query pages: 300 items of 10 KB come back as 104 + 104 + 92 with ``LastEvaluatedKey``
  (table keys + index keys on a GSI) and ``ExclusiveStartKey`` resuming; ``ConsumedCapacity``
  127.5 for a full page (about 1 MB read eventually consistent);
* ``BatchGetItem`` (missing keys left out; at most 100 keys, more is a ValidationException),
  ``BatchWriteItem`` (at most 25 requests, likewise), ``ProjectionExpression`` with
  ``ExpressionAttributeNames`` (reserved words such as ``blob`` refused unaliased, as DynamoDB
  does), binary (``B``) attributes returned byte for byte.

Missing (UnknownOperationException or silently ignored), so not a local stack:

* transactions: ``TransactWriteItems`` and ``TransactGetItems`` are unknown operations;
* TTL: ``UpdateTimeToLive`` is unknown (``DescribeTimeToLive`` answers DISABLED);
* streams: ``StreamSpecification`` is accepted by CreateTable but ignored (no
  ``LatestStreamArn``), UpdateTable refuses it, the Streams API is unknown;
* PartiQL (``ExecuteStatement``) is unknown.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "bench" / ".node" / "node_modules" / "dynalite" / "cli.js"
HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


class DynaliteServer:
    """A running dynalite; ``endpoint_url`` is what boto3 / PynamoDB connect to."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        output: IO[bytes],
        port: int,
        path: Path,
        owned_dir: Path | None,
    ) -> None:
        self._process = process
        self._output_file = output
        self.port = port
        self.path = path
        self._owned_dir = owned_dir
        self._stopped = False
        atexit.register(self.stop)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self._process.pid

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why ``start()`` would return None on this machine; None when it can start."""
        if shutil.which("node") is None:
            return "Node.js (node) is not installed"
        if not CLI.is_file():
            return f"dynalite is not installed ({CLI.relative_to(ROOT)}; make bench-deps)"
        return None

    @classmethod
    def start(
        cls, path: Path | None = None, *, timeout_s: float = START_TIMEOUT_S
    ) -> DynaliteServer | None:
        """A dynalite with its LevelDB store in ``path`` (a temporary directory, removed by
        ``stop()``, when None), or None when node or the npm package is missing.

        Raises RuntimeError when it does not answer within ``timeout_s`` (with its output)."""
        node = shutil.which("node")
        if node is None or not CLI.is_file():
            return None
        owned_dir = None
        if path is None:
            owned_dir = Path(tempfile.mkdtemp(prefix="repere-dynalite-"))
            path = owned_dir / "db"
        port = _free_port()
        command = [
            node,
            str(CLI),
            "--host",
            HOST,
            "--port",
            str(port),
            "--path",
            str(path),
            "--createTableMs",
            "0",
            "--deleteTableMs",
            "0",
            "--updateTableMs",
            "0",
        ]
        # Output to a file, not a pipe nobody reads (a full pipe would block the server).
        output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        process = subprocess.Popen(  # noqa: S603 (our own node and script)
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        server = cls(process, output, port, path, owned_dir)
        try:
            server._wait_until_up(timeout_s)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_until_up(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not _answers(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"dynalite exited with {self._process.returncode}: {self.output()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"dynalite did not answer on {self.endpoint_url} within {timeout_s:g} s"
                )
            time.sleep(0.05)

    def output(self) -> str:
        """What dynalite printed so far (its last 2,000 characters)."""
        with contextlib.suppress(OSError, ValueError):
            self._output_file.seek(0)
            return self._output_file.read().decode(errors="replace").strip()[-2000:]
        return ""

    def stop(self) -> None:
        """Terminates dynalite (killed after 5 s) and removes its temporary directory."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._output_file.close()
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    def __enter__(self) -> DynaliteServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
