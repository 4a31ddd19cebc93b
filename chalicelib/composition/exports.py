"""Exports: requests, listing and downloads in the API, rendering in the worker
(docs/exports.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition.lazy import LazyExportQueue, required

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.exports.ports import Renderer
    from chalicelib.domain.exports.service import ExportRunner, ExportService
    from chalicelib.domain.search.ports import CandidateSource
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def export_service(
    settings: Settings, adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> ExportService:
    """Request, list and download exports; the queue is needed only to send a job (listing
    and downloading work on a stage without REPERE_EXPORTS_QUEUE_URL). The schedule's sets
    that follow the data ask the search records which departments have online places."""
    from chalicelib.domain.exports.national import RecordDepartments
    from chalicelib.domain.exports.service import ExportService

    queue = LazyExportQueue(
        lambda: required(
            adapters.export_queue,
            "REPERE_EXPORTS_QUEUE_URL is not set: exports cannot be queued",
        )
    )
    return ExportService(
        adapters.export_repository,
        queue,
        adapters.export_files,
        taxonomy,
        clock,
        timezone=settings.default_timezone,
        download_ttl_seconds=settings.exports_download_ttl_seconds,
        departments=RecordDepartments(adapters.search_records),
    )


def export_runner(
    settings: Settings,
    adapters: Adapters,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    candidates: CandidateSource,
    renderer: Renderer,
) -> ExportRunner:
    """Renders one queued export (the exports worker, which brings the renderer)."""
    from chalicelib.domain.exports.service import ExportRunner

    return ExportRunner(
        adapters.export_repository,
        candidates,
        files=adapters.export_files,
        renderer=renderer,
        taxonomy=taxonomy,
        clock=clock,
        base_url=settings.public_site_url,
    )
