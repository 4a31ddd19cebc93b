"""Ids in paths: one pattern per kind of id and one check, which the routes call and the
OpenAPI document reads (devtools/openapi/contract.py ``PATH_PATTERNS``), so the document
states exactly what the routes accept.

``fullmatch``, never ``match``: with ``match``, ``$`` also matches before a trailing newline,
so ``p1\\n`` would pass as ``p1``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.exports.models import EXPORT_ID_PATTERN
from chalicelib.domain.partners.models import KEY_ID_PATTERN

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
CAMPAIGN_ID_PATTERN = r"^[a-z0-9]{1,64}$"  # campaign ids are derived: c + hex digest


class IdKind(StrEnum):
    PLACE = "place"
    ANNOUNCEMENT = "announcement"
    CAMPAIGN = "campaign"
    EXPORT = "export"
    SUBMISSION = "submission"
    API_KEY = "api_key"


PATTERNS: dict[IdKind, str] = {
    IdKind.PLACE: ID_PATTERN,
    IdKind.ANNOUNCEMENT: ID_PATTERN,
    IdKind.CAMPAIGN: CAMPAIGN_ID_PATTERN,
    IdKind.EXPORT: EXPORT_ID_PATTERN,
    IdKind.SUBMISSION: ID_PATTERN,
    IdKind.API_KEY: KEY_ID_PATTERN,
}
_COMPILED = {kind: re.compile(pattern) for kind, pattern in PATTERNS.items()}


def checked_id(value: str, kind: IdKind) -> str:
    """``value`` when it is a well-formed id of ``kind``; 400 ``invalid_input`` otherwise."""
    if not _COMPILED[kind].fullmatch(value):
        raise InvalidInput(f"malformed {kind.value} id", field="id")
    return value
