"""Where the local stack keeps its state: ``$REPERE_LOCAL_DIR``, by default ``.local/`` of the
checkout. A test (or a drill) runs a throwaway stack in a directory of its own without touching
the developer's tables, outbox, keys or workers' environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def local_dir() -> Path:
    """The local stack's state directory (read when called, so a process started with
    another ``REPERE_LOCAL_DIR`` gets its own)."""
    configured = os.environ.get("REPERE_LOCAL_DIR")
    return Path(configured).resolve() if configured else ROOT / ".local"


def shown(path: Path) -> str:
    """``path`` for a console line: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
