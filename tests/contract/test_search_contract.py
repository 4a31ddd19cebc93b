"""The search contract (``PlaceSearch``), one set of scenarios run against every backend:

* ``dynamodb``: ``SearchService`` over DynamoDB's search cells, on moto;
* ``memory``: ``SearchService`` over the in-memory search records (tests/fakes.py);
* ``reference``: the Place-based search the record-based service replaced
  (tests/reference_search.py), which must keep passing too;
* ``opensearch``: ``OpenSearchPlaceSearch`` on the test evaluator (tests/opensearch_eval.py),
  the index filled by the real reindex and stream-writer code, every body checked against the
  OpenSearch API spec;
* ``opensearch-live``: the same on a real cluster, only when OPENSEARCH_URL is set
  (docs/opensearch.md, "Running the contract suite against a real cluster").

Each scenario states ids AND order (and totals, facets, cursors) once, for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.adapters.dynamodb.search_reader import DynamoSearchRecords
from chalicelib.adapters.opensearch.search import OpenSearchPlaceSearch
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import (
    HolidayPolicy,
    TemporaryClosure,
    TemporaryHours,
    TimeSlot,
    WeeklyHours,
)
from chalicelib.domain.places.models import Place, PlaceStatus, Service
from chalicelib.domain.search.models import (
    ModalityFilter,
    OpenFilter,
    SearchPage,
    SearchQuery,
    Territory,
)
from chalicelib.domain.search.ports import PlaceSearch, TerritoryKind
from chalicelib.domain.search.service import SearchService
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import PARIS_19, Position, make_place, offset_point, position
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository, InMemorySearchRecords
from tests.opensearch_support import LIVE_URL, SearchIndex, evaluator_index, live_index
from tests.reference_search import ReferenceSearch

BASE_URL = "https://repere.example.org"
# Tuesday 1 December 2026, 20:45 in Paris.
TUESDAY_EVENING = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)
EVENINGS = WeeklyHours(
    tuesday=[TimeSlot(start="20:00", end="21:30")],
    thursday=[TimeSlot(start="20:00", end="21:30")],
)
AFTERNOONS = WeeklyHours(
    **{day: [TimeSlot(start="14:00", end="19:00")] for day in ("monday", "tuesday", "friday")}
)
NIGHTS = WeeklyHours(tuesday=[TimeSlot(start="22:00", end="02:00")])

BACKENDS = [
    "dynamodb",
    "memory",
    "reference",
    "opensearch",
    pytest.param(
        "opensearch-live",
        marks=pytest.mark.skipif(LIVE_URL is None, reason="OPENSEARCH_URL is not set"),
    ),
]


@dataclass
class Backend:
    name: str
    clock: FixedClock
    search: PlaceSearch
    _load: Callable[[list[Place]], object]

    def load(self, *places: Place) -> None:
        self._load(list(places))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    clock = FixedClock(TUESDAY_EVENING)
    taxonomy = default_taxonomy()
    if request.param == "dynamodb":
        request.getfixturevalue("dynamodb_tables")
        repository = DynamoPlaceRepository()
        service = SearchService(DynamoSearchRecords(), taxonomy, clock, BASE_URL)
        yield Backend("dynamodb", clock, service, repository.load_fresh)
        return
    if request.param in ("memory", "reference"):
        memory = InMemoryPlaceRepository()
        search: PlaceSearch = (
            SearchService(InMemorySearchRecords(memory.places), taxonomy, clock, BASE_URL)
            if request.param == "memory"
            else ReferenceSearch(InMemoryCandidateSource(memory.places), taxonomy, clock, BASE_URL)
        )
        yield Backend(request.param, clock, search, memory.load_fresh)
        return
    index: SearchIndex = (
        evaluator_index(clock) if request.param == "opensearch" else live_index(clock)
    )
    opensearch = OpenSearchPlaceSearch(index.index, taxonomy, clock, BASE_URL)
    try:
        yield Backend(request.param, clock, opensearch, index.add)
    finally:
        index.close()


def near(north_m: float = 0, east_m: float = 0) -> Position:
    return position(offset_point(PARIS_19, north_m, east_m))


def around(**fields: Any) -> SearchQuery:
    fields.setdefault("radius_m", 2000.0)
    return SearchQuery(center=PARIS_19, **fields)


def ids(page: SearchPage) -> list[str]:
    return [result.id for result in page.results]


def find(backend: Backend, **fields: Any) -> list[str]:
    return ids(backend.search.search(around(**fields)))


# ------------------------------------------------------------------------------------ geo


def test_nearest_first_with_distances_and_radius(backend: Backend) -> None:
    backend.load(
        make_place("far", **near(1500)),
        make_place("near", **near(200)),
        make_place("middle", **near(0, -800)),
        make_place("outside", **near(2100)),
    )
    page = backend.search.search(around())
    assert ids(page) == ["near", "middle", "far"]
    assert page.total == 3
    assert page.next_cursor is None
    distances = [result.distance_m for result in page.results]
    assert distances == [200, 800, 1500]


def test_places_at_the_same_spot_are_ordered_by_name_then_id(backend: Backend) -> None:
    backend.load(
        make_place("z1", name="Bains", **near(300)),
        make_place("a2", name="Accueil", **near(300)),
        make_place("a1", name="Accueil", **near(300)),
        make_place("first", name="Zèbre", **near(100)),
    )
    assert find(backend) == ["first", "a1", "a2", "z1"]


@pytest.mark.parametrize(
    "status", [PlaceStatus.DRAFT, PlaceStatus.OFFLINE, PlaceStatus.PERMANENTLY_CLOSED]
)
def test_places_that_are_not_online_are_never_found(backend: Backend, status: PlaceStatus) -> None:
    backend.load(make_place("hidden", status=status, **near(100)), make_place("shown", **near(200)))
    assert find(backend, open=OpenFilter.ANY) == ["shown"]
    assert ids(backend.search.search(SearchQuery(territory=territory("75")))) == ["shown"]


# ------------------------------------------------------------------------- open and closed


def test_temporarily_closed_places_are_hidden_by_default_and_shown_with_any(
    backend: Backend,
) -> None:
    backend.load(
        make_place("closed", temporary_closure=closure(date(2026, 11, 20)), **near(100)),
        make_place(
            "ended", temporary_closure=closure(date(2026, 11, 1), date(2026, 11, 30)), **near(200)
        ),
        make_place("tomorrow", temporary_closure=closure(date(2026, 12, 2)), **near(300)),
        make_place(
            "today-only",
            temporary_closure=closure(date(2026, 12, 1), date(2026, 12, 1)),
            **near(400),
        ),
        make_place("open", **near(500)),
    )
    assert find(backend) == ["ended", "tomorrow", "open"]
    page = backend.search.search(around(open=OpenFilter.ANY))
    assert ids(page) == ["closed", "ended", "tomorrow", "today-only", "open"]
    assert page.results[0].status.value == "temporarily_closed"


def test_a_closure_ends_at_local_midnight(backend: Backend) -> None:
    backend.clock.set(datetime(2026, 12, 1, 22, 59, tzinfo=UTC))  # 23:59 in Paris
    backend.load(
        make_place("closed-today", temporary_closure=closure(date(2026, 11, 30), date(2026, 12, 1)))
    )
    assert find(backend) == []
    backend.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))  # midnight in Paris
    assert find(backend) == ["closed-today"]


def test_open_now_and_open_today_at_a_fixed_instant(backend: Backend) -> None:
    backend.load(
        make_place("evening-truck", hours=EVENINGS, **near(100)),
        make_place("afternoon-canteen", hours=AFTERNOONS, **near(200)),  # 14h-19h: over
        make_place("night-shelter", hours=NIGHTS, **near(300)),  # from 22h
        make_place("thursday-only", hours=WeeklyHours(thursday=EVENINGS.thursday), **near(400)),
        make_place("no-hours", **near(500)),
    )
    assert find(backend, open=OpenFilter.NOW) == ["evening-truck"]
    assert find(backend, open=OpenFilter.TODAY) == ["evening-truck", "night-shelter"]
    assert len(find(backend, open=OpenFilter.ANY)) == 5


def test_a_slot_crossing_midnight_is_open_after_midnight(backend: Backend) -> None:
    backend.clock.set(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))  # Wednesday 00:30 in Paris
    backend.load(
        make_place("night-shelter", hours=NIGHTS, **near(100)),
        make_place("evening-truck", hours=EVENINGS, **near(200)),
    )
    assert find(backend, open=OpenFilter.NOW) == ["night-shelter"]
    assert find(backend, open=OpenFilter.TODAY) == ["night-shelter"]


def test_open_now_respects_holidays_and_closures(backend: Backend) -> None:
    christmas_morning = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # Friday 10:00 in Paris
    backend.clock.set(christmas_morning)
    fridays = {"friday": [TimeSlot(start="09:00", end="12:00")]}
    backend.load(
        make_place(
            "holiday-closed",
            hours=WeeklyHours(**fridays, public_holidays=HolidayPolicy.CLOSED),
            **near(100),
        ),
        make_place(
            "holiday-open",
            hours=WeeklyHours(**fridays, public_holidays=HolidayPolicy.OPEN),
            **near(200),
        ),
        make_place(
            "closed-for-works",
            hours=WeeklyHours(**fridays),
            temporary_closure=closure(date(2026, 12, 20)),
            **near(300),
        ),
    )
    assert find(backend, open=OpenFilter.NOW) == ["holiday-open"]
    assert find(backend, open=OpenFilter.TODAY) == ["holiday-open"]
    assert find(backend) == ["holiday-closed", "holiday-open"]


def test_with_a_category_the_matching_services_decide_if_the_place_is_open(
    backend: Backend,
) -> None:
    shower_now = Service(
        id="s2",
        category="shower",
        hours=WeeklyHours(tuesday=[TimeSlot(start="20:00", end="22:00")]),
    )
    shower_closed = Service(
        id="s2", category="shower", temporary_closure=closure(date(2026, 11, 1))
    )
    backend.load(
        make_place(
            "day-centre",
            hours=AFTERNOONS,
            services=[Service(id="s1", category="seated_meal"), shower_now],
            **near(100),
        ),
        make_place(
            "broken-shower",
            services=[Service(id="s1", category="breakfast"), shower_closed],
            **near(200),
        ),
    )
    assert find(backend, open=OpenFilter.NOW, categories=("hygiene",)) == ["day-centre"]
    assert find(backend, open=OpenFilter.NOW, categories=("food",)) == []
    assert find(backend, categories=("shower",)) == ["day-centre"]
    assert find(backend, categories=("breakfast",)) == ["broken-shower"]
    page = backend.search.search(around(open=OpenFilter.NOW, categories=("shower",)))
    # Facets count under the place's own hours (closed now), whatever the category filter.
    assert page.facets == {}


def test_with_a_category_a_services_own_temporary_hours_decide_as_the_engine_does(
    backend: Backend,
) -> None:
    """Issue 18, point 7: within their dates a service's own temporary hours win over its
    hours and over the place's temporary hours; closures still win over them."""
    evenings = WeeklyHours(tuesday=[TimeSlot(start="20:00", end="22:00")])
    this_week = TemporaryHours(
        start_date=date(2026, 11, 30), end_date=date(2026, 12, 6), hours=evenings
    )
    own_evenings = Service(id="s2", category="shower", temporary_hours=this_week)
    own_hours_replaced = Service(
        id="s2",
        category="shower",
        hours=evenings,
        temporary_hours=this_week.model_copy(update={"hours": AFTERNOONS}),
    )
    closed_anyway = own_evenings.model_copy(
        update={"temporary_closure": closure(date(2026, 12, 1), date(2026, 12, 1))}
    )
    backend.load(
        make_place(
            "own-evenings",
            hours=AFTERNOONS,
            services=[Service(id="s1", category="seated_meal"), own_evenings],
            **near(100),
        ),
        make_place("own-afternoons", services=[own_hours_replaced], **near(200)),
        make_place(
            "closed-shower",
            services=[Service(id="s1", category="breakfast"), closed_anyway],
            **near(300),
        ),
    )
    assert find(backend, open=OpenFilter.NOW, categories=("shower",)) == ["own-evenings"]
    assert find(backend, open=OpenFilter.NOW, categories=("seated_meal",)) == []
    assert find(backend, categories=("shower",)) == ["own-evenings", "own-afternoons"]


