"""Geohash covering of search circles (pure: no DynamoDB).

The properties that matter: no place within the radius is ever outside the planned key
ranges (no false negatives), and the ranges read little more than the circle in few Queries
(gaps are bridged only when small: ``GAP_CELLS``, then the area cap).
"""

from __future__ import annotations

import itertools
import math
import warnings

import geohash
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dynamodb.geo_cells import (
    BASE32,
    GAP_CELLS,
    GH_PRECISION,
    MAX_RADIUS_M,
    TARGET_RANGES,
    CellRange,
    cell_area_m2,
    cell_box,
    circle_area_m2,
    covering_cells,
    encode,
    plan_radius_query,
    planning_precision,
    range_cells,
)
from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.geo import (
    EARTH_RADIUS_M,
    BoundingBox,
    bounding_box,
    distance_to_box_m,
    haversine_coords_m,
    haversine_m,
)
from tests.builders import destination_point

PARIS = GeoPoint(lat=48.8867, lon=2.3795)
LOZERE = GeoPoint(lat=44.52, lon=3.50)

# Mainland France and Corsica, roughly.
france_lat = st.floats(min_value=41.3, max_value=51.1)
france_lon = st.floats(min_value=-5.2, max_value=9.6)
any_lat = st.floats(min_value=-90.0, max_value=90.0)
any_lon = st.floats(min_value=-180.0, max_value=180.0)
# Coordinates as places have them (1e-9 degree is 0.1 mm), without subnormal oddities.
real_lat = any_lat.map(lambda x: round(x, 9))
real_lon = any_lon.map(lambda x: round(x, 9))


def destination(center: GeoPoint, bearing: float, distance_m: float) -> tuple[float, float]:
    point = destination_point(center, bearing, distance_m)
    return point.lat, point.lon


def covered(ranges: list[CellRange], gh: str) -> bool:
    """Whether a place with this geohash is in a cell one of the Queries reads."""
    for cell_range in ranges:
        if gh[:3] == cell_range.hash_value and cell_range.low <= gh <= cell_range.high:
            return True
    return False


def area_ratio(center: GeoPoint, radius_m: float) -> float:
    ranges = plan_radius_query(center, radius_m)
    cells = [cell for cell_range in ranges for cell in range_cells(cell_range)]
    return sum(cell_area_m2(cell) for cell in cells) / circle_area_m2(radius_m)


# --- distances ---------------------------------------------------------------------------


def test_haversine_known_distances() -> None:
    notre_dame = GeoPoint(lat=48.85296, lon=2.34990)
    marseille = GeoPoint(lat=43.29695, lon=5.38107)
    assert haversine_m(notre_dame, marseille) == pytest.approx(661_000, rel=0.005)
    assert haversine_m(PARIS, PARIS) == 0.0
    # One degree of latitude: 2πR / 360.
    assert haversine_coords_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)
    # Across the antimeridian the short way round.
    assert haversine_coords_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, rel=1e-3)


@settings(max_examples=300, deadline=None)
@given(
    lat=any_lat,
    lon=any_lon,
    south=st.floats(min_value=-90.0, max_value=89.0),
    west=st.floats(min_value=-180.0, max_value=179.0),
    height=st.floats(min_value=1e-4, max_value=10.0),
    width=st.floats(min_value=1e-4, max_value=10.0),
)
def test_distance_to_box_is_the_distance_to_its_nearest_point(
    *, lat: float, lon: float, south: float, west: float, height: float, width: float
) -> None:
    box = BoundingBox(south, west, min(90.0, south + height), min(180.0, west + width))
    distance = distance_to_box_m(lat, lon, box)
    # Sampling the box: no point of it is nearer than the computed distance (this is what
    # makes the covering free of false negatives), and the nearest sample is close to it.
    steps = 24
    samples = [
        haversine_coords_m(
            lat,
            lon,
            box.south + (box.north - box.south) * i / steps,
            box.west + (box.east - box.west) * j / steps,
        )
        for i in range(steps + 1)
        for j in range(steps + 1)
    ]
    grid_step_m = math.radians(max(box.north - box.south, box.east - box.west) / steps)
    assert distance <= min(samples) + 1e-6
    assert distance >= min(samples) - grid_step_m * EARTH_RADIUS_M


