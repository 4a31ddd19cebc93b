"""Geohash arithmetic, and the covering of a search circle by key ranges of search cells.

Search cells (search_cells.py) are keyed by the geohash of precision 6 of their places
(``u09tvw#00``) and indexed by their 3-character parent (``u09``, about 156 km x 156 km):
a geohash cell of any precision from 3 to 6 is then one key range of that index, and so is a
run of cells that follow each other in key order. Geohash strings sort like the numbers they
encode (the base32 alphabet is in ASCII order), so "consecutive in key order" is "consecutive
integers".

``plan_radius_query`` covers a circle with the cells of one precision that touch it, merges
runs into ranges, and bridges small gaps between runs: a Query costs about as much CPU (request
signing, HTTP, parsing) as decoding ~1,500 records, so reading a few empty or unneeded cells
to save a Query is worth it. The precision grows with the radius: fine cells keep the records
read close to the places truly within the circle, coarse cells keep the number of queries low.
This module is pure (no AWS calls).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import NamedTuple

from chalicelib.domain.places.models import GeoPoint
from chalicelib.domain.search.geo import (
    EARTH_RADIUS_M,
    BoundingBox,
    distance_to_box_m,
    haversine_coords_m,
)

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_BASE32_VALUE = {char: value for value, char in enumerate(BASE32)}

GH_PRECISION = 9
"""Precision of the stored ``gh``; every stored value has exactly this many characters."""

CELL_PRECISION = 6
"""Precision of a search cell (~1.2 km x 0.6 km in mainland France): the finest a plan goes."""

PARENT_PRECISION = 3
"""Precision of the hash key of the search cells' index (``g3``)."""

MAX_RADIUS_M = 100_000.0
"""Largest radius planned; beyond it a coarse covering would read a whole region."""

MAX_CELLS = 4096
"""Cap on the cells of a covering. Around France a covering has at most ~1,500 cells; only near
a pole, where geohash cells become slivers, is the cap reached, and the covering then stays at
the coarser precision it had (more items read, but no runaway planning)."""

TARGET_RANGES = 16
"""Number of Queries below which gaps between runs are no longer bridged beyond
``GAP_CELLS`` (see ``_bridge_small_gaps``): 16 Queries are two rounds of 8 parallel workers."""

MAX_BRIDGED_AREA_RATIO = 1.3
"""Bridging gaps down to ``TARGET_RANGES`` never makes the covered area exceed this multiple of
the circle's area (gaps of at most ``GAP_CELLS`` are bridged whatever the area)."""

GAP_CELLS = 32
"""Gaps of at most this many cells of precision 6 are always bridged. Measured here: a Query
costs ~1.2 ms of CPU whatever it returns, a dense cell (Paris) holds ~16 records and reading
one costs ~10 µs: a gap of 32 cells costs about a fourth of a Query when full, nothing when
empty. In Paris this takes a 1 km search from 6 Queries to 2 and a 5 km one from 16 to 3 or
4. Larger gaps were measured too (bench/search_cpu.py): 128 saves a Query now and then for
the same CPU, but reads up to 16 times a small circle's area."""

COARSE_GAP_CELLS = 4
"""Gaps bridged in plans of precision 5 (10 to 30 km), in their own cells: 4 cells of
precision 5 are 128 of precision 6 (none at precision 4, whose cells are ~500 km²).
Measured at 30 km in Paris: 13 Queries instead of 18 for the same items read (the gaps lie
along the circle, mostly empty of records)."""

# A cell whose nearest point is this close beyond the radius is kept anyway: floating-point
# rounding in the distance computations must never turn into a missing place.
_TOLERANCE_M = 0.01


class CellRange(NamedTuple):
    """One Query: ``g3 = hash_value AND`` a cell between ``low`` and ``high`` (geohashes of
    ``GH_PRECISION`` characters, so a range of cells of any precision has exact bounds)."""

    hash_value: str
    low: str
    high: str


