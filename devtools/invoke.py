"""`make invoke FN=<worker> [EVENT=...]`: run one function of functions/ in this process against
the running local stack, as Lambda would run it in AWS.

    .venv/bin/python -m devtools.invoke stats-snapshot --event '{"day": "2026-12-04"}'
    .venv/bin/python -m devtools.invoke batch-update --event batch.json
    .venv/bin/python -m devtools.invoke newsletters          # the schedule's own event

Workers are named as in infra/registry.py (``WORKERS``). The environment is the one `make run`
wrote to .local/env (endpoints, table prefix, queue URLs, bucket, stage): it replaces the
same variables of the caller's shell, so a stray AWS_ENDPOINT_URL never points a worker
elsewhere. Without ``--event``, a scheduled worker receives its schedule's event (the
scheduled time: now) and any other worker ``{}``.

The event is read and checked before anything is imported or called: one that is not a JSON
object, or a file that does not exist, exits with status 2 and one line saying why. A worker
that refuses its event (``{"ok": false, ...}``, a validation error) or reports failed records
exits with status 1; the answer is printed as JSON either way.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import socket
import sys
import time
import uuid
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.local_paths import local_dir

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = local_dir() / "env"
ENV_PREFIXES = ("REPERE_", "AWS_ENDPOINT_URL", "POWERTOOLS_")
ENV_NAMES = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"})
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"


class EventError(ValueError):
    """The event given on the command line cannot be handed to a worker."""


def stack_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` a worker of the local stack needs (none of the shell's
    other variables: a profile name or a session token has no place in the file)."""
    return {
        name: value
        for name, value in sorted(environ.items())
        if name in ENV_NAMES or name.startswith(ENV_PREFIXES)
    }


def write_env(values: Mapping[str, str], path: Path = ENV_FILE) -> Path:
    """Write ``values`` as ``NAME='value'`` lines, readable by ``read_env`` and by a shell
    (``set -a; . .local/env; set +a``)."""
    lines = [
        "# Written by `make run` for the running local stack; read by devtools/invoke.py.",
        *(f"{name}={shlex.quote(value)}" for name, value in sorted(values.items())),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, quoted = line.partition("=")
        words = shlex.split(quoted) if separator else []
        if not name.isidentifier() or len(words) > 1:
            raise ValueError(f"{path}:{number}: not a NAME=value line")
        values[name] = words[0] if words else ""
    return values


def parse_event(argument: str | None) -> dict[str, Any] | None:
    """The event named on the command line (inline JSON or a file), or None for none."""
    if argument is None:
        return None
    text = argument
    if not argument.lstrip().startswith(("{", "[", '"')):
        path = Path(argument)
        if not path.is_file():
            raise EventError(f"--event {argument!r} is neither JSON nor an existing file")
        text = path.read_text(encoding="utf-8")
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(
            f"the event is not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(event, dict):
        raise EventError(f"the event must be a JSON object, not {type(event).__name__}")
    return event


def scheduled_event(template: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """A schedule's event as EventBridge Scheduler delivers it at ``at``."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = json.dumps(template).replace(json.dumps(SCHEDULED_TIME), json.dumps(stamp))
    event: dict[str, Any] = json.loads(text)
    return event


class LocalContext:
    """The part of Lambda's context object handlers read: the time left (batch-update stops
    starting chunks near its end), names and the request id."""

    def __init__(self, function_name: str, timeout_seconds: int, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def run_worker(name: str, event: dict[str, Any] | None = None) -> Any:
    """Run worker ``name`` of infra/registry.py in this process with ``event`` (None: its
    schedule's event, or ``{}``), in the current environment."""
    from infra.registry import WORKERS
    from infra.spec import Schedule

    worker = next(worker for worker in WORKERS if worker.name == name)
    if event is None:
        schedules = [trigger for trigger in worker.triggers if isinstance(trigger, Schedule)]
        event = scheduled_event(schedules[0].event, datetime.now(UTC)) if schedules else {}
    module, _, attribute = worker.handler.rpartition(".")
    handler = getattr(importlib.import_module(module), attribute)
    prefix = os.environ.get("REPERE_TABLE_PREFIX", "repere-local")
    context = LocalContext(f"{prefix}-{name}", worker.timeout_seconds, worker.memory_mb)
    return handler(event, context)


def failed(answer: Any) -> bool:
    """Whether a worker's answer reports a refusal or failed records."""
    if not isinstance(answer, dict):
        return False
    return answer.get("ok") is False or bool(answer.get("batchItemFailures"))


def _check_reachable(values: Mapping[str, str]) -> str | None:
    """Why the stack named by ``values`` cannot be reached, or None."""
    endpoint = values.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 1).close()
    except OSError:
        return f"the local stack's AWS ({endpoint}) does not answer: is `make run` running?"
    return None


def _worker_names() -> list[str]:
    from infra.registry import WORKERS

    return [worker.name for worker in WORKERS]


def apply_env(values: Mapping[str, str], environ: MutableMapping[str, str] = os.environ) -> None:
    environ.update(values)
    from chalicelib.config import get_settings

    get_settings.cache_clear()  # read again from the stack's variables


def main(argv: Sequence[str] | None = None, env_file: Path = ENV_FILE) -> int:
    names = _worker_names()
    parser = argparse.ArgumentParser(prog="python -m devtools.invoke", description=__doc__)
    parser.add_argument("worker", help="one of: " + ", ".join(names))
    parser.add_argument("--event", help="the event: inline JSON or a JSON file")
    arguments = parser.parse_args(argv)
    if arguments.worker not in names:
        return _refuse(f"no worker {arguments.worker!r}; workers: {', '.join(names)}")
    try:
        event = parse_event(arguments.event)
    except EventError as error:
        return _refuse(str(error))
    if not env_file.is_file():
        return _refuse(f"no {env_file}: start the local stack first (`make run`)")
    values = read_env(env_file)
    unreachable = _check_reachable(values)
    if unreachable:
        return _refuse(unreachable)
    apply_env(values)

    from pydantic import ValidationError

    try:
        answer = run_worker(arguments.worker, event)
    except ValidationError as error:
        # Handlers validate their event before any read or write.
        return _refuse(f"{arguments.worker} refused the event: {_first_error(error.errors())}", 1)
    print(json.dumps(answer, indent=2, default=str))
    return 1 if failed(answer) else 0


def _first_error(errors: Iterable[Any]) -> str:
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        return f"{location}: {error.get('msg')}" if location else str(error.get("msg"))
    return "invalid"


def _refuse(message: str, status: int = 2) -> int:
    print(f"invoke: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
