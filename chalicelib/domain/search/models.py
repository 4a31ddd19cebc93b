"""The search contract: what a search asks for and what it answers, whatever the backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.places.models import (
    AdministrativeSituation,
    FamilySituation,
    Gender,
    GeoPoint,
)
from chalicelib.domain.places.views import PlaceSummary
from chalicelib.domain.search.ports import TerritoryKind


class OpenFilter(StrEnum):
    # Hides places temporarily or permanently closed today: the lockdown's default filter.
    NOT_CLOSED = "not_closed"
    NOW = "now"  # open at this instant
    TODAY = "today"  # opens at some point of the local day (or is open now)
    ANY = "any"  # every online place, closed ones included


# Audience filter values: who is searching. A place whose audience is unconditional or merely
# preferential welcomes everyone; an exclusive one only those it lists in that dimension.
AUDIENCE_VALUES: tuple[str, ...] = (
    *(g.value for g in Gender),
    *(f.value for f in FamilySituation),
    *(a.value for a in AdministrativeSituation),
)


class ModalityFilter(StrEnum):
    NO_APPOINTMENT = "no_appointment"
    NO_REGISTRATION = "no_registration"
    NO_REFERRAL = "no_referral"
    FREE = "free"
    WHEELCHAIR_ACCESS = "wheelchair_access"
    ANIMALS_ACCEPTED = "animals_accepted"


@dataclass(frozen=True)
class Territory:
    kind: TerritoryKind
    code: str


@dataclass(frozen=True)
class SearchQuery:
    """A validated search. Exactly one of ``center`` or ``territory`` is set."""

    center: GeoPoint | None = None
    radius_m: float = 5000.0
    territory: Territory | None = None
    categories: tuple[str, ...] = ()
    text: str | None = None
    open: OpenFilter = OpenFilter.NOT_CLOSED
    audiences: tuple[str, ...] = ()
    modalities: tuple[ModalityFilter, ...] = ()
    languages: tuple[str, ...] = ()
    limit: int = 20
    cursor: str | None = None

    def __post_init__(self) -> None:
        if (self.center is None) == (self.territory is None):
            raise ValueError("a search needs either a center or a territory")

    def fingerprint_parts(self) -> list[object]:
        """Everything that defines the result list (not the page): cursors are bound to it."""
        return [
            None if self.center is None else [self.center.lat, self.center.lon],
            self.radius_m if self.center is not None else None,
            None if self.territory is None else [self.territory.kind.value, self.territory.code],
            sorted(self.categories),
            self.text or "",
            self.open.value,
            sorted(self.audiences),
            sorted(m.value for m in self.modalities),
            sorted(self.languages),
        ]


@dataclass(frozen=True)
class SearchStats:
    """What the search cost the store (the benchmark reads these)."""

    items_read: int
    queries: int
    candidates: int
    matched_in_scope: int  # places inside the radius/territory, before any other filter
    read_units: float = 0.0  # DynamoDB read capacity units, page included


@dataclass(frozen=True)
class SearchPage:
    total: int
    results: list[PlaceSummary]
    next_cursor: str | None
    facets: dict[str, int] = field(default_factory=dict)
    stats: SearchStats | None = None


@dataclass(frozen=True)
class ListingGroup:
    category: str
    total: int
    places: list[PlaceSummary]


@dataclass(frozen=True)
class DepartmentListing:
    department: str
    total_places: int
    groups: list[ListingGroup]