@settings(max_examples=200, deadline=None)
@given(
    lat=real_lat,
    lon=real_lon,
    radius_m=st.floats(min_value=0, max_value=MAX_RADIUS_M),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_bounding_box_holds_the_circle(
    lat: float, lon: float, radius_m: float, bearing: float, fraction: float
) -> None:
    center = GeoPoint(lat=lat, lon=lon)
    box = bounding_box(center, radius_m)
    point_lat, point_lon = destination(center, bearing, radius_m * fraction)
    assume(haversine_coords_m(lat, lon, point_lat, point_lon) <= radius_m)
    # destination() itself rounds: allow a nanodegree (0.1 mm) of slack.
    slack = 1e-9
    assert box.south - slack <= point_lat <= box.north + slack
    if box.crosses_antimeridian:
        assert point_lon >= box.west - slack or point_lon <= box.east + slack
    elif box.east - box.west < 360.0:
        assert box.west - slack <= point_lon <= box.east + slack


# --- geohash keys ------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
# Rounded to 1e-9 degree as real coordinates are: python-geohash's C encoder mishandles
# magnitudes below ~1e-200, which no place has (ours is exact there, see the next test).
@given(lat=real_lat, lon=real_lon)
@example(lat=90.0, lon=180.0)
@example(lat=-90.0, lon=-180.0)
@example(lat=48.8671875, lon=2.28515625)  # a cell corner
def test_encode_agrees_with_python_geohash(lat: float, lon: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library warns about latitude 90
        expected = geohash.encode(lat, lon, GH_PRECISION)
    assert encode(lat, lon) == expected


@settings(max_examples=300, deadline=None)
@given(lat=any_lat, lon=any_lon, precision=st.integers(min_value=1, max_value=9))
def test_a_point_lies_in_the_box_of_its_cell(lat: float, lon: float, precision: int) -> None:
    code = encode(lat, lon, precision)
    box = cell_box(code)
    assert box.south <= lat <= box.north
    wrapped = -180.0 if lon == 180.0 else lon
    assert box.west <= wrapped <= box.east
    assert cell_box(code) == BoundingBox(*_library_box(code))


def _library_box(code: str) -> tuple[float, float, float, float]:
    box = geohash.bbox(code)
    return box["s"], box["w"], box["n"], box["e"]


# --- planning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("radius_m", "precision"),
    [(0, 6), (2_000, 6), (10_000, 6), (10_001, 5), (30_000, 5), (30_001, 4), (100_000, 4)],
)
def test_precision_grows_with_the_radius(radius_m: float, precision: int) -> None:
    assert planning_precision(radius_m) == precision
    ranges = plan_radius_query(PARIS, radius_m)
    for cell_range in ranges:
        assert len(cell_range.hash_value) == 3
        assert len(cell_range.low) == len(cell_range.high) == GH_PRECISION
        assert cell_range.low.startswith(cell_range.hash_value)
        assert cell_range.high.startswith(cell_range.hash_value)
        assert cell_range.low <= cell_range.high
        assert len(range_cells(cell_range)[0]) <= precision
        assert range_cells(cell_range, precision)  # whole cells of the planned precision


def test_ranges_are_sorted_and_disjoint() -> None:
    ranges = plan_radius_query(PARIS, 5_000)
    assert ranges == sorted(ranges, key=lambda r: (r.hash_value, r.low))
    for before, after in itertools.pairwise(ranges):
        if before.hash_value == after.hash_value:
            assert before.high < after.low


def test_bounds_are_exact_for_the_base32_order() -> None:
    assert list(BASE32) == sorted(BASE32)  # lexical order is numeric order
    ranges = plan_radius_query(PARIS, 100)
    for cell_range in ranges:
        cells = range_cells(cell_range)
        assert cell_range.low == cells[0] + "0" * (GH_PRECISION - len(cells[0]))
        assert cell_range.high == cells[-1] + "z" * (GH_PRECISION - len(cells[-1]))


def test_consecutive_cells_are_merged_into_one_range() -> None:
    # Every cell of a 5 km covering in Paris is consecutive with some other one, so there are
    # far fewer ranges than cells; and every planned cell is one of the covering's or a gap
    # cell between two of them.
    cells = covering_cells(PARIS, 5_000, 6)
    ranges = plan_radius_query(PARIS, 5_000)
    read = [cell for cell_range in ranges for cell in range_cells(cell_range, 6)]
    assert set(cells) <= set(read)
    assert len(ranges) < len(cells) / 5


# Upper bounds of (sum of cell areas read) / (circle area), measured then given ~10 % room.
# Measured: Paris 10.0, 5.0, 1.99, 1.96, 1.22, 1.66; Lozère 3.39, 3.73, 2.92, 1.61, 1.25, 1.53
# (0.5, 1, 2, 5, 30, 50 km). Small circles read a few cells around them: gaps of up to
# GAP_CELLS cells are bridged because a Query costs more than reading them (a 0.5 km circle is
# smaller than two cells); 50 km uses 4-character cells (~20 km x 28 km).
AREA_RATIO_BOUNDS: dict[float, float] = {
    500: 11.0,
    1_000: 5.5,
    2_000: 3.3,
    5_000: 2.2,
    30_000: 1.4,
    50_000: 1.85,
}


@pytest.mark.parametrize("center", [PARIS, LOZERE], ids=["paris", "lozere"])
@pytest.mark.parametrize("radius_m", sorted(AREA_RATIO_BOUNDS))
def test_area_read_is_bounded(center: GeoPoint, radius_m: float) -> None:
    ratio = area_ratio(center, radius_m)
    assert 1.0 <= ratio <= AREA_RATIO_BOUNDS[radius_m]


@pytest.mark.parametrize("center", [PARIS, LOZERE], ids=["paris", "lozere"])
@pytest.mark.parametrize(
    ("radius_m", "max_queries"),
    [(500, 2), (1_000, 3), (2_000, 4), (5_000, 5), (10_000, 12), (30_000, 16), (50_000, 16)],
)
def test_few_queries(center: GeoPoint, radius_m: float, max_queries: int) -> None:
    ranges = plan_radius_query(center, radius_m)
    assert len(ranges) <= TARGET_RANGES
    assert len(ranges) <= max_queries


@pytest.mark.parametrize("radius_m", [1_000, 2_000, 5_000, 8_000])
def test_only_small_gaps_are_bridged_unless_the_area_stays_under_its_cap(radius_m: float) -> None:
    cells = set(covering_cells(PARIS, radius_m, 6))
    ranges = plan_radius_query(PARIS, radius_m)
    read = [cell for cell_range in ranges for cell in range_cells(cell_range, 6)]
    assert cells <= set(read)
    bridged = [cell for cell in read if cell not in cells]
    # Every bridged cell sits in a gap of at most GAP_CELLS cells of the covering, or the
    # whole plan stays under the area cap (bridging down to TARGET_RANGES).
    gaps = _gaps(sorted(cells), read)
    assert all(size <= GAP_CELLS for size in gaps) or area_ratio(PARIS, radius_m) <= 1.3
    assert len(bridged) == sum(gaps)


def _gaps(cells: list[str], read: list[str]) -> list[int]:
    """Sizes of the runs of read cells that are not in the covering."""
    in_covering = set(cells)
    sizes: list[int] = []
    run = 0
    for cell in read:
        if cell in in_covering:
            if run:
                sizes.append(run)
            run = 0
        else:
            run += 1
    if run:
        sizes.append(run)
    return sizes


@pytest.mark.parametrize("radius_m", [-1.0, MAX_RADIUS_M + 1, math.nan, math.inf])
def test_radius_out_of_bounds_is_rejected(radius_m: float) -> None:
    with pytest.raises(ValueError, match="radius"):
        plan_radius_query(PARIS, radius_m)


# --- no false negatives -------------------------------------------------------------------

radii = st.floats(min_value=100.0, max_value=MAX_RADIUS_M)
# Points near the edge of the circle are where a wrong covering would lose a place.
fractions = st.one_of(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.999, max_value=1.0),
)


