"""`make invoke` (devtools/invoke.py): the environment file `make run` writes, and a worker run
in process against moto with that environment; a malformed event touches nothing."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from chalicelib.adapters.dynamodb.search_cells import table_name
from chalicelib.adapters.dynamodb.stats import StatsRecord
from chalicelib.config import get_settings
from devtools.invoke import (
    EventError,
    main,
    parse_event,
    read_env,
    scheduled_event,
    stack_environment,
    write_env,
)
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX

AWKWARD = {
    "REPERE_TABLE_PREFIX": "repere-local",
    "REPERE_MAIL_QUEUE_URL": "http://127.0.0.1:5123/123456789012/repere-local-mail",
    "REPERE_CORS_ORIGINS": "http://localhost:3000,http://a.example",
    "REPERE_NOTE": 'it\'s "quoted" = $HOME; `no` expansion',
    "REPERE_EMPTY": "",
}


def test_the_env_file_round_trips_awkward_values(tmp_path: Path) -> None:
    path = write_env(AWKWARD, tmp_path / "env")
    assert read_env(path) == AWKWARD


def test_a_shell_sources_the_env_file_to_the_same_values(tmp_path: Path) -> None:
    path = write_env(AWKWARD, tmp_path / "env")
    names = " ".join(f'"${name}"' for name in AWKWARD)
    script = f"set -a; . {shlex.quote(str(path))}; printf '%s\\n' {names}"
    out = subprocess.run(  # noqa: S603 - a fixed shell script
        ["/bin/bash", "-c", script], capture_output=True, text=True, check=True
    )
    assert out.stdout.split("\n")[:-1] == list(AWKWARD.values())


def test_the_env_file_keeps_what_workers_need_and_nothing_of_the_shell() -> None:
    kept = stack_environment(
        {
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5123",
            "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:40000",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_PROFILE": "production",
            "AWS_SESSION_TOKEN": "secret",
            "REPERE_BATCH_QUEUE_URL": "http://127.0.0.1:5123/1/batch",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "HOME": "/home/someone",
        }
    )
    assert set(kept) == {
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "REPERE_BATCH_QUEUE_URL",
        "POWERTOOLS_LOG_LEVEL",
    }


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ('{"day": 2026-12-04}', "not JSON"),
        ("[1, 2]", "JSON object"),
        ("no-such-file.json", "neither JSON nor an existing file"),
    ],
)
def test_a_malformed_event_says_what_is_wrong(argument: str, says: str) -> None:
    with pytest.raises(EventError, match=says):
        parse_event(argument)


def test_an_event_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text('{"day": "2026-12-04"}', encoding="utf-8")
    assert parse_event(str(tmp_path / "event.json")) == {"day": "2026-12-04"}


def test_a_scheduled_event_names_its_scheduled_instant() -> None:
    from datetime import UTC, datetime

    template = {"time": "<aws.scheduler.scheduled-time>", "detail": {}}
    at = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    assert scheduled_event(template, at) == {"time": "2026-12-07T05:00:00Z", "detail": {}}


@pytest.fixture
def stack_env(
    dynamodb_tables: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An env file naming the in-process moto's tables; the test's own variables are set to
    the same values first, so monkeypatch restores them after ``main`` overwrote them."""
    values = {
        "AWS_DEFAULT_REGION": TEST_REGION,
        "REPERE_TABLE_PREFIX": TEST_TABLE_PREFIX,
        "REPERE_STAGE": "test",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    roots.reset()
    try:
        yield write_env(values, tmp_path / "env")
    finally:
        roots.reset()
        get_settings.cache_clear()


def _stats_items() -> int:
    table = table_name(StatsRecord)
    return len(boto3.client("dynamodb", region_name=TEST_REGION).scan(TableName=table)["Items"])


def test_invoke_runs_a_worker_with_the_stack_environment(
    stack_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["stats-snapshot", "--event", '{"day": "2026-12-04"}'], env_file=stack_env)
    assert status == 0, capsys.readouterr().err
    assert '"day": "2026-12-04"' in capsys.readouterr().out
    assert _stats_items() > 0


@pytest.mark.parametrize(
    ("event", "status"),
    [('{"day": "2026-12-04"', 2), ('{"day": "yesterday"}', 1), ('{"when": "2026-12-04"}', 1)],
)
def test_a_malformed_event_exits_non_zero_and_writes_nothing(
    stack_env: Path, capsys: pytest.CaptureFixture[str], event: str, status: int
) -> None:
    assert main(["stats-snapshot", "--event", event], env_file=stack_env) == status
    assert _stats_items() == 0


def test_a_validation_error_of_a_worker_is_one_line(
    stack_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = '{"detail": {"week": "last week"}}'
    assert main(["newsletters", "--event", event], env_file=stack_env) == 1
    assert "newsletters refused the event: detail.week" in capsys.readouterr().err


def test_an_unknown_worker_or_a_missing_env_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["no-such-worker"], env_file=tmp_path / "env") == 2
    assert "workers: batch-update" in capsys.readouterr().err
    assert main(["stats-snapshot"], env_file=tmp_path / "env") == 2
    assert "make run" in capsys.readouterr().err


def test_a_stopped_stack_is_named_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = write_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, tmp_path / "env")
    assert main(["stats-snapshot"], env_file=env) == 2
    assert "does not answer" in capsys.readouterr().err


def test_the_batch_update_worker_is_invoked_directly(
    stack_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A refused caller (not admin): the worker answers ok false, invoke exits 1.
    event = (
        '{"caller": {"subject": "someone", "role": "territory_moderator", "departments": []},'
        ' "batch": {}}'
    )
    assert main(["batch-update", "--event", event], env_file=stack_env) == 1
    assert '"ok": false' in capsys.readouterr().out
