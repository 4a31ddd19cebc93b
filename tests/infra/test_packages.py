"""Each package holds what its code imports: a worker whose library is missing from its
package fails at import time in Lambda, which nothing else would notice before a deploy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from infra.api import api_source
from infra.packaging import (
    IMAGE_REQUIREMENTS,
    ROOT,
    ZIP_REQUIREMENTS,
    imported_distributions,
    installed_distributions,
)
from infra.registry import WORKERS
from infra.spec import Package, Worker

CHALICE_RUNTIME = {"chalice"}
"""``chalice package`` puts its own runtime (chalice.app) in the API's package."""


@pytest.mark.parametrize("worker", WORKERS, ids=lambda worker: worker.name)
def test_every_worker_package_installs_what_its_code_imports(worker: Worker) -> None:
    requirements = IMAGE_REQUIREMENTS if worker.package is Package.IMAGE else ZIP_REQUIREMENTS
    missing = imported_distributions(worker.module) - installed_distributions(ROOT / requirements)
    assert missing == set(), f"{worker.name}: add {sorted(missing)} to {requirements}"


def test_the_api_package_installs_what_the_app_imports() -> None:
    missing = imported_distributions("app") - installed_distributions(ROOT / "requirements.txt")
    assert missing - CHALICE_RUNTIME == set()


def test_imports_are_followed_through_our_modules_and_deferred_imports(tmp_path: Path) -> None:
    (tmp_path / "functions").mkdir()
    (tmp_path / "chalicelib").mkdir()
    (tmp_path / "functions" / "__init__.py").write_text("")
    (tmp_path / "chalicelib" / "__init__.py").write_text("")
    (tmp_path / "functions" / "worker.py").write_text(
        "from __future__ import annotations\n"
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "from chalicelib import helper\n"
        "if TYPE_CHECKING:\n"
        "    import openpyxl\n"
        "def handler() -> None:\n"
        "    import jinja2\n"
    )
    (tmp_path / "chalicelib" / "helper.py").write_text("from .deeper import x\n")
    (tmp_path / "chalicelib" / "deeper.py").write_text("import yaml\nx = 1\n")

    found = imported_distributions("functions.worker", root=tmp_path)

    assert found == {"jinja2", "pyyaml"}  # json: stdlib; openpyxl: only while type checking


def test_requirements_are_followed_into_included_files_and_dependencies(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("pynamodb==6.1.0  # a comment\n")
    (tmp_path / "top.txt").write_text("# workers\n-r base.txt\nJinja2==3.1.6\n")

    installed = installed_distributions(tmp_path / "top.txt")

    assert {"pynamodb", "botocore", "jinja2", "markupsafe"} <= installed
    assert "pytest" not in installed


def test_a_missing_library_is_reported(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("pynamodb==6.1.0\n")
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "mail.py").write_text("import jinja2\nimport pynamodb\n")
    missing = imported_distributions("functions.mail", root=tmp_path) - installed_distributions(
        tmp_path / "requirements.txt"
    )
    assert missing == {"jinja2"}


def test_the_api_package_ships_bytecode_that_lambda_uses_without_checking(tmp_path: Path) -> None:
    """Lambda's code directory is read-only: without ``.pyc`` in the package, every cold start
    compiles chalicelib from source. The bytecode must not depend on the zip's timestamps."""
    source = api_source(bundle=False, workdir=tmp_path)

    modules = sorted((source / "chalicelib").rglob("*.py"))
    assert modules
    for module in modules:
        cached = Path(importlib.util.cache_from_source(str(module)))
        assert cached.is_file(), f"no bytecode for {module.relative_to(source)}"
        flags = int.from_bytes(cached.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{cached.name}: bytecode is not unchecked-hash"
    assert not (source / "requirements.txt").exists()
