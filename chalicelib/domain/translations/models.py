"""A stored translation: one text of one place in one language."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.translations.languages import Language

Origin = Literal["machine", "human"]


class StoredTranslation(DomainModel):
    """``text`` is ``field`` of place ``place_id`` in ``lang``, made from the French text
    whose hash is ``source_hash``. It is shown only while the French text still has that
    hash: a translation of an older text is stale (a human one included) and never served.
    ``version`` counts the item's writes; every write is conditional on it."""

    place_id: str
    lang: Language
    field: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)
    source_hash: str = Field(min_length=8, max_length=64)
    origin: Origin
    version: int = Field(default=1, ge=1)
    updated_at: datetime
    updated_by: str | None = Field(default=None, max_length=256)
    """The moderator who wrote a human translation (never shown publicly)."""

    def is_current(self, hash_of_source: str) -> bool:
        return self.source_hash == hash_of_source
