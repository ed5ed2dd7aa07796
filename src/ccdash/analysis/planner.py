"""Where the next points go: a greedy maximum-coverage planner, the bandwidth upgrade order, and
complaint hot spots no camera sees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from h3.api import basic_int as h3i

from .coverage import Grid, cover_pairs, covered_mask
from .geometry import haversine_m

# The first is the page's default: worst served first, which agrees with the coverage table's
# ranking (most residents first put every point in one dense district outside the worst served).
OBJECTIVES = ("equity", "residents")


def greedy(
    cand_idx: np.ndarray,
    cell_idx: np.ndarray,
    weights: np.ndarray,
    covered: np.ndarray,
    n: int,
    n_candidates: int,
    spread: Callable[[list[int]], np.ndarray] | None = None,
    districts: np.ndarray | None = None,
    objective: str = "residents",
) -> tuple[list[int], list[float]]:
    """Greedy maximum coverage: n candidates, each adding the most not-yet-covered weight.

    Within (1 - 1/e) of the optimum for "residents" (Nemhauser, Wolsey and Fisher 1978). Ties (residents
    spread evenly over a district give every candidate there the same gain) go to the candidate farthest
    from existing and already planned points: `spread(chosen)` gives each candidate's distance to the
    nearest of them. "equity" takes, at each step, the district with the smallest share of its residents
    covered that a candidate can still improve, and covers the most residents there.
    """
    covered = covered.copy()
    chosen: list[int] = []
    gains: list[float] = []
    for _ in range(n):
        w = np.where(covered, 0.0, weights)
        if objective == "equity" and districts is not None:
            w = _worst_served(w, weights, covered, districts, cand_idx, cell_idx)
        gain = np.bincount(cand_idx, weights=w[cell_idx], minlength=n_candidates)
        if chosen:
            gain[chosen] = -1.0
        top = gain.max() if len(gain) else 0.0
        if top <= 0:
            break
        tied = np.flatnonzero(gain >= top * (1 - 1e-9))
        best = (
            int(tied[np.argmax(spread(chosen)[tied])])
            if spread is not None and len(tied) > 1
            else int(tied[0])
        )
        chosen.append(best)
        gains.append(
            float(
                np.bincount(
                    cand_idx,
                    weights=np.where(covered, 0.0, weights)[cell_idx],
                    minlength=n_candidates,
                )[best]
            )
        )
        covered[cell_idx[cand_idx == best]] = True
    return chosen, gains


def _worst_served(
    w: np.ndarray,
    weights: np.ndarray,
    covered: np.ndarray,
    districts: np.ndarray,
    cand_idx: np.ndarray,
    cell_idx: np.ndarray,
) -> np.ndarray:
    """The uncovered weights of the worst-served district that a candidate can reach (others zeroed)."""
    reachable = np.zeros(len(w), dtype=bool)
    reachable[cell_idx] = True
    df = pd.DataFrame(
        {"d": districts, "pop": weights, "cov": weights * covered, "open": w * reachable}
    )
    per = df.groupby("d").sum()
    per = per[per.open > 0]
    if per.empty:
        return w
    share = per["cov"] / per["pop"].where(per["pop"] > 0)
    worst = share.fillna(0).sort_values(kind="stable").index[0]
    return np.where(districts == worst, w, 0.0)


def plan(
    grid: Grid,
    covered: np.ndarray,
    n: int,
    radius_m: float,
    candidates: pd.DataFrame | None = None,
    only: np.ndarray | None = None,
    existing: pd.DataFrame | None = None,
    objective: str = "residents",
    places: pd.DataFrame | None = None,
    near_text=None,
) -> pd.DataFrame:
    """Where N new points cover the most residents not yet covered (or lift the worst-served districts
    first): order, name, district, lat, lon, radius, newly covered residents.

    `only` limits the plan to some cells (the district filter): only residents there count and candidates
    stand there. `existing` points (lat, lon) and those already planned push ties apart. A site without a
    name of its own is named by its district and the nearest of `places` (name, lat, lon), worded by
    `near_text(district, metres, place)` (English by default)."""
    weights = grid.population if only is None else np.where(only, grid.population, 0.0)
    if candidates is None or not len(candidates):
        # Cell centres one resolution coarser: candidate sites about every 200 m across the city.
        open_cells = ~covered if only is None else (~covered & only)
        parents = np.unique(
            [h3i.cell_to_parent(int(c), grid.res - 1) for c in grid.cells[open_cells]]
        )
        centres = (
            np.array([h3i.cell_to_latlng(int(c)) for c in parents])
            if len(parents)
            else np.empty((0, 2))
        )
        candidates = pd.DataFrame(
            {
                "name": [None] * len(parents),
                "lat": centres[:, 0] if len(parents) else [],
                "lon": centres[:, 1] if len(parents) else [],
            }
        )
    candidates = candidates.reset_index(drop=True)
    cand_idx, cell_idx = cover_pairs(
        grid, candidates.lat, candidates.lon, np.full(len(candidates), radius_m)
    )
    lat, lon = candidates.lat.to_numpy(float), candidates.lon.to_numpy(float)
    if only is not None:  # a candidate stands in the selected districts
        idx = grid.index_of()
        own = [
            idx.get(h3i.latlng_to_cell(a, b, grid.res))
            if np.isfinite(a) and np.isfinite(b)
            else None
            for a, b in zip(lat, lon)
        ]
        inside = np.array([o is not None and bool(only[o]) for o in own], dtype=bool)
        keep = inside[cand_idx]
        cand_idx, cell_idx = cand_idx[keep], cell_idx[keep]
    base = (
        existing[["lat", "lon"]].dropna().to_numpy(float)
        if existing is not None and len(existing)
        else np.empty((0, 2))
    )
    nearest_existing = (
        haversine_m(lat[:, None], lon[:, None], base[None, :, 0], base[None, :, 1]).min(axis=1)
        if len(base)
        else np.full(len(lat), np.inf)
    )

    def spread(chosen: list[int]) -> np.ndarray:
        if not chosen:
            return nearest_existing
        d = haversine_m(lat[:, None], lon[:, None], lat[chosen][None, :], lon[chosen][None, :]).min(
            axis=1
        )
        return np.minimum(nearest_existing, d)

    chosen, gains = greedy(
        cand_idx, cell_idx, weights, covered, n, len(candidates), spread, grid.kecamatan, objective
    )
    out = candidates.iloc[chosen][["name", "lat", "lon"]].reset_index(drop=True)
    kec = [grid.kecamatan[cell_idx[cand_idx == c][0]] for c in chosen]
    out.insert(1, "kecamatan", pd.Series(kec, dtype=object))
    out["name"] = [
        nm if isinstance(nm, str) and nm.strip() else _near(k, la, lo, places, near_text or NEAR)
        for nm, k, la, lo in zip(out.name, kec, out.lat, out.lon)
    ]
    out["lat"], out["lon"] = out.lat.round(6), out.lon.round(6)
    out["radius_m"] = float(radius_m)
    out["new_residents_covered"] = np.round(gains).astype(int)
    out.insert(0, "order", range(1, len(out) + 1))
    return out


def NEAR(district: str, metres: float, place: str) -> str:
    return f"{district}, {metres:,.0f} m from {place}"


def _near(district: str, lat: float, lon: float, places: pd.DataFrame | None, text) -> str:
    """The district and the nearest named place, or the district and coordinates."""
    if places is not None and len(places):
        d = haversine_m(lat, lon, places.lat.to_numpy(float), places.lon.to_numpy(float))
        i = int(np.nanargmin(d))
        return text(district, float(d[i]), str(places.name.iloc[i]))
    return f"{district}, {lat:.5f}, {lon:.5f}"


def bandwidth_per_user(
    points: pd.DataFrame,
    users: pd.DataFrame,
    peak_share: float,
    upgrade_to: int = 300,
    congested_below: float = 1.0,
) -> pd.DataFrame:
    """Mbps per user at the peak hour per site, and the order in which to upgrade the sites below
    `upgrade_to` Mbps (worst first; sites of unknown bandwidth are left out).

    Peak users = last month's users / 30 days x peak_share (the share of a day's users online in
    the busiest hour).
    """
    last = users[users.month == users.month.max()][["ap_id", "users"]] if len(users) else users
    df = points[points.status == "active"].merge(last, on="ap_id", how="left").fillna({"users": 0})
    df["bandwidth_mbps"] = df.bandwidth_mbps.astype(
        float
    )  # NaN where unknown: below nothing, above nothing
    df["peak_users"] = df.users / 30.0 * peak_share
    df["mbps_per_user"] = df.bandwidth_mbps / df.peak_users.where(df.peak_users > 0)
    df["after_upgrade"] = np.where(
        df.bandwidth_mbps < upgrade_to,
        upgrade_to / df.peak_users.where(df.peak_users > 0),
        df.mbps_per_user,
    )
    todo = df[df.bandwidth_mbps < upgrade_to].sort_values("mbps_per_user", na_position="last")
    todo = todo.assign(
        peak_users=todo.peak_users.round().astype(int),  # people, counted whole
        congested=todo.mbps_per_user < congested_below,
    )
    todo = todo[
        [
            "ap_id",
            "site_name",
            "site_type",
            "kecamatan",
            "bandwidth_mbps",
            "users",
            "peak_users",
            "mbps_per_user",
            "congested",
            "after_upgrade",
        ]
    ].reset_index(drop=True)
    todo.insert(0, "priority", range(1, len(todo) + 1))
    return todo


def blind_spots(
    cells: pd.DataFrame, cams: pd.DataFrame, wifi: pd.DataFrame, res: int, top: int = 20
) -> pd.DataFrame:
    """Cells with many complaints and no camera view: suggested camera sites.

    `cells` has hex (H3 id as text) and complaints; cameras and wifi cover a cell when it holds
    one or its centre lies within their radius.
    """
    if cells.empty:
        return cells.assign(lat=[], lon=[], cctv_covered=[], wifi_covered=[])
    ids = np.array([int(h, 16) for h in cells.hex], dtype=np.uint64)
    centres = np.array([h3i.cell_to_latlng(int(c)) for c in ids])
    grid = Grid(
        res,
        ids,
        centres[:, 0],
        centres[:, 1],
        np.array([""] * len(ids), dtype=object),
        np.ones(len(ids)),
        cells.complaints.to_numpy(float),
    )
    cam = covered_mask(grid, cams.lat, cams.lon, cams.view_radius_m)
    wf = covered_mask(grid, wifi.lat, wifi.lon, wifi.coverage_radius_m)
    out = cells.assign(lat=centres[:, 0], lon=centres[:, 1], cctv_covered=cam, wifi_covered=wf)
    return (
        out[~out.cctv_covered]
        .sort_values("complaints", ascending=False)
        .head(top)
        .reset_index(drop=True)
    )
