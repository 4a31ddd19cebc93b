"""The back office: place edits, batches, announcements (docs/backoffice.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.adapters.auth.local_jwt import LocalJwtVerifier
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.announcements.service import AnnouncementService
    from chalicelib.domain.batch.service import BatchUpdateService
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def place_editor(
    adapters: Adapters, clock: Clock, ids: IdGenerator, taxonomy: Taxonomy
) -> PlaceEditor:
    from chalicelib.domain.places.editing import PlaceEditor

    return PlaceEditor(adapters.places, clock, ids, taxonomy)


def batch_update_service(
    adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> BatchUpdateService:
    from chalicelib.domain.batch.service import BatchUpdateService

    return BatchUpdateService(adapters.places, adapters.batch_ledger, clock, taxonomy)


def announcement_service(adapters: Adapters, clock: Clock, ids: IdGenerator) -> AnnouncementService:
    from chalicelib.domain.announcements.service import AnnouncementService

    return AnnouncementService(adapters.announcements, clock, ids)


def local_verifier(settings: Settings) -> LocalJwtVerifier:
    """Verifies back-office tokens in ``local`` auth mode (chalicelib/api/auth.py). PyJWT pulls
    in cryptography (~100 ms): loaded only where local tokens are verified."""
    from chalicelib.adapters.auth.local_jwt import LocalJwtVerifier

    return LocalJwtVerifier(
        settings.local_jwt_secret.get_secret_value(),
        issuer=settings.local_jwt_issuer,
        audience=settings.local_jwt_audience,
    )
