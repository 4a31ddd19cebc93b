"""Query-string models of the public routes, validated at the edge (unknown fields rejected)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.config import Settings
from chalicelib.domain.cursors import MAX_CURSOR_CHARS
from chalicelib.domain.errors import InvalidCursor, InvalidInput
from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.models import (
    AUDIENCE_VALUES,
    ModalityFilter,
    OpenFilter,
    SearchQuery,
    Territory,
)
from chalicelib.domain.search.ports import TerritoryKind
from chalicelib.domain.translations.languages import SUPPORTED_TEXT

# Digits are spelled [0-9], never \d: in pydantic's (Rust) patterns and in Python's ``re`` on
# str, \d is any Unicode digit, so "7５" (a full-width 5) passed and found nothing. Python
# callers use fullmatch (``$`` also matches before a final newline).
DEPARTMENT_PATTERN = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"
_LANGUAGE = re.compile(r"^([a-z]{2}|lsf)$")

Department = Annotated[str, Field(pattern=DEPARTMENT_PATTERN)]


def cursor_of_at_most(max_chars: int) -> AfterValidator:
    """A cursor parameter of at most ``max_chars``, checked here rather than by
    ``Field(max_length=...)``: a cursor's every defect is one answer, 400 invalid_cursor (the
    decoders check the rest)."""

    def bounded(value: str) -> str:
        if not 0 < len(value) <= max_chars:
            raise InvalidCursor()
        return value

    return AfterValidator(bounded)


Cursor = Annotated[str, cursor_of_at_most(MAX_CURSOR_CHARS)]
# Search cursors stay at 1,000 characters: the OpenSearch adapter reads its version-2 cursors
# with its own json.loads, which recurses once per level (750 bytes of "[" stay below the
# recursion limit; 1,500 would not).
SearchCursor = Annotated[str, cursor_of_at_most(1000)]


class Params(BaseModel):
    # allow_inf_nan=False: "nan", "inf" and "1e999" (a float overflowing to inf) are not
    # numbers a caller means; without it radius_km=inf passed its ``gt=0``.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


OPEN_DESCRIPTION = (
    "not_closed hides places temporarily or permanently closed today; now: open at this "
    "instant; today: opens at some point today; any: no filter."
)
LANG_FIELD_DESCRIPTION = (
    f"The language of the answer's texts: one of {SUPPORTED_TEXT} (French, the source, by "
    "default); wins over Accept-Language. Texts without a current translation stay in French, "
    "flagged in content_language. Unsupported: 400 unsupported_language, listing the "
    "supported ones."
)


def lang_field() -> Any:
    # A plain string here: an unsupported code is a 400 ``unsupported_language`` naming the
    # supported ones (chalicelib/domain/translations/languages.py), said once, in the domain.
    return Field(default=None, min_length=1, max_length=20, description=LANG_FIELD_DESCRIPTION)


class LangParams(Params):
    """The query string of public reads that take only a language."""

    lang: str | None = lang_field()


def _setting_bounds(maximum: str, default: str) -> dict[str, Any]:
    """The document's bounds of a parameter the settings bound (checked in ``to_query``):
    the settings' defaults, those of a stage that does not change them."""
    fields = Settings.model_fields
    return {"maximum": fields[maximum].default, "default": fields[default].default}


