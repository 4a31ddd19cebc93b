"""One settings model, read once per container at cold start (environment variables REPERE_*).

A plain pydantic model fed from ``os.environ`` rather than pydantic-settings: that package
imports asyncio and its source providers, ~150 ms of cold start for a dozen variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PREFIX = "REPERE_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = "local"
    region: str = "eu-west-3"
    # Tables are named <table_prefix>-<name> (chalicelib/adapters/dynamodb/tables.py).
    table_prefix: str = Field(default="repere-local", pattern=r"^[A-Za-z0-9_.-]{1,200}$")
    # Where the website shows a place; the API builds public links from it.
    public_site_url: str = "https://repere.example.org"
    # Origins of the website allowed by CORS on public routes (comma-separated in the env).
    cors_origins: list[str] = Field(default_factory=lambda: ["http://localhost:3000"])
    search_backend: Literal["dynamodb", "opensearch"] = "dynamodb"
    default_timezone: str = "Europe/Paris"
    # Public GET responses may be cached this long by kiosks and the CDN. Short, because
    # open-now changes by the minute.
    public_cache_seconds: int = Field(default=60, ge=0, le=3600)
    taxonomy_cache_seconds: int = Field(default=3600, ge=0, le=86400)
    search_default_limit: int = Field(default=20, ge=1, le=100)
    search_max_limit: int = Field(default=100, ge=1, le=500)
    search_default_radius_km: float = Field(default=5.0, gt=0)
    # The geohash planner covers at most 100 km (chalicelib/adapters/dynamodb/geo_cells.py).
    search_max_radius_km: float = Field(default=100.0, gt=0, le=100)
    # Threads used to run the geohash cell queries of one search in parallel.
    geo_query_workers: int = Field(default=8, ge=1, le=32)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """REPERE_<FIELD> variables (unknown REPERE_ names are errors: typos must not pass)."""
        values: dict[str, object] = {
            name.removeprefix(PREFIX).lower(): value
            for name, value in environ.items()
            if name.startswith(PREFIX)
        }
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region and "region" not in values:
            values["region"] = region
        return cls.model_validate(values)


@cache
def get_settings() -> Settings:
    return Settings.from_environ(os.environ)
