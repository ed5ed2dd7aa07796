"""Where the next points go: a greedy maximum-coverage planner, the bandwidth upgrade order, and
complaint hot spots no camera sees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from h3.api import basic_int as h3i

from .coverage import Grid, cover_pairs, covered_mask


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
    """Mbps per user at the peak hour per site, and the order in which to upgrade the sites below
    `upgrade_to` Mbps (worst first; sites of unknown bandwidth are left out).

    Peak users = last month's users / 30 days x peak_share (the share of a day's users online in
    the busiest hour).
    """
    last = users[users.month == users.month.max()][["ap_id", "users"]] if len(users) else users
    df = points[points.status == "active"].merge(last, on="ap_id", how="left").fillna({"users": 0})
    df["bandwidth_mbps"] = df.bandwidth_mbps.astype(float)  # NaN where unknown: below nothing, above nothing
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