@settings(max_examples=300, deadline=None)
@given(
    center_lat=france_lat,
    center_lon=france_lon,
    radius_m=radii,
    bearings=st.lists(st.floats(min_value=0, max_value=2 * math.pi), min_size=1, max_size=8),
    fraction=fractions,
)
@example(center_lat=PARIS.lat, center_lon=PARIS.lon, radius_m=2_000, bearings=[0.0], fraction=1.0)
@example(center_lat=LOZERE.lat, center_lon=LOZERE.lon, radius_m=30_000, bearings=[1.0], fraction=1)
def test_every_point_within_the_radius_is_in_a_planned_range_in_france(
    center_lat: float,
    center_lon: float,
    radius_m: float,
    bearings: list[float],
    fraction: float,
) -> None:
    center = GeoPoint(lat=center_lat, lon=center_lon)
    ranges = plan_radius_query(center, radius_m)
    precision = planning_precision(radius_m)
    for bearing in bearings:
        lat, lon = destination(center, bearing, radius_m * fraction)
        assume(haversine_coords_m(center.lat, center.lon, lat, lon) <= radius_m)
        assert covered(ranges, encode(lat, lon)), (center, radius_m, lat, lon)
        # The corners of the point's cell: a corner belongs to the cell north-east of it,
        # which may touch the circle at that corner only, the hardest case for a covering.
        box = cell_box(encode(lat, lon, precision))
        for corner_lat in (box.south, box.north):
            for corner_lon in (box.west, box.east):
                if haversine_coords_m(center.lat, center.lon, corner_lat, corner_lon) <= radius_m:
                    gh = encode(corner_lat, corner_lon)
                    assert covered(ranges, gh), (center, radius_m, corner_lat, corner_lon)


