"""Ports of self-update links. Adapters: chalicelib/adapters/auth/link_tokens.py (PyJWT,
keys from SSM), chalicelib/adapters/dynamodb/link_state.py; tests/selfupdate_fakes.py."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.selfupdate.models import LinkClaims


class InvalidLinkToken(Exception):
    """The token is not one of ours (bad form, signature, key id, algorithm or claims). Carries
    no detail on purpose: nobody is told which part was wrong."""


class LinkTokenCodec(Protocol):
    def encode(self, claims: LinkClaims) -> str:
        """A signed token with the current key (its id in the header)."""
        ...

    def decode(self, token: str) -> LinkClaims:
        """The claims of a token signed by a known key. Does not check the expiry (the
        service does, with its clock). Raises InvalidLinkToken."""
        ...


class LinkStateStore(Protocol):
    def generation(self, place_id: str) -> int:
        """The place's current link generation (1 when no link was ever revoked)."""
        ...

    def revoke(self, place_id: str, at: datetime) -> int:
        """Bump the generation (atomically); returns the new one."""
        ...

    def count_write(self, token_id: str, place_id: str, hour: str, limit: int) -> bool:
        """Count one write of ``token_id`` in ``hour``; False (and nothing counted) when it
        already made ``limit`` writes in that hour."""
        ...
