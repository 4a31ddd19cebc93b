"""The composition root: where adapters are built and services assembled (docs/architecture.md).

Handlers and workers ask ``services()`` for the process's ``Services`` and take what they need
from it (``services().place_search``). The first call builds it from the settings on AWS
adapters, with the API's store budget; a worker asks ``services(worker=True)`` (through
``functions.runtime.services``) for the workers' longer one. Tests and local tools ``install``
a root of their own (in-memory or moto-bound adapters, a fixed clock), which every caller then
gets, and ``uninstall`` it: one current root, replaced whole, never patched piecemeal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.root import Services


class _Current:
    """The process's roots: the installed one, else one built per store budget."""

    installed: Services | None = None
    api: Services | None = None
    worker: Services | None = None


def services(*, worker: bool = False) -> Services:
    """The installed root, else this process's, built on first use (``worker``: with the
    workers' store budget)."""
    if _Current.installed is not None:
        return _Current.installed
    if worker:
        _Current.worker = _Current.worker or _built(worker=True)
        return _Current.worker
    _Current.api = _Current.api or _built(worker=False)
    return _Current.api


def _built(*, worker: bool) -> Services:
    from chalicelib.composition.budget import StoreBudget
    from chalicelib.composition.root import Services
    from chalicelib.config import get_settings

    settings = get_settings()
    budget = StoreBudget.worker(settings) if worker else StoreBudget.api(settings)
    return Services.on_aws(settings, budget)


def install(root: Services) -> Services:
    """Make ``root`` the one every handler and worker gets (tests, local tools)."""
    _Current.installed = root
    return root


def uninstall() -> None:
    """Forget every root: the next ``services()`` builds one from the settings then current."""
    _Current.installed = _Current.api = _Current.worker = None