@settings(max_examples=60, deadline=None)
@given(
    center_lat=any_lat,
    center_lon=any_lon,
    radius_m=st.floats(min_value=0.0, max_value=MAX_RADIUS_M),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    fraction=fractions,
)
@example(center_lat=89.999, center_lon=0.0, radius_m=2_000, bearing=3.0, fraction=1.0)
@example(center_lat=-90.0, center_lon=0.0, radius_m=100_000, bearing=1.0, fraction=0.5)
@example(center_lat=0.0, center_lon=179.9999, radius_m=1_000, bearing=1.5, fraction=1.0)
@example(center_lat=45.0, center_lon=-180.0, radius_m=50_000, bearing=4.7, fraction=0.9)
def test_no_point_is_lost_anywhere_on_earth(
    center_lat: float, center_lon: float, radius_m: float, bearing: float, fraction: float
) -> None:
    # France never needs this, but a bad request near a pole or the antimeridian must
    # neither crash nor lose places.
    center = GeoPoint(lat=center_lat, lon=center_lon)
    ranges = plan_radius_query(center, radius_m)
    assert ranges
    lat, lon = destination(center, bearing, radius_m * fraction)
    assume(haversine_coords_m(center.lat, center.lon, lat, lon) <= radius_m)
    assert covered(ranges, encode(lat, lon))


def test_points_on_cell_corners_are_covered() -> None:
    # A place exactly on a cell edge belongs to one cell; the circle may only touch the other.
    for precision in (4, 5, 6, 7):
        box = cell_box(encode(PARIS.lat, PARIS.lon, precision))
        for lat in (box.south, box.north):
            for lon in (box.west, box.east):
                corner = GeoPoint(lat=lat, lon=lon)
                for radius_m in (100, 1_000, 5_000, 30_000, 80_000):
                    center_lat, center_lon = destination(corner, 2.0, radius_m)
                    center = GeoPoint(lat=center_lat, lon=center_lon)
                    distance = haversine_m(center, corner)
                    ranges = plan_radius_query(center, distance)
                    assert covered(ranges, encode(lat, lon)), (precision, lat, lon, radius_m)
