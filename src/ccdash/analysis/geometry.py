"""Distances on the ground."""

from __future__ import annotations

import numpy as np

from ..data.spatial import EARTH_RADIUS_M  # one radius for the SQL and numpy


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
