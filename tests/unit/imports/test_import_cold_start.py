"""The importers weigh nothing on the API's cold start: ``import app`` loads neither the
data·inclusion schema (and its pendulum) nor the readers, only the routes' models."""

from __future__ import annotations

from tests.unit.test_cold_start import _modules_after_import_app

LOADED_ON_FIRST_IMPORT = (
    "data_inclusion",
    "pendulum",
    "chalicelib.domain.imports.service",
    "chalicelib.domain.imports.data_inclusion",
    "chalicelib.domain.imports.hsds",
    "chalicelib.domain.imports.soliguide",
    "chalicelib.adapters.s3.import_files",
    "chalicelib.adapters.dynamodb.imports",
)


def test_import_app_loads_no_importer() -> None:
    loaded = _modules_after_import_app()

    assert "chalicelib.api.imports" in loaded  # the routes are registered
    assert sorted(name for name in LOADED_ON_FIRST_IMPORT if name in loaded) == []
