"""``Lazy[T]``: a value built on first use, then kept.

Some services hold a port they may never call (a link issued without a mail, an export
listed without a queue URL, a search whose counting is off): the port is built when first
called, so a stage without the queue URL still serves everything else, and a fault in
building the search counter is met where counting faults are (it never fails a search).
The port-shaped forms below forward one call each to the value the holder resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from chalicelib.domain.exports.ports import ExportQueue
    from chalicelib.domain.mail.models import MailMessage
    from chalicelib.domain.mail.ports import MailQueue
    from chalicelib.domain.stats.search_counts import SearchCounter, SearchEvent

T = TypeVar("T")


class Lazy(Generic[T]):
    """Calls ``build`` at the first ``get()`` and keeps what it returned (a failed build is
    tried again at the next call)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._kept: list[T] = []

    def get(self) -> T:
        if not self._kept:
            self._kept.append(self._build())
        return self._kept[0]


class LazyMailQueue:
    def __init__(self, build: Callable[[], MailQueue]) -> None:
        self._queue = Lazy(build)

    def send(self, message: MailMessage) -> None:
        self._queue.get().send(message)


class LazyExportQueue:
    def __init__(self, build: Callable[[], ExportQueue]) -> None:
        self._queue = Lazy(build)

    def send(self, export_id: str) -> None:
        self._queue.get().send(export_id)


class LazySearchCounter:
    def __init__(self, build: Callable[[], SearchCounter]) -> None:
        self._counter = Lazy(build)

    def record(self, event: SearchEvent) -> None:
        self._counter.get().record(event)


def required(value: T | None, message: str) -> T:
    """``value``, or RuntimeError(message) when the stage did not configure it."""
    if value is None:
        raise RuntimeError(message)
    return value