def encode(lat: float, lon: float, precision: int = GH_PRECISION) -> str:
    """Geohash of a point.

    Cells are half-open, [south, north) x [west, east), except that latitude 90 goes to the
    topmost row (it would belong to no row otherwise); longitude 180 is -180, the same
    meridian. The cell is exact even for coordinates that rounding would push across an
    edge, so a point always lies in the box of its own cell.
    """
    if not -90.0 <= lat <= 90.0 or not math.isfinite(lon):
        raise ValueError(f"not a valid point: ({lat}, {lon})")
    if not -180.0 <= lon < 180.0:
        lon = (lon + 180.0) % 360.0 - 180.0
    lat_bits, lon_bits = _bits(precision)
    lat_index = _grid_index(lat, -90.0, 180.0, lat_bits)
    lon_index = _grid_index(lon, -180.0, 360.0, lon_bits)
    return _code_of(lat_index, lon_index, precision)


def _grid_index(value: float, start: float, span: float, bits: int) -> int:
    """Index of the half-open interval of ``2**bits`` equal ones over [start, start + span)
    that holds ``value`` (the last one for the end of the span)."""
    count = 1 << bits
    step = span / count  # a power of two: the edges below are exact floats
    index = min(max(int((value - start) / step), 0), count - 1)
    # The division can round across an edge; the edges themselves are exact, so compare.
    if index > 0 and value < start + index * step:
        index -= 1
    elif index < count - 1 and value >= start + (index + 1) * step:
        index += 1
    return index


def cell_box(code: str) -> BoundingBox:
    """The box of a geohash cell, in degrees (exact binary fractions)."""
    lat_index, lon_index = _indexes_of(code)
    lat_bits, lon_bits = _bits(len(code))
    lat_step = 180.0 / (1 << lat_bits)
    lon_step = 360.0 / (1 << lon_bits)
    return BoundingBox(
        south=-90.0 + lat_index * lat_step,
        west=-180.0 + lon_index * lon_step,
        north=-90.0 + (lat_index + 1) * lat_step,
        east=-180.0 + (lon_index + 1) * lon_step,
    )