# ---------------------------------------------------------------- categories and facets


def test_a_category_matches_its_descendants(backend: Backend) -> None:
    backend.load(
        make_place("meal", categories=["seated_meal"], **near(100)),
        make_place("packages", categories=["food_packages"], **near(200)),
        make_place("shower", categories=["shower"], **near(300)),
    )
    assert find(backend, categories=("food",)) == ["meal", "packages"]
    assert find(backend, categories=("shower", "seated_meal")) == ["meal", "shower"]


def test_facets_count_each_place_once_per_category_ignoring_the_category_filter(
    backend: Backend,
) -> None:
    backend.load(
        make_place("meal", categories=["seated_meal", "breakfast"], **near(100)),
        make_place("shower", categories=["shower", "toilets"], **near(300)),
        make_place(
            "closed",
            categories=["shower"],
            temporary_closure=closure(date(2026, 11, 1)),
            **near(400),
        ),
    )
    page = backend.search.search(around(categories=("food",)))
    assert ids(page) == ["meal"]
    assert page.total == 1
    # Most frequent first, then by id.
    assert list(page.facets.items()) == [
        ("breakfast", 1),
        ("food", 1),
        ("hygiene", 1),
        ("seated_meal", 1),
        ("shower", 1),
        ("toilets", 1),
    ]
    everything = backend.search.search(around(open=OpenFilter.ANY))
    assert list(everything.facets.items())[:2] == [("hygiene", 2), ("shower", 2)]


