"""Worker code packages (docs/infra.md, "Packaging").

- ``zip``: one asset shared by every zip worker: ``chalicelib/``, ``functions/`` and
  ``templates/`` with requirements.txt installed for Lambda (manylinux x86_64 wheels, CPython
  3.11). Bundled on the deploying machine with pip (``PipBundling``), no Docker needed; CDK
  falls back to the Lambda build image only if local bundling fails.
- ``image``: infra/docker/workers.Dockerfile, built by ``cdk deploy`` (Docker needed on the
  deploying machine): requirements-workers.txt and WeasyPrint's native libraries.

Synthesis never builds either. Checks skip bundling for every stack (the CDK context
``aws:cdk:bundling-stacks`` is ``[]``, set by ``repere:bundle=false``): the zip asset is then a
placeholder and the image's build context is only copied into the cloud assembly.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
WORKER_SOURCES = ("chalicelib", "functions", "templates")
ZIP_REQUIREMENTS = "requirements-workers.txt"
"""The zip package installs what the image installs (``-r requirements.txt`` + renderers): the
mailer needs Jinja2, and one set of worker dependencies is simpler to reason about than one per
worker. WeasyPrint's Python code comes along (143 MB unzipped in all, under Lambda's 250 MB)
but is only imported by the image's workers, which also have its native libraries."""
IMAGE_REQUIREMENTS = "requirements-workers.txt"
FIRST_PARTY = ("chalicelib", "functions")
DOCKERFILE = "infra/docker/workers.Dockerfile"
PYTHON_VERSION = "3.11"
PLATFORM = "manylinux2014_x86_64"

IMAGE_CONTEXT_EXCLUDE = [
    # The image's build context is the repository with everything but what the Dockerfile
    # copies left out (dockerignore syntax): small to stage, and no secret can slip in.
    "*",
    "!chalicelib",
    "!functions",
    "!templates",
    "!requirements.txt",
    "!requirements-workers.txt",
    "!infra/docker",
    "**/__pycache__",
    "**/*.pyc",
]

ZIP_SOURCE_EXCLUDE = [
    "*",
    "!chalicelib",
    "!functions",
    "!templates",
    "!requirements.txt",
    "!requirements-workers.txt",
    "**/__pycache__",
    "**/*.pyc",
]

Runner = Callable[[Sequence[str]], None]


def _run(command: Sequence[str]) -> None:
    subprocess.run(list(command), check=True)  # noqa: S603 - fixed pip command, no shell


def pip_command(requirements: Path, target: str) -> list[str]:
    """pip installing Lambda-compatible wheels of ``requirements`` into ``target``."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--disable-pip-version-check",
        "--target",
        target,
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--requirement",
        str(requirements),
    ]


@jsii.implements(cdk.ILocalBundling)
class PipBundling:
    """Local bundling of the zip package: pip for the Lambda platform, then the sources."""

    def __init__(self, root: Path = ROOT, run: Runner = _run) -> None:
        self._root = root
        self._run = run

    def try_bundle(self, output_dir: str, *args: Any, **options: Any) -> bool:
        del args, options  # the Docker options of the fallback
        self._run(pip_command(self._root / ZIP_REQUIREMENTS, output_dir))
        for name in WORKER_SOURCES:
            shutil.copytree(
                self._root / name,
                Path(output_dir) / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )
        return True


def zip_code() -> lambda_.Code:
    """The zip package of workers (built once per synthesis, shared by every zip worker)."""
    sources = " ".join(WORKER_SOURCES)
    return lambda_.Code.from_asset(
        str(ROOT),
        exclude=ZIP_SOURCE_EXCLUDE,
        ignore_mode=cdk.IgnoreMode.DOCKER,
        bundling=cdk.BundlingOptions(
            image=lambda_.Runtime.PYTHON_3_11.bundling_image,
            command=[
                "bash",
                "-c",
                f"pip install --no-compile -r {ZIP_REQUIREMENTS} -t /asset-output "
                f"&& cp -r {sources} /asset-output",
            ],
            local=PipBundling(),
        ),
    )


def image_code(handler: str) -> lambda_.Code:
    """The workers' image, started on ``handler`` (one image, one command per function)."""
    return lambda_.Code.from_asset_image(
        str(ROOT),
        file=DOCKERFILE,
        cmd=[handler],
        exclude=IMAGE_CONTEXT_EXCLUDE,
        ignore_mode=cdk.IgnoreMode.DOCKER,
        platform=ecr_assets.Platform.LINUX_AMD64,
    )


# What a package must hold -------------------------------------------------------------------
#
# A worker fails at import time in Lambda when its package lacks a library its code imports:
# nothing offline would notice before a deploy. These two functions let tests/infra compare,
# for each worker, the distributions its code can import (statically, our own modules followed
# to the end, deferred imports included) with those its package's requirements install.

LAMBDA_ENVIRONMENT: dict[str, str] = {
    **{key: str(value) for key, value in default_environment().items()},
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
}


def imported_distributions(module: str, root: Path = ROOT) -> set[str]:
    """Canonical names of the distributions ``module`` can import, directly or through our
    own modules (``chalicelib``, ``functions``), at module level or deferred in a function.
    Imports under ``if TYPE_CHECKING:`` do not run and are ignored."""
    by_module = metadata.packages_distributions()
    seen: set[str] = set()
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _source(name, root)
        if path is None:
            continue
        for imported in _imports(path, name):
            top = imported.split(".")[0]
            if top in FIRST_PARTY:
                pending.extend(_candidates(imported))
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.update(canonicalize_name(dist) for dist in by_module.get(top, [top]))
    return found


def _candidates(imported: str) -> Iterator[str]:
    """``a.b.c`` may be a module or a name in ``a.b``: follow both (the missing one is
    skipped), and the parent packages (their ``__init__`` runs too)."""
    parts = imported.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _source(module: str, root: Path) -> Path | None:
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(path: Path, module: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for statement in ast.walk(tree)
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test)
        for body in statement.body
        for node in ast.walk(body)
    }
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def installed_distributions(requirements: Path) -> set[str]:
    """Canonical names of what ``pip install -r requirements`` installs for Lambda: the pinned
    distributions and, through their metadata, everything they require (markers evaluated for
    CPython 3.11 on Linux; extras not requested are not followed)."""
    pending = [(requirement, frozenset[str]()) for requirement in _requirements(requirements)]
    found: set[str] = set()
    while pending:
        requirement, _ = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in found:
            continue
        found.add(key)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: its own dependencies cannot be followed
        for line in requires:
            child = Requirement(line)
            if child.marker is None or any(
                child.marker.evaluate({**LAMBDA_ENVIRONMENT, "extra": extra})
                for extra in (extras or {""})
            ):
                pending.append((child, frozenset()))
    return {key.partition("[")[0] for key in found}


def _requirements(path: Path) -> Iterator[Requirement]:
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\s+#.*$", "", raw).strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            yield from _requirements(path.parent / line.split(maxsplit=1)[1])
            continue
        yield Requirement(line)
