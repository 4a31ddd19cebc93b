"""Identifiers are an input too: services receive an ``IdGenerator`` so tests get known ids."""

from __future__ import annotations

import uuid
from typing import Protocol


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new identifier: 1-64 letters, digits, '-' or '_'."""
        ...


class RandomIds:
    """128 random bits as 32 hexadecimal digits."""

    def new_id(self) -> str:
        return uuid.uuid4().hex


class SequentialIds:
    """``<prefix>1``, ``<prefix>2``... (tests, demo tools)."""

    def __init__(self, prefix: str = "id-") -> None:
        self._prefix = prefix
        self._count = 0

    def new_id(self) -> str:
        self._count += 1
        return f"{self._prefix}{self._count}"