def test_an_unknown_category_is_invalid_input(backend: Backend) -> None:
    with pytest.raises(InvalidInput) as raised:
        backend.search.search(around(categories=("rockets",)))
    assert raised.value.field == "category"


# ------------------------------------------------------------------------------------ text


def test_text_matches_ignore_case_accents_and_find_prefixes_and_typos(backend: Backend) -> None:
    backend.load(
        make_place("grocery", name="Épicerie Solidaire de la Croix-Rouge", **near(100)),
        make_place(
            "restos", name="Restos du Cœur du 19e", organisation="Restos du Cœur", **near(200)
        ),
        make_place("baths", name="Bains-douches Oberkampf", **near(300)),
    )
    assert find(backend, text="EPICERIE") == ["grocery"]
    assert find(backend, text="coeur") == ["restos"]
    assert find(backend, text="douche") == ["baths"]  # a prefix of "douches"
    assert find(backend, text="epicrie") == ["grocery"]  # one letter missing
    assert find(backend, text="solidaire coeur") == []  # every word must match
    assert find(backend, text="de la") == ["grocery"]  # only stop words: matched as typed


def test_text_relevance_orders_by_field_weight_and_match_strength(backend: Backend) -> None:
    backend.load(
        make_place("in-description", name="Accueil", description="Douches le lundi", **near(100)),
        make_place("in-name", name="Douches de la Mare", **near(900)),
        make_place("in-organisation", name="Halte", organisation="Douches solidaires", **near(200)),
        make_place("prefix-in-name", name="Douchette", **near(300)),
        make_place("typo-in-name", name="Doucher", **near(50)),
        make_place("category-label", name="Halte B", categories=["shower"], **near(400)),
    )
    # Per word, the best of weight (name 3, organisation 2, category 2, description 1) x
    # strength (exact 1, prefix 0.7, one typo 0.5); equal scores: nearest first.
    assert find(backend, text="douches") == [
        "in-name",  # 3 x 1
        "in-organisation",  # 2 x 1
        "typo-in-name",  # 3 x 0.5 ("doucher")
        "in-description",  # 1 x 1, 100 m
        "category-label",  # 2 x 0.5 ("douche" is one letter short), 400 m
    ]
    assert find(backend, text="douch") == [
        "typo-in-name",  # 3 x 0.7, 50 m
        "prefix-in-name",  # 3 x 0.7, 300 m
        "in-name",  # 3 x 0.7, 900 m
        "in-organisation",  # 2 x 0.7, 200 m
        "category-label",  # 2 x 0.7, 400 m
        "in-description",  # 1 x 0.7
    ]


