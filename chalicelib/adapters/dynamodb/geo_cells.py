"""Geohash keys of a place and the covering of a search circle by geohash key ranges.

The places table carries, for online places only, ``gh`` (geohash of the location, precision
9, about 4.8 m x 4.8 m), ``gh3`` and ``gh5`` (its 3- and 5-character prefixes). Two sparse GSIs
use them: ``geo_coarse`` (hash ``gh3``, range ``gh``) and ``geo_fine`` (hash ``gh5``, range
``gh``). A geohash cell of precision p >= 5 is then one key range of ``geo_fine``
(``gh5 = cell[:5] AND gh BETWEEN cell+"000.." AND cell+"zzz.."``), and a cell of precision
p >= 3 one key range of ``geo_coarse``.

``plan_radius_query`` covers a circle with the cells of one precision that touch it, then turns
runs of cells that follow each other in key order into a single ``BETWEEN``, so that one Query
reads a whole run. The precision grows with the radius: fine cells keep the items read close
to the places truly within the circle, coarse cells keep the number of queries low.

Geohash strings sort like the numbers they encode (the base32 alphabet is in ASCII order), so
"consecutive in key order" is "consecutive integers". This module is pure (no AWS calls).
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

COARSE_INDEX = "geo_coarse"
FINE_INDEX = "geo_fine"
COARSE_PARENT_PRECISION = 3  # gh3, hash key of geo_coarse
FINE_PARENT_PRECISION = 5  # gh5, hash key of geo_fine

MAX_RADIUS_M = 100_000.0
"""Largest radius planned; beyond it a coarse covering would read a whole region."""

MAX_CELLS = 4096
"""Cap on the cells of a covering. Around France a covering has at most ~1,500 cells; only near
a pole, where geohash cells become slivers, is the cap reached, and the covering then stays at
the coarser precision it had (more items read, but no runaway planning)."""

TARGET_RANGES = 16
"""Number of Queries below which gaps between runs are no longer bridged (see
``_bridge_small_gaps``): 16 Queries are two rounds of the candidate source's 8 workers."""

MAX_BRIDGED_AREA_RATIO = 1.3
"""Bridging gaps never makes the covered area exceed this multiple of the circle's area."""

# A cell whose nearest point is this close beyond the radius is kept anyway: floating-point
# rounding in the distance computations must never turn into a missing place.
_TOLERANCE_M = 0.01


class CellRange(NamedTuple):
    """One Query: ``<hash key of index_name> = hash_value AND gh BETWEEN low AND high``."""

    index_name: str
    hash_value: str
    low: str
    high: str


class GeoKeys(NamedTuple):
    """The geohash attributes stored on an online place."""

    gh: str
    gh3: str
    gh5: str


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


def geo_keys(point: GeoPoint) -> GeoKeys:
    gh = encode(point.lat, point.lon, GH_PRECISION)
    return GeoKeys(gh=gh, gh3=gh[:COARSE_PARENT_PRECISION], gh5=gh[:FINE_PARENT_PRECISION])


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


def planning_precision(radius_m: float) -> tuple[int, str]:
    """Cell precision and index used for a radius.

    Chosen so a covering has a few hundred to ~1,500 cells: the cell is small against the
    circle (few items read outside it) while runs of cells stay long (few queries).
    """
    # Cell sizes (north-south x east-west) between Paris and Lozère.
    if radius_m <= 2_000:
        return 7, FINE_INDEX  # ~153 m x 100-110 m
    if radius_m <= 10_000:
        return 6, FINE_INDEX  # ~610 m x 800-870 m
    if radius_m <= 30_000:
        return 5, COARSE_INDEX  # ~4.9 km x 3.2-3.5 km
    return 4, COARSE_INDEX  # ~19.5 km x 26-28 km


