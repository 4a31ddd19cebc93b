"""The CDK app: ``cdk deploy dev`` (cdk.json runs ``python -m infra.app``), or offline
``python -m infra.check`` (synthesis + cdk-nag + cfn-lint, what ``make infra-check`` runs).

Context (``-c key=value``):

- ``repere:stages``: comma-separated stages to synthesise (default: every stage of
  infra/stages.py). Each stage is one stack whose id is the stage name (``cdk deploy prod``).
- ``repere:bundle``: ``false`` skips every bundling step (sets ``aws:cdk:bundling-stacks`` to
  ``[]``, and packages the API without its dependencies): synthesis is then offline and takes
  seconds, and the assets are placeholders — for checks, never for a deployment. Default
  ``true``: the worker package is built with pip, the API with ``chalice package``; the worker
  image is built by ``cdk deploy`` (Docker).
- ``repere:nag``: ``false`` skips cdk-nag (default ``true``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# jsii prints a banner on stderr on each start when Node.js is past its end of life (CI runs
# Node 20); the synthesis itself is unaffected. Silence it for the version we run.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk as cdk

from infra import nag
from infra.stack import RepereStack
from infra.stages import STAGES

BUNDLING_STACKS = "aws:cdk:bundling-stacks"


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("false", "0", "no", "off")


@contextmanager
def _working_directory() -> Iterator[Path]:
    """``chalice.cdk`` writes its package under ``./chalice.out``: keep it out of the
    repository, in a directory removed after synthesis (the assets are copied to cdk.out)."""
    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="repere-synth-") as directory:
        os.chdir(directory)
        try:
            yield Path(directory)
        finally:
            os.chdir(previous)


def build_app(
    *, outdir: str | None = None, context: Mapping[str, Any] | None = None, workdir: Path
) -> cdk.App:
    app = cdk.App(outdir=outdir, context=dict(context or {}))
    bundle = _flag(app.node.try_get_context("repere:bundle"), default=True)
    if not bundle:
        app.node.set_context(BUNDLING_STACKS, [])
    stages = app.node.try_get_context("repere:stages")
    names = [name.strip() for name in str(stages).split(",")] if stages else list(STAGES)
    unknown = sorted(set(names) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown stages {unknown} (known: {sorted(STAGES)})")
    for name in names:
        RepereStack(app, STAGES[name], workdir=workdir, bundle=bundle)
    if _flag(app.node.try_get_context("repere:nag"), default=True):
        nag.enable(app)
    return app


def synth(
    *, outdir: str | None = None, context: Mapping[str, Any] | None = None
) -> cdk.cx_api.CloudAssembly:
    with _working_directory() as workdir:
        app = build_app(outdir=outdir, context=context, workdir=workdir)
        return app.synth()


if __name__ == "__main__":
    synth()