def test_text_finds_category_labels_in_both_languages(backend: Backend) -> None:
    backend.load(make_place("shower", name="Halte", categories=["shower"]))
    assert find(backend, text="shower") == ["shower"]
    assert find(backend, text="hygiène") == ["shower"]
    assert find(backend, text="douche") == ["shower"]


def test_equal_scores_fall_back_to_distance(backend: Backend) -> None:
    backend.load(
        make_place("far", name="Accueil de nuit", **near(900)),
        make_place("near", name="Accueil de jour", **near(100)),
        make_place("better", name="Accueil accueil nuit nuit", **near(1500)),
    )
    # A word scores once, however often it appears: "better" ties with "far", which is nearer.
    assert find(backend, text="accueil nuit") == ["far", "better"]
    assert find(backend, text="accueil") == ["near", "far", "better"]


# ------------------------------------------------------------------------------ paging


@pytest.mark.parametrize("text", [None, "lieu"])
def test_cursors_walk_every_result_once_in_order(backend: Backend, text: str | None) -> None:
    backend.load(
        *(
            make_place(f"p{number}", name=f"Lieu {number % 3}", **near(100 * (number % 4)))
            for number in range(10)
        )
    )
    everything = backend.search.search(around(text=text, limit=100))
    assert everything.total == 10
    seen: list[str] = []
    query = around(text=text, limit=3)
    for _ in range(10):
        page = backend.search.search(query)
        assert page.total == 10
        seen += ids(page)
        if page.next_cursor is None:
            break
        query = replace(query, cursor=page.next_cursor)
    assert seen == ids(everything)
    assert len(set(seen)) == 10