def covering_cells(center: GeoPoint, radius_m: float, precision: int) -> list[str]:
    """Sorted geohash cells that touch the circle, at ``precision`` (or coarser near a pole).

    Refines level by level from the 32 one-character cells, keeping only the cells whose
    nearest point lies within the radius: a cell that misses the circle has no child that
    touches it, so the work is proportional to the size of the answer. This also handles the
    antimeridian and the poles without special cases. Levels up to 3 are always computed, so
    the result is never coarser than ``gh3``; past that, a level of more than ``MAX_CELLS``
    cells is not used.
    """
    # (code, latitude index, longitude index, whole cell within the circle)
    level: list[tuple[str, int, int, bool]] = [("", 0, 0, False)]
    reach = radius_m + _TOLERANCE_M
    for current in range(1, precision + 1):
        odd = (current - 1) & 1  # position of the character added at this level
        lat_shift, lon_shift = (3, 2) if odd else (2, 3)
        lat_bits, lon_bits = _bits(current)
        lat_step = 180.0 / (1 << lat_bits)
        lon_step = 360.0 / (1 << lon_bits)
        last_level = current == precision
        refined: list[tuple[str, int, int, bool]] = []
        for code, parent_lat, parent_lon, parent_inside in level:
            for value, char in enumerate(BASE32):
                lat_part, lon_part = _SPLIT[odd][value]
                lat_index = (parent_lat << lat_shift) | lat_part
                lon_index = (parent_lon << lon_shift) | lon_part
                if parent_inside:
                    # Every child of a cell within the circle is within it: no test needed.
                    refined.append((code + char, lat_index, lon_index, True))
                    continue
                south = -90.0 + lat_index * lat_step
                west = -180.0 + lon_index * lon_step
                box = BoundingBox(south, west, south + lat_step, west + lon_step)
                if distance_to_box_m(center.lat, center.lon, box) > reach:
                    continue
                inside = not last_level and _within(center, radius_m, box)
                refined.append((code + char, lat_index, lon_index, inside))
            if current > COARSE_PARENT_PRECISION and len(refined) > MAX_CELLS:
                return sorted(code for code, _, _, _ in level)
        level = refined
    return sorted(code for code, _, _, _ in level)


def _within(center: GeoPoint, radius_m: float, box: BoundingBox) -> bool:
    """Whether a cell lies wholly within the circle (only ever used to skip tests).

    Away from the poles, a box no more than a few degrees wide is farthest from a point at
    one of its corners. A wrong "True" would only add cells, never lose a place.
    """
    if box.north > 85.0 or box.south < -85.0:
        return False  # near a pole a box may be farthest in the middle of an edge
    return all(
        haversine_coords_m(center.lat, center.lon, lat, lon) <= radius_m
        for lat in (box.south, box.north)
        for lon in (box.west, box.east)
    )


def plan_radius_query(
    center: GeoPoint, radius_m: float, *, max_precision: int = GH_PRECISION
) -> list[CellRange]:
    """The Queries whose union holds every online place within ``radius_m`` of ``center``.

    May also return places outside the circle (cells are boxes), never misses one inside.
    Ranges are sorted by (hash value, low) and do not overlap. ``max_precision`` caps the cell
    precision: an index whose items are cells of that precision cannot be read finer.
    """
    if math.isnan(radius_m) or not 0 <= radius_m <= MAX_RADIUS_M:
        raise ValueError(f"radius must be between 0 and {MAX_RADIUS_M:.0f} m")
    if max_precision < FINE_PARENT_PRECISION:
        raise ValueError(f"max_precision must be at least {FINE_PARENT_PRECISION}")
    precision, index_name = planning_precision(radius_m)
    precision = min(precision, max_precision)
    cells = covering_cells(center, radius_m, precision)
    actual_precision = len(cells[0])
    if actual_precision < FINE_PARENT_PRECISION:
        index_name = COARSE_INDEX  # capped near a pole: cells coarser than gh5
    parent_precision = (
        FINE_PARENT_PRECISION if index_name == FINE_INDEX else COARSE_PARENT_PRECISION
    )

    by_parent: dict[str, list[str]] = defaultdict(list)
    for code in cells:
        by_parent[code[:parent_precision]].append(code)
    if actual_precision < precision:
        # Capped near a pole: cells are slivers, the area read is no guide, and no place is
        # there; one range per hash key keeps the Query count at its floor.
        runs = {
            parent: [(_value_of(codes[0]), _value_of(codes[-1]))]
            for parent, codes in by_parent.items()
        }
    else:
        runs = {parent: _runs(codes) for parent, codes in by_parent.items()}
        covered_m2 = sum(cell_area_m2(code) for code in cells)
        _bridge_small_gaps(runs, actual_precision, covered_m2, circle_area_m2(radius_m))

    padding = GH_PRECISION - actual_precision
    return [
        CellRange(
            index_name=index_name,
            hash_value=parent,
            # Every stored gh has exactly GH_PRECISION characters, so padding with the
            # smallest and largest base32 digits gives exact, inclusive bounds.
            low=_code_of_value(first, actual_precision) + BASE32[0] * padding,
            high=_code_of_value(last, actual_precision) + BASE32[-1] * padding,
        )
        for parent in sorted(runs)
        for first, last in runs[parent]
    ]


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


def _runs(sorted_codes: list[str]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive codes, as (first value, last value)."""
    values = [_value_of(code) for code in sorted_codes]
    runs: list[tuple[int, int]] = []
    first = previous = values[0]
    for value in values[1:]:
        if value != previous + 1:
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
