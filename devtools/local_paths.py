"""Where the local stack keeps its state: ``$LOCAL_STACK_DIR``, by default ``.local/`` of the
checkout. A test (or a drill) runs a throwaway stack in a directory of its own without touching
the developer's tables, outbox, keys or workers' environment.

Not ``REPERE_LOCAL_DIR``: settings refuse any ``REPERE_`` variable they do not know
(chalicelib/config.py), and this one is the tools', not the application's."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def local_dir() -> Path:
    """The local stack's state directory (read when called, so a process started with
    another ``LOCAL_STACK_DIR`` gets its own)."""
    configured = os.environ.get("LOCAL_STACK_DIR")
    return Path(configured).resolve() if configured else ROOT / ".local"


def shown(path: Path) -> str:
    """``path`` for a console line: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
