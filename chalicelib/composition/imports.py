"""Imports (docs/imports.md): the job service, on the place editor's versioned write path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.ids import IdGenerator
    from chalicelib.domain.imports.service import ImportService
    from chalicelib.domain.places.editing import PlaceEditor
    from chalicelib.domain.search.ports import CandidateSource


def import_service(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    ids: IdGenerator,
    *,
    editor: PlaceEditor,
    candidates: CandidateSource,
) -> ImportService:
    from chalicelib.domain.imports.service import ImportLimits, ImportService

    limits = ImportLimits(
        max_file_bytes=settings.imports_max_bytes,
        http_max_file_bytes=settings.imports_http_max_bytes,
        http_max_writes=settings.imports_http_max_writes,
        upload_ttl_seconds=settings.imports_upload_ttl_seconds,
    )
    return ImportService(
        adapters.import_jobs,
        adapters.import_files,
        adapters.places,
        candidates=candidates,
        editor=editor,
        clock=clock,
        ids=ids,
        limits=limits,
    )