def test_a_cursor_is_bound_to_its_search_and_must_be_intact(backend: Backend) -> None:
    backend.load(*(make_place(f"p{number}", **near(100 * number)) for number in range(3)))
    cursor = backend.search.search(around(limit=1)).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidInput, match="another search") as foreign:
        backend.search.search(around(limit=1, radius_m=3000.0, cursor=cursor))
    assert foreign.value.field == "cursor"
    for broken in ("not-a-cursor", cursor[:-3], "e30", "W10"):
        with pytest.raises(InvalidInput, match="malformed cursor") as malformed:
            backend.search.search(around(limit=1, cursor=broken))
        assert malformed.value.field == "cursor"


# ----------------------------------------------------------------------- territory, people


def territory(code: str, kind: TerritoryKind = TerritoryKind.DEPARTMENT) -> Territory:
    return Territory(kind, code)


def test_territory_search_by_department_postal_code_and_city_code(backend: Backend) -> None:
    backend.load(
        make_place("paris19", name="B"),
        make_place("paris10", name="A", postal_code="75010", city_code="75110"),
        make_place("no-city-code", name="C", postal_code="75010", city_code=None),
        make_place(
            "bordeaux",
            lat=44.84,
            lon=-0.58,
            department="33",
            postal_code="33000",
            city_code="33063",
        ),
    )

    def listed(code: str, kind: TerritoryKind) -> list[str]:
        return ids(backend.search.search(SearchQuery(territory=territory(code, kind))))

    assert listed("75", TerritoryKind.DEPARTMENT) == ["paris10", "paris19", "no-city-code"]
    assert listed("75010", TerritoryKind.POSTAL_CODE) == ["paris10", "no-city-code"]
    assert listed("33063", TerritoryKind.CITY_CODE) == ["bordeaux"]
    assert listed("13", TerritoryKind.DEPARTMENT) == []
    page = backend.search.search(SearchQuery(territory=territory("75")))
    assert page.results[0].distance_m is None


