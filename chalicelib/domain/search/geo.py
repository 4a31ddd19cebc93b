"""Spherical geometry for search: great-circle distances and latitude/longitude boxes.

Pure functions on a spherical Earth. Distances are what a person reads on the result list
("à 850 m"), so the mean radius is precise enough (the ellipsoid differs by < 0.5 %); what
matters more is that every part of search (index covering, filtering, sorting) uses these same
functions, so a place at exactly the radius is either in everywhere or out everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from chalicelib.domain.places.models import GeoPoint

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), in metres."""

_TWO_RADII = 2 * EARTH_RADIUS_M


def haversine_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points, in metres."""
    return haversine_coords_m(a.lat, a.lon, b.lat, b.lon)


def haversine_coords_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two (lat, lon) pairs in degrees, in metres.

    The haversine form stays accurate for the short distances search is about (metres),
    where the spherical law of cosines loses most of its digits.
    """
    phi1 = math.radians(lat1)
    return _haversine(phi1, math.cos(phi1), lon1, lat2, lon2)


def distance_from(lat1: float, lon1: float) -> Callable[[float, float], float]:
    """``haversine_coords_m`` from one point, with what depends on it alone computed once:
    search measures thousands of places from the same centre. The same function, so every
    distance is the same float, bit for bit."""
    phi1 = math.radians(lat1)
    return partial(_haversine, phi1, math.cos(phi1), lon1)


def _haversine(phi1: float, cos_phi1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + cos_phi1 * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # Rounding can push h a hair outside [0, 1] for antipodal or identical points.
    return _TWO_RADII * math.asin(math.sqrt(min(1.0, max(0.0, h))))


class BoundingBox(NamedTuple):
    """A latitude/longitude box, edges included.

    ``west > east`` means the box crosses the antimeridian (it spans ``west``→180 and
    -180→``east``); ``west == -180`` and ``east == 180`` means every longitude.
    """

    south: float
    west: float
    north: float
    east: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def contains(self, point: GeoPoint) -> bool:
        if not self.south <= point.lat <= self.north:
            return False
        if self.crosses_antimeridian:
            return point.lon >= self.west or point.lon <= self.east
        return self.west <= point.lon <= self.east


def bounding_box(center: GeoPoint, radius_m: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within ``radius_m``.

    When the circle holds a pole the box spans every longitude up to that pole.
    """
    if radius_m < 0 or math.isnan(radius_m):
        raise ValueError("radius must be a non-negative number of metres")
    delta = radius_m / EARTH_RADIUS_M  # angular radius
    if delta >= math.pi:
        return BoundingBox(-90.0, -180.0, 90.0, 180.0)
    phi = math.radians(center.lat)
    south = math.degrees(phi - delta)
    north = math.degrees(phi + delta)
    if north >= 90.0 or south <= -90.0:
        return BoundingBox(max(south, -90.0), -180.0, min(north, 90.0), 180.0)
    # The circle's extreme longitudes are reached at the points where a meridian is tangent
    # to it, hence asin(sin δ / cos φ) and not simply δ / cos φ.
    dlambda = math.degrees(math.asin(min(1.0, math.sin(delta) / math.cos(phi))))
    if dlambda >= 180.0:
        return BoundingBox(south, -180.0, north, 180.0)
    west = _wrap_lon(center.lon - dlambda)
    east = _wrap_lon(center.lon + dlambda)
    if west == -180.0 and east == 180.0:
        return BoundingBox(south, -180.0, north, 180.0)
    return BoundingBox(south, west, north, east)


def distance_to_box_m(lat: float, lon: float, box: BoundingBox) -> float:
    """Distance in metres from a point to the nearest point of a box (0 inside it).

    The box must not cross the antimeridian (``west <= east``); the point's longitude may be
    anything, 180 and -180 being the same meridian.
    """
    south, west, north, east = box
    if (lon - west) % 360.0 <= east - west:
        # Same longitude band: the nearest point is on the point's own meridian.
        nearest_lat = min(max(lat, south), north)
        return EARTH_RADIUS_M * math.radians(abs(lat - nearest_lat))
    # Outside the band: at any latitude, the box's nearest point is on the meridian edge with
    # the smaller longitude difference (distance grows with it), so only that edge matters.
    # Within 90° of longitude, along the meridian from pole to pole the distance to the
    # point falls to a single minimum (the foot of the perpendicular great circle) and then
    # grows: on the edge segment the minimum is at the foot if the segment holds it, else at
    # the end nearer to the foot (one distance to compute; boxes near the point, which is
    # what search asks about, are all in this case). Farther away the meridian's half holds
    # the maximum instead, and the minimum is at one of the ends.
    to_west = abs((lon - west + 180.0) % 360.0 - 180.0)
    to_east = abs((lon - east + 180.0) % 360.0 - 180.0)
    edge_lon = west if to_west <= to_east else east
    phi = math.radians(lat)
    cos_dlambda = math.cos(math.radians(lon - edge_lon))
    if cos_dlambda <= 0.0:
        return min(
            haversine_coords_m(lat, lon, south, edge_lon),
            haversine_coords_m(lat, lon, north, edge_lon),
        )
    foot = math.degrees(math.atan2(math.sin(phi), math.cos(phi) * cos_dlambda))
    edge_lat = south if foot <= south else north if foot >= north else foot
    return haversine_coords_m(lat, lon, edge_lat, edge_lon)


def _wrap_lon(lon: float) -> float:
    """A longitude brought back into [-180, 180]."""
    if -180.0 <= lon <= 180.0:
        return lon
    return (lon + 180.0) % 360.0 - 180.0