def cell_area_m2(code: str) -> float:
    """Area of a geohash cell on the sphere, in square metres."""
    south, west, north, east = cell_box(code)
    return (
        EARTH_RADIUS_M**2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def circle_area_m2(radius_m: float) -> float:
    """Area of a spherical cap of this radius (measured along the surface)."""
    return 2 * math.pi * EARTH_RADIUS_M**2 * (1 - math.cos(radius_m / EARTH_RADIUS_M))


def planning_precision(radius_m: float) -> int:
    """Cell precision used for a radius: search cells (6) up to 10 km, coarser beyond.

    Chosen so a covering has a few hundred to ~1,500 cells: the cell is small against the
    circle (few records read outside it) while runs of cells stay long (few queries).
    """
    # Cell sizes (north-south x east-west) between Paris and Lozère.
    if radius_m <= 10_000:
        return CELL_PRECISION  # ~610 m x 800-870 m
    if radius_m <= 30_000:
        return 5  # ~4.9 km x 3.2-3.5 km
    return 4  # ~19.5 km x 26-28 km


_Node = tuple[str, int, int, float, float | None]
"""(code, latitude index, longitude index, nearest distance, farthest or None if unknown)"""


class CellBounds(NamedTuple):
    """How far from the centre the points of a covering cell can be (metres, safe bounds)."""

    nearest_m: float
    farthest_m: float


def covering_cells(center: GeoPoint, radius_m: float, precision: int) -> list[str]:
    """Sorted geohash cells that touch the circle, at ``precision`` (or coarser near a pole)."""
    return list(covering(center, radius_m, precision))


def covering(center: GeoPoint, radius_m: float, precision: int) -> dict[str, CellBounds]:
    """The geohash cells that touch the circle, at ``precision`` (or coarser near a pole), in
    code order, with bounds of the distance from the centre to their points.

    Refines level by level from the 32 one-character cells, keeping only the cells whose
    nearest point lies within the radius: a cell that misses the circle has no child that
    touches it, so the work is proportional to the size of the answer. This also handles the
    antimeridian and the poles without special cases. Levels up to 3 are always computed, so
    the result is never coarser than ``gh3``; past that, a level of more than ``MAX_CELLS``
    cells is not used.

    A cell wholly within the circle has ``farthest_m <= radius_m``: search counts its places
    without measuring them one by one.
    """
    level: list[_Node] = [("", 0, 0, 0.0, None)]
    reach = radius_m + _TOLERANCE_M
    for current in range(1, precision + 1):
        odd = (current - 1) & 1  # position of the character added at this level
        lat_shift, lon_shift = (3, 2) if odd else (2, 3)
        lat_bits, lon_bits = _bits(current)
        lat_step = 180.0 / (1 << lat_bits)
        lon_step = 360.0 / (1 << lon_bits)
        refined: list[_Node] = []
        for code, parent_lat, parent_lon, parent_nearest, parent_farthest in level:
            for value, char in enumerate(BASE32):
                lat_part, lon_part = _SPLIT[odd][value]
                lat_index = (parent_lat << lat_shift) | lat_part
                lon_index = (parent_lon << lon_shift) | lon_part
                south = -90.0 + lat_index * lat_step
                west = -180.0 + lon_index * lon_step
                box = BoundingBox(south, west, south + lat_step, west + lon_step)
                if parent_farthest is not None and parent_farthest <= radius_m:
                    # Every child of a cell within the circle is within it; only its own
                    # nearest distance is worth knowing (search looks for its page in the
                    # nearest cells first), and only at the last level.
                    nearest = parent_nearest
                    if current == precision:
                        nearest = distance_to_box_m(center.lat, center.lon, box) - _TOLERANCE_M
                    refined.append(
                        (code + char, lat_index, lon_index, max(0.0, nearest), parent_farthest)
                    )
                    continue
                nearest = distance_to_box_m(center.lat, center.lon, box)
                if nearest > reach:
                    continue
                farthest = _farthest(center, box, radius_m)
                refined.append(
                    (code + char, lat_index, lon_index, max(0.0, nearest - _TOLERANCE_M), farthest)
                )
            if current > PARENT_PRECISION and len(refined) > MAX_CELLS:
                return _bounds(level)
        level = refined
    return _bounds(level)


def _bounds(level: list[_Node]) -> dict[str, CellBounds]:
    return {
        code: CellBounds(nearest, math.inf if farthest is None else farthest)
        for code, _, _, nearest, farthest in sorted(level)
    }


def _farthest(center: GeoPoint, box: BoundingBox, radius_m: float) -> float | None:
    """The farthest distance from the centre to a point of the box when the box lies within
    the radius, else None (the box crosses the circle, or we cannot tell).

    Along a parallel the distance grows with the longitude difference, along a meridian it
    has a single minimum: on the box's edges it is largest at a corner, and a box that does
    not hold the centre's antipode has no farther point inside. Near a pole or for wide boxes
    this reasoning is not relied on.
    """
    if box.north > 85.0 or box.south < -85.0 or box.east - box.west > 90.0:
        return None
    farthest = 0.0
    for lat in (box.south, box.north):
        for lon in (box.west, box.east):
            corner = haversine_coords_m(center.lat, center.lon, lat, lon) + _TOLERANCE_M
            if corner > radius_m:
                return None
            farthest = max(farthest, corner)
    return farthest


class RadiusPlan(NamedTuple):
    """The Queries of a radius search and the covering they read (``precision`` long codes:
    a stored cell whose prefix is not among them lies wholly outside the circle)."""

    ranges: list[CellRange]
    cells: dict[str, CellBounds]
    precision: int


def plan_radius_query(center: GeoPoint, radius_m: float) -> list[CellRange]:
    """The Queries whose union holds every cell that may hold a place within ``radius_m`` of
    ``center`` (``plan_radius_search``'s ranges)."""
    return plan_radius_search(center, radius_m).ranges


def plan_radius_search(center: GeoPoint, radius_m: float) -> RadiusPlan:
    """The Queries whose union holds every cell that may hold a place within ``radius_m`` of
    ``center``, and the covering cells with their distance bounds.

    May also read places outside the circle (cells are boxes, gaps are bridged), never misses
    one inside. Ranges are sorted by (hash value, low) and do not overlap.
    """
    if math.isnan(radius_m) or not 0 <= radius_m <= MAX_RADIUS_M:
        raise ValueError(f"radius must be between 0 and {MAX_RADIUS_M:.0f} m")
    precision = planning_precision(radius_m)
    bounds = covering(center, radius_m, precision)
    cells = list(bounds)
    actual_precision = len(cells[0])

    by_parent: dict[str, list[str]] = defaultdict(list)
    for code in cells:
        by_parent[code[:PARENT_PRECISION]].append(code)
    if actual_precision < precision:
        # Capped near a pole: cells are slivers, the area read is no guide, and no place is
        # there; one range per hash key keeps the Query count at its floor.
        runs = {
            parent: [(_value_of(codes[0]), _value_of(codes[-1]))]
            for parent, codes in by_parent.items()
        }
    else:
        gap = {CELL_PRECISION: GAP_CELLS, 5: COARSE_GAP_CELLS}.get(actual_precision, 0)
        runs = {parent: _runs(codes, gap) for parent, codes in by_parent.items()}
        # Cells of one parent differ in area by < 3 %: the first cell of a run stands for all.
        covered_m2 = sum(
            (last - first + 1) * cell_area_m2(_code_of_value(first, actual_precision))
            for parent_runs in runs.values()
            for first, last in parent_runs
        )
        _bridge_small_gaps(runs, actual_precision, covered_m2, circle_area_m2(radius_m))

    padding = GH_PRECISION - actual_precision
    ranges = [
        CellRange(
            hash_value=parent,
            # Padding with the smallest and largest base32 digits gives exact, inclusive
            # bounds for geohashes of any length up to GH_PRECISION.
            low=_code_of_value(first, actual_precision) + BASE32[0] * padding,
            high=_code_of_value(last, actual_precision) + BASE32[-1] * padding,
        )
        for parent in sorted(runs)
        for first, last in runs[parent]
    ]
    return RadiusPlan(ranges, bounds, actual_precision)


def _bridge_small_gaps(
    runs: dict[str, list[tuple[int, int]]],
    precision: int,
    covered_m2: float,
    circle_m2: float,
) -> None:
    """Merge runs of the same parent across their smallest gaps, in place.

    A Query costs a round trip and at least half a read unit even when it returns nothing,
    about what reading one or two more places costs; so while there are more than
    ``TARGET_RANGES`` ranges, the smallest gaps are bridged (their cells read for nothing)
    as long as the covered area stays under ``MAX_BRIDGED_AREA_RATIO`` times the circle.
    """
    total = sum(len(parent_runs) for parent_runs in runs.values())
    gaps: list[tuple[int, str, int]] = []  # (cells in the gap, parent, end of the run before)
    for parent, parent_runs in runs.items():
        for before, after in itertools.pairwise(parent_runs):
            gaps.append((after[0] - before[1] - 1, parent, before[1]))
    gaps.sort()
    bridged: dict[str, set[int]] = defaultdict(set)
    for size, parent, end in gaps:
        if total <= TARGET_RANGES:
            break
        # Cells of one parent differ in area by < 3 %; the first gap cell stands for all.
        extra_m2 = size * cell_area_m2(_code_of_value(end + 1, precision))
        if covered_m2 + extra_m2 > MAX_BRIDGED_AREA_RATIO * circle_m2:
            break  # gaps are sorted by size: every later one is at least as large
        covered_m2 += extra_m2
        total -= 1
        bridged[parent].add(end)
    for parent, ends in bridged.items():
        merged: list[tuple[int, int]] = []
        for first, last in runs[parent]:
            if merged and merged[-1][1] in ends:
                merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        runs[parent] = merged


def range_cells(cell_range: CellRange, precision: int | None = None) -> list[str]:
    """The cells a range reads, at ``precision`` or else at the coarsest precision that
    describes the range exactly (tests and benchmarks use it to measure a plan)."""
    low, high = cell_range.low, cell_range.high
    zeros = len(low) - len(low.rstrip(BASE32[0]))
    tops = len(high) - len(high.rstrip(BASE32[-1]))
    coarsest = max(len(cell_range.hash_value), GH_PRECISION - min(zeros, tops))
    if precision is None:
        precision = coarsest
    elif precision < coarsest:
        raise ValueError(f"this range is not made of whole cells of precision {precision}")
    first = _value_of(low[:precision])
    last = _value_of(high[:precision])
    return [_code_of_value(value, precision) for value in range(first, last + 1)]


def _runs(sorted_codes: list[str], gap: int = 0) -> list[tuple[int, int]]:
    """Runs of codes separated by at most ``gap`` missing codes, as (first, last) values."""
    values = [_value_of(code) for code in sorted_codes]
    runs: list[tuple[int, int]] = []
    first = previous = values[0]
    for value in values[1:]:
        if value - previous - 1 > gap:
            runs.append((first, previous))
            first = value
        previous = value
    runs.append((first, previous))
    return runs


def _bits(precision: int) -> tuple[int, int]:
    """(latitude bits, longitude bits) of a precision; bits alternate starting with longitude."""
    total = 5 * precision
    return total // 2, total - total // 2


def _value_of(code: str) -> int:
    value = 0
    for char in code:
        value = (value << 5) | _BASE32_VALUE[char]
    return value


def _code_of_value(value: int, precision: int) -> str:
    chars = []
    for _ in range(precision):
        chars.append(BASE32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _split_char(value: int, longitude_first: bool) -> tuple[int, int]:
    """(latitude part, longitude part) of a character's 5 bits."""
    bits = [(value >> shift) & 1 for shift in (4, 3, 2, 1, 0)]
    first = bits[0] << 2 | bits[2] << 1 | bits[4]
    second = bits[1] << 1 | bits[3]
    return (second, first) if longitude_first else (first, second)


# Bits alternate longitude/latitude from the first bit; a character at an even position starts
# on a longitude bit (3 longitude bits, 2 latitude bits), one at an odd position the reverse.
_SPLIT = (
    [_split_char(value, longitude_first=True) for value in range(32)],
    [_split_char(value, longitude_first=False) for value in range(32)],
)


def _indexes_of(code: str) -> tuple[int, int]:
    """(latitude index, longitude index) of a cell among the cells of its precision."""
    lat_index = lon_index = 0
    for position, char in enumerate(code):
        odd = position & 1
        lat_part, lon_part = _SPLIT[odd][_BASE32_VALUE[char]]
        lat_index = (lat_index << (3 if odd else 2)) | lat_part
        lon_index = (lon_index << (2 if odd else 3)) | lon_part
    return lat_index, lon_index


def _code_of(lat_index: int, lon_index: int, precision: int) -> str:
    lat_bits, lon_bits = _bits(precision)
    total = 5 * precision
    value = 0
    lat_left, lon_left = lat_bits, lon_bits
    for bit in range(total):
        if bit % 2 == 0:
            lon_left -= 1
            value = (value << 1) | ((lon_index >> lon_left) & 1)
        else:
            lat_left -= 1
            value = (value << 1) | ((lat_index >> lat_left) & 1)
    return _code_of_value(value, precision)
