"""What ingest needs of geometry: the district containing a point, H3 cells, and demo district shapes.

shapely and h3 do the work; distances and coverage are in ccdash.analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from h3.api import basic_int as h3i
from shapely.geometry import MultiPoint, mapping


def voronoi_districts(facts: pd.DataFrame, margin_deg: float = 0.02) -> dict[str, shapely.Geometry]:
    """Approximate district shapes: Voronoi cells of the centroids clipped to a buffered hull."""
    pts = MultiPoint(list(zip(facts.centroid_lon, facts.centroid_lat)))
    outline = pts.convex_hull.buffer(margin_deg, quad_segs=8)
    cells = shapely.voronoi_polygons(pts, extend_to=outline.buffer(0.1))
    shapes = {}
    for cell in shapely.get_parts(cells):
        clipped = cell.intersection(outline)
        for name, lon, lat in zip(facts.kecamatan, facts.centroid_lon, facts.centroid_lat):
            if cell.contains(shapely.Point(lon, lat)):
                shapes[name] = shapely.set_precision(clipped, 1e-5)
                break
    return shapes


def districts_geojson(
    shapes: dict[str, shapely.Geometry], name_property: str = "kecamatan"
) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {name_property: name}, "geometry": mapping(geom)}
            for name, geom in sorted(shapes.items())
        ],
    }


def assign_kecamatan(
    lon: np.ndarray, lat: np.ndarray, shapes: dict[str, shapely.Geometry]
) -> np.ndarray:
    """The district containing each point, or None outside them all."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), None, dtype=object)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    for name, geom in shapes.items():
        shapely.prepare(geom)
        todo = ok & (out == None)  # noqa: E711 - elementwise test on an object array
        if not todo.any():
            break
        hit = np.zeros(len(lon), dtype=bool)
        hit[todo] = shapely.contains_xy(geom, lon[todo], lat[todo])
        out[hit] = name
    return out


def h3_cells(lat, lon, res: int) -> np.ndarray:
    """H3 cell ids (uint64) at resolution res; 0 where a coordinate is missing."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    out = np.zeros(len(lat), dtype=np.uint64)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    n = int(ok.sum())
    out[ok] = np.fromiter(
        map(h3i.latlng_to_cell, lat[ok].tolist(), lon[ok].tolist(), [res] * n),
        dtype=np.uint64,
        count=n,
    )
    return out


def h3_parent(cells: np.ndarray, res: int) -> np.ndarray:
    """Parents of H3 cells at a coarser resolution, by bit arithmetic on the ids (vectorised).

    An H3 index keeps its resolution in bits 52-55 and one 3-bit digit per resolution below;
    a parent has the coarser resolution and the digits past it set to 7 (unused).
    """
    cells = np.asarray(cells, dtype=np.uint64)
    out = (cells & ~np.uint64(0xF << 52)) | np.uint64(res << 52)
    unused = 0
    for d in range(res + 1, 16):
        unused |= 7 << ((15 - d) * 3)
    out |= np.uint64(unused)
    return np.where(cells == 0, np.uint64(0), out)


def h3_columns(lat, lon, resolutions) -> dict[int, np.ndarray]:
    """H3 cells at several resolutions: the finest from the coordinates, the rest as its parents."""
    finest = max(resolutions)
    base = h3_cells(lat, lon, finest)
    return {r: base if r == finest else h3_parent(base, r) for r in resolutions}


def h3_outlines(cells) -> list[list[list[float]]]:
    """Each H3 cell's outline as [lon, lat] pairs to 6 places (about 0.1 m), for a plain polygon layer: the
    browser then draws hexagons without loading h3-js (0.3 s of a page's first paint in chromium here)."""
    out = []
    for c in cells:
        ring = h3i.cell_to_boundary(int(c, 16) if isinstance(c, str) else int(c))
        out.append([[round(lon, 6), round(lat, 6)] for lat, lon in ring])
    return out


def h3_text(cells) -> list[str]:
    """H3 ids as deck.gl reads them: lower-case hex text (queries return the integers, which every engine has)."""
    return [format(int(c), "x") for c in cells]


METRES_PER_DEG_LAT = 111_320.0
EARTH_RADIUS_M = 6_371_008.8


def in_camera_view_sql(located: str, keep: tuple[str, ...]) -> str:
    """CTEs ending in `seen`: the `keep` columns (complaint_id among them) of each complaint of
    `located` (a CTE with lat and lon) within some camera's view radius, by great-circle distance.
    One definition for the CCTV page's rows and the summaries (data.summary).

    The pairs are found on a grid of cells twice the widest view: each camera is put in the cells its
    view's box touches (at most two a side), so complaint and camera meet by cell in a hash join, then
    by box and by distance. (A range join of every complaint with every camera's box took 14.6 s over
    90 days of the 100M benchmark city; this takes 3.1 s, with the same result.)"""
    c = located
    kept = ", ".join(f"{c}.{k}" for k in keep)
    return f"""
        cams AS (SELECT lat, lon, view_radius_m AS r,
                        view_radius_m / {METRES_PER_DEG_LAT} AS dlat,
                        view_radius_m / ({METRES_PER_DEG_LAT} * cos(radians(lat))) AS dlon
                 FROM cctv_sites WHERE lat IS NOT NULL AND lon IS NOT NULL),
        grid AS (SELECT greatest(2 * max(dlat), 2 * max(dlon), 1e-6) AS size FROM cams),
        cells AS (
          SELECT DISTINCT k.lat, k.lon, k.r, k.dlat, k.dlon,
                 floor((k.lat + ys.sy * k.dlat) / g.size) AS gy,
                 floor((k.lon + xs.sx * k.dlon) / g.size) AS gx
          FROM cams k CROSS JOIN grid g
          CROSS JOIN (VALUES (-1), (1)) AS ys(sy) CROSS JOIN (VALUES (-1), (1)) AS xs(sx)),
        seen AS (
          SELECT DISTINCT {kept} FROM {c} CROSS JOIN grid g
            JOIN cells k ON floor({c}.lat / g.size) = k.gy AND floor({c}.lon / g.size) = k.gx
          WHERE {c}.lat BETWEEN k.lat - k.dlat AND k.lat + k.dlat
            AND {c}.lon BETWEEN k.lon - k.dlon AND k.lon + k.dlon
            AND 2 * {EARTH_RADIUS_M} * asin(sqrt(power(sin(radians({c}.lat - k.lat) / 2), 2)
                + cos(radians({c}.lat)) * cos(radians(k.lat))
                  * power(sin(radians({c}.lon - k.lon) / 2), 2))) <= k.r)"""
