"""Coverage model, planner and blind spots against hand computations and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from h3.api import basic_int as h3i

from ccdash.analysis import coverage as cv
from ccdash.analysis import planner
from ccdash.analysis.geometry import haversine_m

CENTRE = (-6.917, 107.62)


def square(lat, lon, half_deg):
    return shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)


@pytest.fixture(scope="module")
def two_districts():
    """Two adjacent squares of about 1.1 x 1.1 km with 1,000 and 3,000 residents."""
    shapes = {
        "West": square(CENTRE[0], CENTRE[1] - 0.005, 0.005),
        "East": square(CENTRE[0], CENTRE[1] + 0.005, 0.005),
    }
    facts = pd.DataFrame({"kecamatan": ["West", "East"], "population": [1000, 3000]})
    return cv.city_grid(shapes, facts, res=10), shapes


def test_grid_spreads_residents_evenly(two_districts):
    g, shapes = two_districts
    for name, people in (("West", 1000), ("East", 3000)):
        sel = g.kecamatan == name
        assert g.population[sel].sum() == pytest.approx(people)
        assert np.allclose(g.population[sel], people / sel.sum())
        # Every cell centre lies in its district.
        assert shapely.contains_xy(shapes[name], g.lon[sel], g.lat[sel]).all()


def test_a_point_covers_its_cell_and_the_centres_within_its_radius(two_districts):
    g, _ = two_districts
    i = len(g.cells) // 3
    lat, lon = g.lat[i], g.lon[i]
    for radius in (10, 150, 400):
        got = cv.covered_mask(g, [lat], [lon], [radius])
        expected = haversine_m(lat, lon, g.lat, g.lon) <= radius  # brute force over all cells
        expected[i] = True
        assert (got == expected).all(), radius
    assert (
        cv.covered_mask(g, [lat], [lon], [10]).sum() == 1
    )  # a tiny radius still covers its own cell


def test_totals_and_district_table_by_hand(two_districts):
    g, _ = two_districts
    covered = g.kecamatan == "East"
    t = cv.totals(g, covered)
    assert t["residents_covered_pct"] == pytest.approx(75.0)
    points = pd.DataFrame(
        {
            "ap_id": ["a", "b", "c"],
            "kecamatan": ["East", "East", "West"],
            "status": ["active", "active", "inactive"],
        }
    )
    users = pd.DataFrame({"ap_id": ["a", "b"], "users": [100, 300]})
    table = cv.by_kecamatan(g, covered, points, users).set_index("kecamatan")
    assert table.loc["East", "residents_covered_pct"] == pytest.approx(100)
    assert table.loc["West", "residents_covered_pct"] == pytest.approx(0)
    assert table.loc["East", "points_per_10k"] == pytest.approx(2 * 1e4 / 3000)
    assert table.loc["West", "points"] == 0  # the inactive point does not count
    assert table.loc["East", "users_per_point"] == pytest.approx(200)
    assert list(table.index) == ["West", "East"]  # worst served first


def brute_force(sets: list[set], weights: np.ndarray, n: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(len(sets)), n):
        cells = set().union(*(sets[c] for c in combo))
        best = max(best, weights[list(cells)].sum() if cells else 0.0)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_greedy_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_cells, n_cand, n = 30, 10, 3
    weights = rng.integers(1, 20, n_cells).astype(float)
    sets = [
        set(rng.choice(n_cells, rng.integers(2, 8), replace=False).tolist()) for _ in range(n_cand)
    ]
    cand_idx = np.array([c for c, s in enumerate(sets) for _ in s])
    cell_idx = np.array([x for s in sets for x in sorted(s)])
    chosen, gains = planner.greedy(cand_idx, cell_idx, weights, np.zeros(n_cells, bool), n, n_cand)
    got = weights[list(set().union(*(sets[c] for c in chosen)))].sum()
    assert sum(gains) == pytest.approx(got)
    optimum = brute_force(sets, weights, n)
    assert got >= (1 - 1 / math.e) * optimum
    assert got <= optimum


def test_greedy_takes_the_obvious_optimum_and_skips_covered_cells():
    weights = np.array([10.0, 10.0, 1.0, 1.0, 5.0])
    sets = [{0, 1}, {0, 2}, {3, 4}, {4}]
    cand_idx = np.array([c for c, s in enumerate(sets) for _ in s])
    cell_idx = np.array([x for s in sets for x in sorted(s)])
    covered = np.array([False, False, False, False, True])  # cell 4 is covered already
    chosen, gains = planner.greedy(cand_idx, cell_idx, weights, covered, 3, len(sets))
    assert chosen == [0, 1, 2] and gains == [20.0, 1.0, 1.0]


def test_plan_covers_the_most_residents(two_districts):
    g, _ = two_districts
    covered = np.zeros(len(g.cells), bool)
    out = planner.plan(g, covered, 2, 150)
    assert len(out) == 2 and (out.kecamatan == "East").all()  # the denser district first
    # The reported gain is what the point really adds, recomputed independently.
    first = cv.covered_mask(g, out.lat[:1], out.lon[:1], [150])
    assert out.new_residents_covered[0] == round(g.population[first].sum())


def test_plan_from_a_candidates_file(two_districts):
    g, _ = two_districts
    cands = pd.DataFrame(
        {
            "name": ["Kantor Kelurahan A", "SD B"],
            "lat": [CENTRE[0], CENTRE[0]],
            "lon": [CENTRE[1] - 0.005, CENTRE[1] + 0.005],
        }
    )
    out = planner.plan(g, np.zeros(len(g.cells), bool), 1, 150, cands)
    assert out.name.tolist() == ["SD B"]


def test_plan_follows_the_district_filter(two_districts):
    g, _ = two_districts
    out = planner.plan(g, np.zeros(len(g.cells), bool), 5, 150, only=g.kecamatan == "West")
    assert len(out) == 5 and (out.kecamatan == "West").all()  # East is denser, but not selected
    idx = g.index_of()
    own = [idx[h3i.latlng_to_cell(a, b, g.res)] for a, b in zip(out.lat, out.lon)]
    assert (
        g.kecamatan[own] == "West"
    ).all()  # each site stands in West, not only its district label
    # Only West's residents count: the gains add up to West residents newly covered, recomputed.
    covered = cv.covered_mask(g, out.lat, out.lon, [150] * 5)
    assert out.new_residents_covered.sum() == pytest.approx(
        g.population[covered & (g.kecamatan == "West")].sum(), abs=len(out)
    )


def test_ties_are_broken_by_distance_so_picks_spread_out(two_districts):
    """Residents spread evenly: every interior candidate gains the same. Without the tie-break the picks
    are the first candidates in id order, side by side; with it, no two planned sites are closer than
    450 m (a candidate lattice of about 300 m, radius 100 m) while space remains."""
    g, _ = two_districts
    only = g.kecamatan == "East"
    existing = pd.DataFrame(
        {"lat": [CENTRE[0]], "lon": [CENTRE[1] + 0.005]}
    )  # a point in East's middle
    out = planner.plan(
        g,
        cv.covered_mask(g, existing.lat, existing.lon, [100]),
        4,
        100,
        only=only,
        existing=existing,
    )
    assert out.new_residents_covered.nunique() == 1  # a tie at every step
    pts = np.c_[out.lat, out.lon]
    d = haversine_m(pts[:, None, 0], pts[:, None, 1], pts[None, :, 0], pts[None, :, 1])
    assert d[np.triu_indices(len(pts), 1)].min() > 450
    assert haversine_m(pts[:, 0], pts[:, 1], existing.lat[0], existing.lon[0]).min() > 450


def test_the_equity_objective_lifts_the_worst_served_district_first(two_districts):
    g, _ = two_districts
    covered = cv.covered_mask(
        g, [CENTRE[0]], [CENTRE[1] - 0.005], [400]
    )  # West already half covered
    most = planner.plan(g, covered, 1, 150)
    fair = planner.plan(g, covered, 1, 150, objective="equity")
    assert most.kecamatan[0] == "East"  # denser

    def share(d, c):
        return g.population[c & (g.kecamatan == d)].sum() / g.population[g.kecamatan == d].sum()

    assert share("East", covered) < share("West", covered)
    assert fair.kecamatan[0] == "East"  # East is also the worse served here; now flip it:
    covered_east = cv.covered_mask(g, [CENTRE[0]], [CENTRE[1] + 0.005], [450])
    fair = planner.plan(g, covered_east, 2, 150, objective="equity")
    most = planner.plan(g, covered_east, 2, 150)
    assert share("West", covered_east) < share("East", covered_east)
    assert (fair.kecamatan == "West").all()
    assert min(
        share(d, cv.covered_mask(g, fair.lat, fair.lon, [150] * 2) | covered_east)
        for d in ("West", "East")
    ) >= min(
        share(d, cv.covered_mask(g, most.lat, most.lon, [150] * 2) | covered_east)
        for d in ("West", "East")
    )


def test_planned_sites_are_named_by_place_never_by_cell_id(two_districts):
    g, _ = two_districts
    places = pd.DataFrame(
        {
            "name": ["Taman Cempaka", "Masjid Raya"],
            "lat": [CENTRE[0], CENTRE[0] + 0.004],
            "lon": [CENTRE[1] + 0.004, CENTRE[1] - 0.004],
        }
    )
    out = planner.plan(g, np.zeros(len(g.cells), bool), 3, 150, places=places)
    assert list(out.columns) == [
        "order",
        "name",
        "kecamatan",
        "lat",
        "lon",
        "radius_m",
        "new_residents_covered",
    ]
    for name, k, la, lo in zip(out.name, out.kecamatan, out.lat, out.lon):
        near = haversine_m(la, lo, places.lat, places.lon)
        assert name == f"{k}, {near.min():,.0f} m from {places.name[int(np.argmin(near))]}"
        assert not any(format(h3i.latlng_to_cell(la, lo, r), "x") in name for r in range(7, 12))
    assert (out.lat.round(6) == out.lat).all()


def test_blind_spots_rank_uncovered_cells_by_complaints():
    cells_ll = [(CENTRE[0] + 0.01 * i, CENTRE[1]) for i in range(4)]
    hexes = [format(h3i.latlng_to_cell(a, b, 9), "x") for a, b in cells_ll]
    cells = pd.DataFrame(
        {"hex": hexes, "complaints": [50, 40, 30, 5], "kecamatan": ["A", "B", "C", "D"]}
    )
    # A camera on the busiest cell; the second busiest has none: it must top the list.
    cams = pd.DataFrame(
        {"lat": [cells_ll[0][0]], "lon": [cells_ll[0][1]], "view_radius_m": [100.0]}
    )
    wifi = pd.DataFrame(
        {"lat": [cells_ll[2][0]], "lon": [cells_ll[2][1]], "coverage_radius_m": [50.0]}
    )
    out = planner.blind_spots(cells, cams, wifi, 9, top=2)
    assert out.kecamatan.tolist() == ["B", "C"]
    assert out.wifi_covered.tolist() == [False, True]


def test_bandwidth_per_user_and_upgrade_order():
    points = pd.DataFrame(
        {
            "ap_id": ["a", "b", "c"],
            "site_name": ["A", "B", "C"],
            "site_type": ["park"] * 3,
            "kecamatan": ["K"] * 3,
            "bandwidth_mbps": [100, 100, 300],
            "status": ["active"] * 3,
        }
    )
    users = pd.DataFrame(
        {"ap_id": ["a", "b", "c"], "month": ["2026-11-01"] * 3, "users": [3000, 600, 3000]}
    )
    out = planner.bandwidth_per_user(points, users, peak_share=0.1)
    assert out.ap_id.tolist() == ["a", "b"]  # only 100 Mbps sites, most crowded first
    assert out.peak_users[0] == pytest.approx(3000 / 30 * 0.1)
    assert out.mbps_per_user[0] == pytest.approx(100 / 10) and out.after_upgrade[
        0
    ] == pytest.approx(300 / 10)
    # congested below the stated threshold: a has 10 Mbps per peak user, b 50
    assert planner.bandwidth_per_user(
        points, users, 0.1, congested_below=20
    ).congested.tolist() == [True, False]
    assert out.peak_users.dtype.kind == "i"  # whole people
