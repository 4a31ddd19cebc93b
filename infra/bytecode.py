"""Bytecode for the API package (no CDK import: the import benchmark uses it too)."""

from __future__ import annotations

import compileall
import py_compile
from pathlib import Path


def compile_app(directory: Path) -> None:
    """Bytecode next to every module of ``chalicelib/`` under ``directory`` (what Lambda's
    Python would otherwise compile at each cold start: its code directory is read-only). The
    bytecode is checked by nothing (``unchecked-hash``): a zip's timestamps would not match the
    sources', and the package is rebuilt from the sources anyway."""
    compiled = compileall.compile_dir(
        str(directory / "chalicelib"),
        quiet=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        raise RuntimeError(f"chalicelib under {directory} does not compile")
