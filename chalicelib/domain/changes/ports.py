"""Ports of the change feed. Adapters: chalicelib/adapters/dynamodb/changes.py and
tests/change_fakes.py (both pass tests/contract/test_change_log_contract.py)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.changes.models import Change


class ChangeLog(Protocol):
    def read(self, partition: str, after_seq: int, limit: int) -> list[Change]:
        """The changes of ``partition`` numbered above ``after_seq``, in order, at most
        ``limit`` (a strongly consistent read: a change numbered is a change readable)."""
        ...

    def last_seq(self, partition: str) -> int:
        """The number of the partition's latest change (0 when it has none)."""
        ...

    def first_seq(self, partition: str) -> int | None:
        """The number of its oldest change still kept (None when none is kept)."""
        ...

    def sequence_pending(self, limit: int) -> int:
        """Number the public writes waiting (oldest first, each place's versions in order)
        and file them in their feeds; how many were filed. Safe to run twice at once: a
        number is taken once (conditional writes), the loser files nothing twice."""
        ...
