"""Search counting through the public routes and the admin statistics routes (in-memory fakes).

A scripted set of public searches is counted exactly; the report, its CSV and the charts show
them; a failing counter never fails a search; auth, scope and bad dates answer 4xx JSON.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.clock import FixedClock
from tests import composition_support as roots
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.conftest import TUESDAY_EVENING
from tests.stats_fakes import FailingSearchCounter, InMemoryStatsStore

DAY = "2026-12-01"  # TUESDAY_EVENING in Paris
ADMIN = bearer(token("admin"))
MODERATOR_75 = bearer(token("territory_moderator", ("75",), "mod-75"))
VOLUNTEER_75 = bearer(token("volunteer", ("75",), "vol-75"))


@dataclass
class StatsApi:
    client: Client
    store: InMemoryStatsStore

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        response = self.client.http.get(path, headers=headers or {})
        return response

    def json(self, path: str, headers: dict[str, str] | None = None) -> Any:
        response = self.get(path, headers)
        assert response.status_code == 200, response.body
        return json.loads(response.body)


@pytest.fixture
def api() -> Iterator[StatsApi]:
    from app import app

    places = InMemoryPlaceRepository()
    for place in (
        make_place("p75a", categories=("food_distribution",)),
        make_place("p75b", categories=("shower",)),
        make_place(
            "p93",
            department="93",
            postal_code="93200",
            city_code="93066",
            lat=48.936,
            lon=2.357,
            categories=("food_distribution",),
        ),
    ):
        places.add(place)
    store = InMemoryStatsStore()
    roots.use(
        clock=FixedClock(TUESDAY_EVENING),
        places=places,
        search_records=InMemorySearchRecords(places.places),
    )
    roots.use(search_counter=store, stats_store=store)
    try:
        with Client(app) as client:
            yield StatsApi(client, store)
    finally:
        roots.reset()


SCRIPT = (
    # path, expected department
    ("/search?department=75&category=food_distribution", "75"),
    ("/search?department=75&category=food_distribution&open=any", "75"),
    ("/search?postal_code=75019&category=shower", "75"),
    ("/search?lat=48.8867&lon=2.3795&radius_km=1&category=food", "75"),  # first result's
    ("/search?department=93&category=shower", "93"),  # nothing: zero result
    ("/search?department=93&q=douche", "93"),  # nothing, with text
    ("/search?lat=43.3&lon=5.4&radius_km=1", "unknown"),  # Marseille: nothing, no result
    ("/territories/75/places?category=food", "75"),
)


def run_script(api: StatsApi) -> None:
    for path, _ in SCRIPT:
        response = api.get(path)
        assert response.status_code == 200, (path, response.body)


def test_each_public_search_is_counted_once_by_department_category_filter_and_zero(
    api: StatsApi,
) -> None:
    run_script(api)
    day = date.fromisoformat(DAY)
    assert [event.department for event in api.store.events] == [dep for _, dep in SCRIPT]
    c75 = api.store.counter_items[("75", day)]
    assert c75["searches"] == 4
    assert c75["listings"] == 1
    assert c75["cat#food_distribution"] == 2
    assert c75["cat#shower"] == 1
    assert c75["cat#food"] == 2  # the point search and the listing
    assert c75["open#not_closed"] == 4
    assert c75["open#any"] == 1
    assert c75["zero"] == 0
    c93 = api.store.counter_items[("93", day)]
    assert (c93["searches"], c93["zero"]) == (2, 2)
    assert c93["zero#shower#noq"] == 1
    assert c93["zero#none#q"] == 1
    assert c93["with_text"] == 1
    assert api.store.counter_items[("unknown", day)]["zero#none#noq"] == 1


def test_counters_hold_no_coordinates_text_or_client_data(api: StatsApi) -> None:
    api.get("/search?department=93&q=madame+dupont+06+12+34+56+78")
    api.get("/search?lat=48.8867&lon=2.3795&radius_km=1")
    stored = json.dumps(
        {f"{dep}|{day}": dict(counters) for (dep, day), counters in api.store.counter_items.items()}
    )
    for leaked in ("dupont", "madame", "48.88", "2.37", "127.0.0.1"):
        assert leaked not in stored


def test_next_pages_are_not_counted_again(api: StatsApi) -> None:
    first = api.json("/search?department=75&limit=1")
    assert first["next_cursor"]
    api.json(f"/search?department=75&limit=1&cursor={first['next_cursor']}")
    assert len(api.store.events) == 1


def test_search_succeeds_when_counting_fails(api: StatsApi) -> None:
    failing = FailingSearchCounter()
    roots.use(search_counter=failing)
    payload = api.json("/search?department=75&category=food_distribution")
    assert payload["total"] == 1
    listing = api.json("/territories/75/places")
    assert listing["total_places"] == 2
    assert failing.calls == 2


def test_admin_report_shows_the_scripted_searches(api: StatsApi) -> None:
    run_script(api)
    payload = api.json(f"/admin/stats?from={DAY}&to={DAY}&department=75", ADMIN)
    (dep,) = payload["departments"]
    assert dep["department"] == "75"
    assert dep["totals"]["searches"] == 4
    assert dep["totals"]["categories"]["food_distribution"] == 2
    assert dep["searches"][0]["day"] == DAY


def test_moderator_without_department_gets_its_own(api: StatsApi) -> None:
    run_script(api)
    payload = api.json(f"/admin/stats?from={DAY}&to={DAY}", MODERATOR_75)
    assert [d["department"] for d in payload["departments"]] == ["75"]


@pytest.mark.parametrize("how", ["format", "accept"])
def test_report_as_csv(api: StatsApi, how: str) -> None:
    run_script(api)
    if how == "format":
        response = api.get(f"/admin/stats?from={DAY}&to={DAY}&department=93&format=csv", ADMIN)
    else:
        response = api.get(
            f"/admin/stats?from={DAY}&to={DAY}&department=93",
            {**ADMIN, "Accept": "text/csv"},
        )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    (row,) = list(csv.DictReader(io.StringIO(body)))
    assert (row["department"], row["day"], row["searches"], row["zero"]) == ("93", DAY, "2", "2")


def test_charts_are_svg_that_parse(api: StatsApi) -> None:
    run_script(api)
    for path in (
        f"/admin/stats/charts/top-categories.svg?department=75&from={DAY}&to={DAY}",
        f"/admin/stats/charts/open-closed.svg?department=75&from={DAY}&to={DAY}",
    ):
        response = api.get(path, ADMIN)
        assert response.status_code == 200, response.body
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        root = ET.fromstring(response.body)  # noqa: S314 - our own SVG
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    top = api.get(f"/admin/stats/charts/top-categories.svg?department=75&from={DAY}", ADMIN)
    top_root = ET.fromstring(top.body)  # noqa: S314 - our own SVG
    assert "Distribution alimentaire" in " ".join(top_root.itertext())


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/admin/stats", {}, 401, None),
        ("/admin/stats", VOLUNTEER_75, 403, "role_required"),
        ("/admin/stats?department=93", MODERATOR_75, 403, "out_of_scope"),
        ("/admin/stats?department=all", MODERATOR_75, 403, "out_of_scope"),
        ("/admin/stats/charts/open-closed.svg?department=93", MODERATOR_75, 403, "out_of_scope"),
        ("/admin/stats?from=2026-12-02&to=2026-12-01", ADMIN, 400, "invalid_input"),
        ("/admin/stats?from=2025-01-01&to=2026-12-01", ADMIN, 400, "invalid_input"),
        ("/admin/stats?from=yesterday", ADMIN, 400, None),
        ("/admin/stats?department=7500", ADMIN, 400, None),
        ("/admin/stats?format=xml", ADMIN, 400, None),
        ("/admin/stats?lat=48.8", ADMIN, 400, None),
        ("/admin/stats/charts/top-categories.svg?limit=0", ADMIN, 400, None),
    ],
)
def test_auth_scope_and_bad_input_answer_4xx_json(
    api: StatsApi, path: str, headers: dict[str, str], status: int, code: str | None
) -> None:
    response = api.get(path, headers)
    assert response.status_code == status, response.body
    payload = json.loads(response.body)
    assert set(payload) >= {"code", "message"}
    if code is not None:
        assert payload["code"] == code