def test_audience_modality_and_language_filters(backend: Backend) -> None:
    backend.load(
        make_place(
            "women-only",
            audience={"kind": "exclusive", "genders": ["women"]},
            modalities={"appointment": True, "price": "symbolic"},
            languages=["fr", "ar"],
            **near(100),
        ),
        make_place(
            "families",
            audience={"kind": "exclusive", "family": ["family"]},
            modalities={"wheelchair_access": True},
            **near(150),
        ),
        make_place("everyone", **near(200)),
    )
    assert find(backend, audiences=("men",)) == ["families", "everyone"]
    assert find(backend, audiences=("women", "isolated")) == ["women-only", "everyone"]
    assert find(backend, audiences=("asylum_seeker",)) == ["women-only", "families", "everyone"]
    assert find(backend, modalities=(ModalityFilter.NO_APPOINTMENT,)) == ["families", "everyone"]
    assert find(backend, modalities=(ModalityFilter.FREE, ModalityFilter.WHEELCHAIR_ACCESS)) == [
        "families"
    ]
    assert find(backend, languages=("ar",)) == ["women-only"]
    assert find(backend, languages=("fr",)) == ["women-only", "families", "everyone"]


# ----------------------------------------------------------------------- department listing


def test_department_listing_groups_places_by_category_in_taxonomy_order(backend: Backend) -> None:
    backend.load(
        make_place("meal-b", name="B", categories=["seated_meal"]),
        make_place("meal-a", name="A", categories=["seated_meal", "shower"]),
        make_place("meal-c", name="C", categories=["seated_meal"], hours=EVENINGS),
        make_place(
            "closed",
            name="D",
            categories=["seated_meal"],
            temporary_closure=closure(date(2026, 11, 1)),
        ),
        make_place("elsewhere", department="33", postal_code="33000", city_code="33063"),
    )
    listing = backend.search.department_listing("75", (), OpenFilter.NOT_CLOSED, 2)
    assert listing.department == "75"
    assert listing.total_places == 3
    assert [(group.category, group.total) for group in listing.groups] == [
        ("seated_meal", 3),
        ("shower", 1),
    ]
    assert [place.id for place in listing.groups[0].places] == ["meal-a", "meal-b"]
    hygiene = backend.search.department_listing("75", ("hygiene",), OpenFilter.NOT_CLOSED, 10)
    assert [group.category for group in hygiene.groups] == ["shower"]
    assert hygiene.total_places == 1
    open_now = backend.search.department_listing("75", (), OpenFilter.NOW, 10)
    assert [place.id for group in open_now.groups for place in group.places] == ["meal-c"]
    assert backend.search.department_listing("13", (), OpenFilter.ANY, 10).groups == []


def test_results_are_the_same_public_summaries(backend: Backend) -> None:
    backend.load(
        make_place(
            "p1",
            hours=EVENINGS,
            internal_note="SECRET",
            temporary_closure=closure(date(2026, 12, 24)),
            **near(120),
        )
    )
    result = backend.search.search(around()).results[0]
    assert result.distance_m == 120
    assert result.open_now is True
    assert result.today.text == "20h-21h30"
    assert result.url == f"{BASE_URL}/fiche/p1"
    assert "SECRET" not in result.model_dump_json()


def closure(start: date, end: date | None = None) -> TemporaryClosure:
    return TemporaryClosure(start_date=start, end_date=end)
