"""The crisis drill (devtools/drill.py) end to end: a throwaway local stack (its own ports, its
own state directory: the developer's .local/ is never touched), the drill at a small scale
over HTTP, every figure compared with /admin/stats. The feature's acceptance test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCALE = "0.002"
SEED_SYNTHETIC = "300"
START_TIMEOUT = 120.0
DRILL_TIMEOUT = 240.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_environment(**extra: str) -> dict[str, str]:
    """The shell's environment without the tests' fake AWS and REPERE_ settings (conftest):
    the stack sets its own, and hands them to the drill through its env file."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "REPERE_", "POWERTOOLS_"))
    }
    return {**kept, **extra}


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A local stack in ``tmp_path``: its base URL and the environment naming its state."""
    port, moto_port = _free_port(), _free_port()
    environment = _clean_environment(
        PORT=str(port),
        MOTO_PORT=str(moto_port),
        RESET="1",
        SEED_SYNTHETIC=SEED_SYNTHETIC,
        LOCAL_STACK_DIR=str(tmp_path),
    )
    log = (tmp_path / "stack.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.local_stack"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the local stack exited: {(tmp_path / 'stack.log').read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200 and (tmp_path / "env").is_file():
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the local stack did not answer /health in time")
            time.sleep(0.5)
        yield base_url, environment
    finally:
        _stop(process)
        log.close()


def test_a_small_drill_agrees_with_the_statistics(
    stack: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base_url, environment = stack
    finished = subprocess.run(  # noqa: S603 - this checkout's own module
        [
            sys.executable,
            "-m",
            "devtools.drill",
            "--scale",
            SCALE,
            "--base-url",
            base_url,
            "--json",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=DRILL_TIMEOUT,
        check=False,
    )
    output = finished.stdout
    assert "figure" in output, finished.stderr[-3000:]
    document: dict[str, Any] = json.loads(output[output.index("\n{") :])
    figures = {row["figure"]: row for row in document["figures"]}

    assert document["unexpected_statuses"] == [], output
    disagreeing = {
        name: (row["expected"], row["reported"])
        for name, row in figures.items()
        if not row["agrees"]
    }
    assert disagreeing == {}, output
    # Every figure was exercised: the drill did something for each.
    assert all(
        row["expected"] for name, row in figures.items() if name != "submissions_rejected"
    ), output
    assert figures["submissions_rejected"]["expected"] >= 1
    assert finished.returncode == 0, output
    # The throwaway stack kept its state in its own directory, not the checkout's .local/.
    assert (tmp_path / "env").is_file()
    assert any((tmp_path / "outbox").glob("*.eml"))
    assert (tmp_path / "self-update-keys.json").is_file()
    # Nothing private in what the drill prints: no bearer token, no address.
    assert "eyJ" not in output + finished.stderr
    assert "@example.org" not in output + finished.stderr
