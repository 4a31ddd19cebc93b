"""Response bodies of the public read API, modelled once: the handler builds the model, the
route serialises it (``to_json(model)``), and the OpenAPI document takes its schema from the
same model (``route(..., responses={200: Model})``, read by devtools/openapi/).

Built with ``model_construct`` from values the domain has validated already: the search is
the hot path, and its body must not cost more than the dicts it replaces (bench:
``python -m bench.response_bench``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.announcements.models import PublicAnnouncement
from chalicelib.domain.exports.models import ExportStatus, ExportSummary
from chalicelib.domain.places.views import PlaceSummary


class ResponseBody(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Health(ResponseBody):
    status: Literal["ok"]


class Ready(ResponseBody):
    status: Literal["ready"]


class SearchFacets(ResponseBody):
    categories: dict[str, int] = Field(
        description="Places per category id (ancestors included), counted over the search "
        "without its category filter."
    )


class SearchResponse(ResponseBody):
    total: int
    results: list[PlaceSummary]
    next_cursor: str | None
    facets: SearchFacets


def _omitted_when_none(description: str) -> Any:
    # Fields added for answers in other languages: absent from French answers, whose bytes
    # (and ETags) stay what they were (docs/translations.md).
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


class ListingCategory(ResponseBody):
    id: str
    fr: str
    en: str
    label: str | None = _omitted_when_none("The label in the answer's language (lang=).")


class ListingGroup(ResponseBody):
    category: ListingCategory
    total: int
    places: list[PlaceSummary]


class DepartmentListing(ResponseBody):
    department: str
    total_places: int
    groups: list[ListingGroup]


class CategoryLabels(ResponseBody):
    fr: str
    en: str
    ar: str | None = _omitted_when_none("Arabic, with lang=ar.")
    uk: str | None = _omitted_when_none("Ukrainian, with lang=uk.")
    ru: str | None = _omitted_when_none("Russian, with lang=ru.")
    fa: str | None = _omitted_when_none("Persian, with lang=fa.")
    ps: str | None = _omitted_when_none("Pashto, with lang=ps.")
    es: str | None = _omitted_when_none("Spanish, with lang=es.")
    ro: str | None = _omitted_when_none("Romanian, with lang=ro.")


class CategoryNode(ResponseBody):
    id: str
    labels: CategoryLabels
    children: list[CategoryNode]


class Categories(ResponseBody):
    """The taxonomy as a tree."""

    categories: list[CategoryNode]


class ActiveAnnouncements(ResponseBody):
    announcements: list[PublicAnnouncement]


class ExportList(ResponseBody):
    exports: list[ExportSummary]
    next_cursor: str | None


class ExportAccepted(ResponseBody):
    id: str
    status: ExportStatus
    status_url: str = Field(description="GET it for the job's status.")


class SubscriptionAccepted(ResponseBody):
    """Accepted: the same answer whether the address is new, pending or subscribed."""

    status: Literal["accepted"]
    message: str


class Unsubscribed(ResponseBody):
    """Unsubscribed (or already gone)."""

    status: Literal["unsubscribed"]


class OpenApiDocument(ResponseBody):
    """An OpenAPI 3.1 document (this one)."""

    model_config = ConfigDict(extra="allow")

    openapi: Literal["3.1.0"]
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


def to_json(model: BaseModel) -> dict[str, Any]:
    """The JSON value of a response model."""
    return model.model_dump(mode="json")
