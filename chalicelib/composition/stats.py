"""Statistics: the report and charts, and the daily snapshot (docs/statistics.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.stats.report import StatsService
    from chalicelib.domain.stats.snapshot import SnapshotService
    from chalicelib.domain.taxonomy.taxonomy import Taxonomy


def stats_service(
    settings: Settings, adapters: Adapters, clock: Clock, taxonomy: Taxonomy
) -> StatsService:
    from chalicelib.domain.stats.report import StatsService

    return StatsService(
        adapters.stats_store,
        clock,
        timezone=settings.default_timezone,
        max_range_days=settings.stats_max_range_days,
        taxonomy=taxonomy,
    )


def snapshot_service(settings: Settings, adapters: Adapters, clock: Clock) -> SnapshotService:
    """The daily snapshot (functions/stats_snapshot.py); the history is the place store's."""
    from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources

    return SnapshotService(
        SnapshotSources(
            places=adapters.place_source,
            history=adapters.places,
            submissions=adapters.submission_source,
            exports=adapters.export_downloads,
            mail=adapters.mail_activity,
        ),
        adapters.stats_store,
        clock,
        timezone=settings.default_timezone,
        coverage_since=settings.stats_coverage_since,
        coverage_days=settings.stats_coverage_days,
    )
