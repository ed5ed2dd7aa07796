"""Reference data, loaded once: the districts' facts (population, area, centroid) and their shapes.

DuckDB (the store's `districts` view) and the geometry code both take them from here, so an edited
file reaches every figure at once. Every loader is keyed by the file's version.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape

FACT_COLUMNS = ["kecamatan", "centroid_lat", "centroid_lon", "population", "area_ha"]


def file_version(path: Path | str | None) -> tuple:
    """(path, size, mtime in ns) of a file, or (path, None) when it is missing: changes when it is edited."""
    if path is None:
        return (None,)
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return (str(p), None)
    return (str(p), st.st_size, st.st_mtime_ns)


def norm_district(name) -> str:
    """A district name for comparison: spaces collapsed, case folded ("Manhattan" is "MANHATTAN")."""
    return " ".join(str(name).split()).casefold()


def respelled(facts: pd.DataFrame, stored_names) -> pd.DataFrame:
    """The facts with each district named as the stored extracts spell it, where they spell it another
    way: a population file added after the data ("Manhattan" where complaints say "MANHATTAN") joins."""
    spelling: dict[str, str] = {}
    for name in stored_names:
        if isinstance(name, str) and name:
            spelling.setdefault(norm_district(name), name)
    if not spelling or facts.empty:
        return facts
    out = facts.copy()
    out["kecamatan"] = [spelling.get(norm_district(n), n) for n in out["kecamatan"]]
    return out


def load_facts(path: Path | str | None) -> pd.DataFrame:
    """The districts' facts (kecamatan, centroid_lat, centroid_lon, population, area_ha); empty without a file."""
    return _facts(*file_version(path)).copy()


@lru_cache(maxsize=8)
def _facts(path: str | None, *version) -> pd.DataFrame:
    if path is None or not version or version[0] is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c != "kecamatan" else "object") for c in FACT_COLUMNS}
        )
    df = pd.read_csv(path).rename(columns={"population_2022": "population"})
    for c in FACT_COLUMNS:
        if c not in df:
            df[c] = None
    df = df[FACT_COLUMNS]
    df["kecamatan"] = df["kecamatan"].astype(str)
    df["population"] = pd.to_numeric(df["population"], errors="coerce")
    for c in ("centroid_lat", "centroid_lon", "area_ha"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def load_shapes(path: Path | str | None, name_property: str) -> dict[str, shapely.Geometry]:
    """District polygons by name (shapely); empty when there is no file."""
    if path is None:
        return {}
    return dict(_shapes(name_property, *file_version(path)))


@lru_cache(maxsize=8)
def _shapes(name_property: str, path: str, *version) -> tuple:
    if not version or version[0] is None:
        return ()
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for feat in raw.get("features", []):
        name = (feat.get("properties") or {}).get(name_property)
        if name and feat.get("geometry"):
            out.append((str(name), shape(feat["geometry"])))
    return tuple(out)


def load_geojson(path: Path | str | None, name_property: str) -> dict:
    """The district shapes as a GeoJSON FeatureCollection for maps, each name under 'kecamatan', with
    its bounding box (GeoJSON's `bbox`: west, south, east, north) when it has a shape: every map
    fits its view to it, found once per file rather than on every run."""
    if path is None:
        return {"type": "FeatureCollection", "features": []}
    return _geojson(name_property, *file_version(path))


@lru_cache(maxsize=8)
def _geojson(name_property: str, path: str, *version) -> dict:
    if not version or version[0] is None:
        return {"type": "FeatureCollection", "features": []}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    feats = []
    for f in raw.get("features", []):
        name = (f.get("properties") or {}).get(name_property)
        if name and f.get("geometry"):
            feats.append(
                {
                    "type": "Feature",
                    "geometry": f["geometry"],
                    "properties": {"kecamatan": str(name)},
                }
            )
    if not feats:
        return {"type": "FeatureCollection", "features": feats}
    # The shapes load_shapes parses (and caches) for the same file and version.
    bounds = shapely.total_bounds([s for _, s in _shapes(name_property, path, *version)])
    return {"type": "FeatureCollection", "features": feats, "bbox": [float(b) for b in bounds]}


def facts_of(profile) -> pd.DataFrame:
    """The profile's district facts."""
    return load_facts(profile.facts_file)


def shapes_of(profile) -> dict[str, shapely.Geometry]:
    """The profile's district polygons by name."""
    return load_shapes(profile.districts_file, profile.districts_name_property)
