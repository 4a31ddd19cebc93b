"""The synthesized stacks, once per test session.

``python -m infra.check --no-lint --if-stale`` synthesises every stage into
``.local/infra/cdk.out`` unless the assembly there was made from the same inputs (what
``make infra-check``, which runs first in ``make test``, leaves behind): the tests then cost no
synthesis. It locks the directory, so pytest-xdist workers synthesise once between them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from infra.check import DEFAULT_OUT
from infra.stages import STAGES


@dataclass(frozen=True)
class Synthesized:
    stage: str
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical: resource
            for logical, resource in self.resources.items()
            if resource["Type"] == resource_type
        }


@pytest.fixture(scope="session")
def assembly() -> dict[str, Synthesized]:
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "infra.check", "--no-lint", "--if-stale", "--out", str(DEFAULT_OUT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"synthesis failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return {
        stage: Synthesized(
            stage, json.loads((DEFAULT_OUT / f"{stage}.template.json").read_text("utf-8"))
        )
        for stage in STAGES
    }


@pytest.fixture(params=sorted(STAGES))
def stack(request: pytest.FixtureRequest, assembly: dict[str, Synthesized]) -> Synthesized:
    """Each test using it runs once per stage."""
    return assembly[request.param]