class SearchParams(Params):
    """The query string of ``GET /search``. Its descriptions are the OpenAPI document's
    (devtools/openapi/contract.py); the bounds the settings decide (radius, page size) are
    checked in ``to_query`` and documented with the settings' defaults."""

    lat: float | None = Field(default=None, ge=-90, le=90, description="Latitude.")
    lon: float | None = Field(default=None, ge=-180, le=180, description="Longitude.")
    radius_km: float | None = Field(
        default=None,
        gt=0,
        description="Radius around lat/lon.",
        json_schema_extra=_setting_bounds("search_max_radius_km", "search_default_radius_km"),
    )
    department: Department | None = Field(
        default=None, description="Department code (75, 2A, 971...)."
    )
    postal_code: str | None = Field(
        default=None, pattern=r"^[0-9]{5}$", description="Five-digit postal code."
    )
    city_code: str | None = Field(
        default=None,
        pattern=r"^([0-9]{5}|2A[0-9]{3}|2B[0-9]{3})$",
        description="INSEE code of the commune.",
    )
    category: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Category id (repeatable, or comma-separated); matches its descendants.",
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Words, case- and accent-insensitive, over name, organisation, description "
        "and category labels; results ranked by relevance.",
    )
    open: OpenFilter = Field(default=OpenFilter.NOT_CLOSED, description=OPEN_DESCRIPTION)
    audience: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Who is looking: keeps places that welcome them.",
        # Checked by ``_audience`` (its message lists them); the document names them too.
        json_schema_extra={"items": {"type": "string", "enum": list(AUDIENCE_VALUES)}},
    )
    modality: list[ModalityFilter] = Field(
        default_factory=list, max_length=10, description="Access conditions required."
    )
    language: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="ISO 639-1 codes or 'lsf'.",
        json_schema_extra={"items": {"type": "string", "pattern": _LANGUAGE.pattern}},
    )
    limit: int | None = Field(
        default=None,
        ge=1,
        description="Page size.",
        json_schema_extra=_setting_bounds("search_max_limit", "search_default_limit"),
    )
    cursor: SearchCursor | None = Field(
        default=None, description="next_cursor of the previous page."
    )
    lang: str | None = lang_field()

    @field_validator("audience")
    @classmethod
    def _audience(cls, values: list[str]) -> list[str]:
        for value in values:
            if value not in AUDIENCE_VALUES:
                raise ValueError(f"unknown audience {value!r}; one of {', '.join(AUDIENCE_VALUES)}")
        return values

    @field_validator("language")
    @classmethod
    def _language(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _LANGUAGE.fullmatch(value):
                raise ValueError(f"{value!r} is not an ISO 639-1 code nor 'lsf'")
        return values

    @model_validator(mode="after")
    def _one_location(self) -> SearchParams:
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise InvalidInput("lat and lon go together", field=missing)
        given = [
            name
            for name, value in (
                ("lat", self.lat),
                ("department", self.department),
                ("postal_code", self.postal_code),
                ("city_code", self.city_code),
            )
            if value is not None
        ]
        if not given:
            raise InvalidInput(
                "say where: lat and lon (with radius_km), or department, postal_code or city_code",
                field="lat",
            )
        if len(given) > 1:
            raise InvalidInput(f"give only one of {', '.join(given)}", field=given[1])
        if self.radius_km is not None and self.lat is None:
            raise InvalidInput("radius_km needs lat and lon", field="radius_km")
        return self

    def to_query(self, settings: Settings) -> SearchQuery:
        radius_km = self.radius_km or settings.search_default_radius_km
        if radius_km > settings.search_max_radius_km:
            raise InvalidInput(
                f"radius_km must be at most {settings.search_max_radius_km:g}", field="radius_km"
            )
        limit = self.limit or settings.search_default_limit
        if limit > settings.search_max_limit:
            raise InvalidInput(f"limit must be at most {settings.search_max_limit}", field="limit")
        center = None
        territory = None
        if self.lat is not None and self.lon is not None:
            center = GeoPoint(lat=self.lat, lon=self.lon)
        elif self.department is not None:
            territory = Territory(TerritoryKind.DEPARTMENT, self.department)
        elif self.postal_code is not None:
            territory = Territory(TerritoryKind.POSTAL_CODE, self.postal_code)
        elif self.city_code is not None:
            territory = Territory(TerritoryKind.CITY_CODE, self.city_code)
        return SearchQuery(
            center=center,
            radius_m=radius_km * 1000,
            territory=territory,
            categories=tuple(dict.fromkeys(self.category)),
            text=self.q,
            open=self.open,
            audiences=tuple(self.audience),
            modalities=tuple(self.modality),
            languages=tuple(self.language),
            limit=limit,
            cursor=self.cursor,
        )


class DepartmentListingParams(Params):
    category: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Category id (repeatable, or comma-separated); matches its descendants.",
    )
    open: OpenFilter = Field(default=OpenFilter.NOT_CLOSED, description=OPEN_DESCRIPTION)
    limit_per_category: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="Places listed per category (totals count them all).",
    )
    lang: str | None = lang_field()
