"""Wifi coverage on an H3 grid, a greedy planner for new points, and complaint/CCTV blind spots.

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

from .geo import haversine_m


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


def city_grid(shapes: dict, facts: pd.DataFrame, res: int = 10, pop_grid: pd.DataFrame | None = None) -> Grid:
    """Every cell of the city, its district, area and residents."""
    cells, kec = [], []
    seen = set()
    for name in sorted(shapes):
        for c in h3i.h3shape_to_cells(h3.geo_to_h3shape(shapes[name].__geo_interface__), res):
            if c not in seen:
                seen.add(c)
                cells.append(c)
                kec.append(name)
    cells = np.array(cells, dtype=np.uint64)
    kec = np.array(kec, dtype=object)
    centres = np.array([h3i.cell_to_latlng(int(c)) for c in cells]) if len(cells) else np.empty((0, 2))
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
    for i, (la, lo, r) in enumerate(zip(np.asarray(lat, float), np.asarray(lon, float), np.asarray(radius_m, float))):
        if not (np.isfinite(la) and np.isfinite(lo)):
            continue
        own = h3i.latlng_to_cell(la, lo, grid.res)
        disk = [idx[c] for c in h3i.grid_disk(own, int(math.ceil(r / spacing)) + 1) if c in idx]
        if not disk:
            continue
        disk = np.array(disk)
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


def by_kecamatan(grid: Grid, covered: np.ndarray, points: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per district: % of area and of residents covered, points per 10k, users per point; worst first."""
    df = pd.DataFrame({"kecamatan": grid.kecamatan, "area": grid.area_m2, "pop": grid.population,
                       "cov_area": grid.area_m2 * covered, "cov_pop": grid.population * covered})
    g = df.groupby("kecamatan").sum()
    active = points[points.status == "active"]
    n_points = active.groupby("kecamatan").size().reindex(g.index).fillna(0)
    out = pd.DataFrame({
        "kecamatan": g.index,
        "population": g["pop"].round().astype(int).to_numpy(),
        "area_covered_pct": (100 * g.cov_area / g.area).to_numpy(),
        "residents_covered_pct": (100 * g.cov_pop / g["pop"].where(g["pop"] > 0)).to_numpy(),
        "points": n_points.astype(int).to_numpy(),
        "points_per_10k": (1e4 * n_points / g["pop"].where(g["pop"] > 0)).to_numpy(),
    })
    if users is not None and len(users):
        per = users.merge(active[["ap_id", "kecamatan"]], on="ap_id").groupby("kecamatan").users.sum()
        out["users_per_point"] = (per.reindex(out.kecamatan).to_numpy() / out.points.replace(0, np.nan).to_numpy())
    out = out.sort_values(["residents_covered_pct", "area_covered_pct"]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def totals(grid: Grid, covered: np.ndarray) -> dict:
    return {"area_covered_pct": 100 * float(grid.area_m2[covered].sum() / grid.area_m2.sum()) if len(grid.cells) else 0.0,
            "residents_covered_pct": 100 * float(grid.population[covered].sum() / grid.population.sum())
            if grid.population.sum() else 0.0,
            "residents_covered": float(grid.population[covered].sum())}


def greedy(cand_idx: np.ndarray, cell_idx: np.ndarray, weights: np.ndarray, covered: np.ndarray, n: int,
           n_candidates: int) -> tuple[list[int], list[float]]:
    """Greedy maximum coverage: n candidates, each adding the most not-yet-covered weight.

    Within (1 - 1/e) of the optimum (Nemhauser, Wolsey and Fisher 1978).
    """
    covered = covered.copy()
    chosen, gains = [], []
    for _ in range(n):
        w = np.where(covered, 0.0, weights)
        gain = np.bincount(cand_idx, weights=w[cell_idx], minlength=n_candidates)
        if chosen:
            gain[chosen] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        gains.append(float(gain[best]))
        covered[cell_idx[cand_idx == best]] = True
    return chosen, gains


def plan(grid: Grid, covered: np.ndarray, n: int, radius_m: float, candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where N new points cover the most residents not yet covered: name, lat, lon, new residents."""
    if candidates is None or not len(candidates):
        # Cell centres one resolution coarser: candidate sites about every 200 m across the city.
        parents = np.unique([h3i.cell_to_parent(int(c), grid.res - 1) for c in grid.cells[~covered]])
        centres = np.array([h3i.cell_to_latlng(int(c)) for c in parents]) if len(parents) else np.empty((0, 2))
        candidates = pd.DataFrame({"name": [format(int(c), "x") for c in parents],
                                   "lat": centres[:, 0] if len(parents) else [], "lon": centres[:, 1] if len(parents) else []})
    cand_idx, cell_idx = cover_pairs(grid, candidates.lat, candidates.lon, np.full(len(candidates), radius_m))
    chosen, gains = greedy(cand_idx, cell_idx, grid.population, covered, n, len(candidates))
    out = candidates.iloc[chosen][["name", "lat", "lon"]].reset_index(drop=True)
    kec = pd.Series(grid.kecamatan[[cell_idx[cand_idx == c][0] for c in chosen]] if chosen else [], dtype=object)
    out["kecamatan"] = kec.to_numpy()
    out["new_residents_covered"] = np.round(gains).astype(int)
    out.insert(0, "order", range(1, len(out) + 1))
    return out


def bandwidth_per_user(points: pd.DataFrame, users: pd.DataFrame, peak_share: float, upgrade_to: int = 300) -> pd.DataFrame:
    """Mbps per user at the peak hour per site, and the 100 -> 300 upgrade order (worst first).

    Peak users = last month's users / 30 days x peak_share (the share of a day's users online in
    the busiest hour).
    """
    last = users[users.month == users.month.max()][["ap_id", "users"]] if len(users) else users
    df = points[points.status == "active"].merge(last, on="ap_id", how="left").fillna({"users": 0})
    df["peak_users"] = df.users / 30.0 * peak_share
    df["mbps_per_user"] = df.bandwidth_mbps / df.peak_users.where(df.peak_users > 0)
    df["after_upgrade"] = np.where(df.bandwidth_mbps < upgrade_to, upgrade_to / df.peak_users.where(df.peak_users > 0),
                                   df.mbps_per_user)
    todo = df[df.bandwidth_mbps < upgrade_to].sort_values("mbps_per_user", na_position="last")
    todo = todo[["ap_id", "site_name", "site_type", "kecamatan", "bandwidth_mbps", "users", "peak_users",
                 "mbps_per_user", "after_upgrade"]].reset_index(drop=True)
    todo.insert(0, "priority", range(1, len(todo) + 1))
    return todo


def blind_spots(cells: pd.DataFrame, cams: pd.DataFrame, wifi: pd.DataFrame, res: int, top: int = 20) -> pd.DataFrame:
    """Cells with many complaints and no camera view: suggested camera sites.

    `cells` has hex (H3 id as text) and complaints; cameras and wifi cover a cell when it holds
    one or its centre lies within their radius.
    """
    if cells.empty:
        return cells.assign(lat=[], lon=[], cctv_covered=[], wifi_covered=[])
    ids = np.array([int(h, 16) for h in cells.hex], dtype=np.uint64)
    centres = np.array([h3i.cell_to_latlng(int(c)) for c in ids])
    grid = Grid(res, ids, centres[:, 0], centres[:, 1], np.array([""] * len(ids), dtype=object),
                np.ones(len(ids)), cells.complaints.to_numpy(float))
    cam = covered_mask(grid, cams.lat, cams.lon, cams.view_radius_m)
    wf = covered_mask(grid, wifi.lat, wifi.lon, wifi.coverage_radius_m)
    out = cells.assign(lat=centres[:, 0], lon=centres[:, 1], cctv_covered=cam, wifi_covered=wf)
    return out[~out.cctv_covered].sort_values("complaints", ascending=False).head(top).reset_index(drop=True)
