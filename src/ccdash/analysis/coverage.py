"""Wifi coverage on an H3 grid: which cells each point covers, and coverage per district and city-wide.

Model: the city is the H3 cells (resolution 10 by default, about 1.5 ha each) whose centres lie in
a district. A point covers the cell it stands in and every cell whose centre lies within its
radius. Residents are spread over a district's cells uniformly, or from a population grid file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd
from h3.api import basic_int as h3i

from ..data.spatial import h3_parent
from .geometry import haversine_m


@dataclass(frozen=True)
class Grid:
    res: int
    cells: np.ndarray  # uint64 H3 ids
    lat: np.ndarray
    lon: np.ndarray
    kecamatan: np.ndarray  # object
    area_m2: np.ndarray
    population: np.ndarray

    def index_of(self) -> dict[int, int]:
        return {int(c): i for i, c in enumerate(self.cells)}


def city_grid(
    shapes: dict, facts: pd.DataFrame, res: int = 10, pop_grid: pd.DataFrame | None = None
) -> Grid:
    """Every cell of the city, its district, area and residents."""
    cell_list: list[int] = []
    kec_list: list[str] = []
    seen = set()
    for name in sorted(shapes):
        for c in h3i.h3shape_to_cells(h3.geo_to_h3shape(shapes[name].__geo_interface__), res):
            if c not in seen:
                seen.add(c)
                cell_list.append(c)
                kec_list.append(name)
    cells = np.array(cell_list, dtype=np.uint64)
    kec = np.array(kec_list, dtype=object)
    centres = (
        np.array([h3i.cell_to_latlng(int(c)) for c in cells]) if len(cells) else np.empty((0, 2))
    )
    area = np.array([h3i.cell_area(int(c), "m^2") for c in cells])
    pop = np.zeros(len(cells))
    if pop_grid is not None and len(pop_grid):
        idx = {int(c): i for i, c in enumerate(cells)}
        for la, lo, p in zip(pop_grid.lat, pop_grid.lon, pop_grid.population):
            i = idx.get(h3i.latlng_to_cell(float(la), float(lo), res))
            if i is not None:
                pop[i] += float(p)
    else:
        people = dict(zip(facts.kecamatan, facts.population.astype(float)))
        counts = pd.Series(kec).value_counts()
        pop = np.array([people.get(k, 0.0) / counts[k] for k in kec])
    return Grid(res, cells, centres[:, 0], centres[:, 1], kec, area, pop)


def cover_pairs(grid: Grid, lat, lon, radius_m) -> tuple[np.ndarray, np.ndarray]:
    """(point index, grid index) for every cell each point covers."""
    idx = grid.index_of()
    spacing = math.sqrt(3) * h3i.average_hexagon_edge_length(grid.res, "m")
    pts, cells = [], []
    for i, (la, lo, r) in enumerate(
        zip(np.asarray(lat, float), np.asarray(lon, float), np.asarray(radius_m, float))
    ):
        if not (np.isfinite(la) and np.isfinite(lo)):
            continue
        own = h3i.latlng_to_cell(la, lo, grid.res)
        disk = np.array(
            [idx[c] for c in h3i.grid_disk(own, math.ceil(r / spacing) + 1) if c in idx]
        )
        if not len(disk):
            continue
        near = disk[haversine_m(la, lo, grid.lat[disk], grid.lon[disk]) <= r]
        hit = set(near.tolist())
        if own in idx:
            hit.add(idx[own])
        pts += [i] * len(hit)
        cells += sorted(hit)
    return np.array(pts, dtype=np.int64), np.array(cells, dtype=np.int64)


def covered_mask(grid: Grid, lat, lon, radius_m) -> np.ndarray:
    mask = np.zeros(len(grid.cells), dtype=bool)
    _, cells = cover_pairs(grid, lat, lon, radius_m)
    mask[cells] = True
    return mask


def by_kecamatan(
    grid: Grid, covered: np.ndarray, points: pd.DataFrame, users: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per district: % of area and of residents covered, points per 10k, users per point; worst first."""
    df = pd.DataFrame(
        {
            "kecamatan": grid.kecamatan,
            "area": grid.area_m2,
            "pop": grid.population,
            "cov_area": grid.area_m2 * covered,
            "cov_pop": grid.population * covered,
        }
    )
    g = df.groupby("kecamatan").sum()
    active = points[points.status == "active"]
    n_points = active.groupby("kecamatan").size().reindex(g.index).fillna(0)
    out = pd.DataFrame(
        {
            "kecamatan": g.index,
            "population": g["pop"].round().astype(int).to_numpy(),
            "area_covered_pct": (100 * g.cov_area / g.area).to_numpy(),
            "residents_covered_pct": (100 * g.cov_pop / g["pop"].where(g["pop"] > 0)).to_numpy(),
            "points": n_points.astype(int).to_numpy(),
            "points_per_10k": (1e4 * n_points / g["pop"].where(g["pop"] > 0)).to_numpy(),
        }
    )
    if users is not None and len(users):
        per = (
            users.merge(active[["ap_id", "kecamatan"]], on="ap_id").groupby("kecamatan").users.sum()
        )
        out["users_per_point"] = (
            per.reindex(out.kecamatan).to_numpy() / out.points.replace(0, np.nan).to_numpy()
        )
    out = out.sort_values(["residents_covered_pct", "area_covered_pct"]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def change_by_kecamatan(grid: Grid, before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    """Per district a plan reaches: residents covered before and after (% of its residents), the
    change in percentage points (the coverage table's unit) and the residents newly covered; the
    worst served before first."""
    df = pd.DataFrame(
        {
            "kecamatan": grid.kecamatan,
            "pop": grid.population,
            "b": grid.population * before,
            "a": grid.population * after,
        }
    )
    g = df.groupby("kecamatan").sum()
    g = g[(g.a > g.b) & (g["pop"] > 0)]
    b, a = 100 * g.b / g["pop"], 100 * g.a / g["pop"]
    out = pd.DataFrame(
        {
            "kecamatan": g.index,
            "residents_before_pct": b.to_numpy(),
            "residents_after_pct": a.to_numpy(),
            "change_pp": (a - b).to_numpy(),
            "new_residents_covered": (g.a - g.b).round().astype(int).to_numpy(),
        }
    )
    return out.sort_values(["residents_before_pct", "kecamatan"], kind="stable", ignore_index=True)


def totals(grid: Grid, covered: np.ndarray, only: np.ndarray | None = None) -> dict:
    """Area and residents covered, over the whole city or over the cells of `only` (selected districts)."""
    if only is not None:
        grid = Grid(
            grid.res,
            grid.cells[only],
            grid.lat[only],
            grid.lon[only],
            grid.kecamatan[only],
            grid.area_m2[only],
            grid.population[only],
        )
        covered = covered[only]
    return {
        "area_covered_pct": 100 * float(grid.area_m2[covered].sum() / grid.area_m2.sum())
        if len(grid.cells)
        else 0.0,
        "residents_covered_pct": 100 * float(grid.population[covered].sum() / grid.population.sum())
        if grid.population.sum()
        else 0.0,
        "residents_covered": float(grid.population[covered].sum()),
    }


def coarse_cells(grid: Grid, covered: np.ndarray) -> pd.DataFrame:
    """The grid one resolution coarser (a seventh as many hexagons, for a light city-wide map): each parent's
    share covered (by area), residents, residents per hectare and district."""
    parents = h3_parent(grid.cells, grid.res - 1)
    df = pd.DataFrame(
        {
            "p": parents,
            "cov": covered.astype(float) * grid.area_m2,
            "area": grid.area_m2,
            "pop": grid.population,
            "kec": grid.kecamatan,
        }
    )
    agg = df.groupby("p").agg(
        cov=("cov", "sum"), area=("area", "sum"), pop=("pop", "sum"), kec=("kec", "first")
    )
    return pd.DataFrame(
        {
            "cell": agg.index.to_numpy(np.uint64),
            "share": (agg["cov"] / agg["area"]).to_numpy(),
            "population": agg["pop"].to_numpy(),
            "density": (agg["pop"] / (agg["area"] / 1e4)).to_numpy(),
            "kecamatan": agg["kec"].to_numpy(),
        }
    )


def fine_cells(grid: Grid, covered: np.ndarray, only: np.ndarray) -> pd.DataFrame:
    """The grid's own cells under a mask, in the same shape as coarse_cells."""
    return pd.DataFrame(
        {
            "cell": grid.cells[only],
            "share": covered[only].astype(float),
            "population": grid.population[only],
            "density": grid.population[only] / np.maximum(grid.area_m2[only] / 1e4, 1e-9),
            "kecamatan": grid.kecamatan[only],
        }
    )


def density_scale(grid: Grid) -> float:
    """Residents per hectare at the 95th percentile: where the map's shading saturates."""
    dens = grid.population / np.maximum(grid.area_m2 / 1e4, 1e-9)
    return float(np.nanpercentile(dens, 95)) if len(dens) else 1.0
