"""Coverage model, planner and blind spots against hand computations and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from h3.api import basic_int as h3i

from ccdash.analysis import coverage as cv, planner
from ccdash.analysis.geometry import haversine_m

CENTRE = (-6.917, 107.62)


def square(lat, lon, half_deg):
    return shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)


@pytest.fixture(scope="module")
def two_districts():
    """Two adjacent squares of about 1.1 x 1.1 km with 1,000 and 3,000 residents."""
    shapes = {"West": square(CENTRE[0], CENTRE[1] - 0.005, 0.005), "East": square(CENTRE[0], CENTRE[1] + 0.005, 0.005)}
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
    assert cv.covered_mask(g, [lat], [lon], [10]).sum() == 1  # a tiny radius still covers its own cell


def test_totals_and_district_table_by_hand(two_districts):
    g, _ = two_districts
    covered = g.kecamatan == "East"
    t = cv.totals(g, covered)
    assert t["residents_covered_pct"] == pytest.approx(75.0)
    points = pd.DataFrame({"ap_id": ["a", "b", "c"], "kecamatan": ["East", "East", "West"],
                           "status": ["active", "active", "inactive"]})
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
    sets = [set(rng.choice(n_cells, rng.integers(2, 8), replace=False).tolist()) for _ in range(n_cand)]
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
    cands = pd.DataFrame({"name": ["Kantor Kelurahan A", "SD B"], "lat": [CENTRE[0], CENTRE[0]],
                          "lon": [CENTRE[1] - 0.005, CENTRE[1] + 0.005]})
    out = planner.plan(g, np.zeros(len(g.cells), bool), 1, 150, cands)
    assert out.name.tolist() == ["SD B"]


def test_blind_spots_rank_uncovered_cells_by_complaints():
    cells_ll = [(CENTRE[0] + 0.01 * i, CENTRE[1]) for i in range(4)]
    hexes = [format(h3i.latlng_to_cell(a, b, 9), "x") for a, b in cells_ll]
    cells = pd.DataFrame({"hex": hexes, "complaints": [50, 40, 30, 5], "kecamatan": ["A", "B", "C", "D"]})
    # A camera on the busiest cell; the second busiest has none: it must top the list.
    cams = pd.DataFrame({"lat": [cells_ll[0][0]], "lon": [cells_ll[0][1]], "view_radius_m": [100.0]})
    wifi = pd.DataFrame({"lat": [cells_ll[2][0]], "lon": [cells_ll[2][1]], "coverage_radius_m": [50.0]})
    out = planner.blind_spots(cells, cams, wifi, 9, top=2)
    assert out.kecamatan.tolist() == ["B", "C"]
    assert out.wifi_covered.tolist() == [False, True]


def test_bandwidth_per_user_and_upgrade_order():
    points = pd.DataFrame({"ap_id": ["a", "b", "c"], "site_name": ["A", "B", "C"], "site_type": ["park"] * 3,
                           "kecamatan": ["K"] * 3, "bandwidth_mbps": [100, 100, 300], "status": ["active"] * 3})
    users = pd.DataFrame({"ap_id": ["a", "b", "c"], "month": ["2026-11-01"] * 3, "users": [3000, 600, 3000]})
    out = planner.bandwidth_per_user(points, users, peak_share=0.1)
    assert out.ap_id.tolist() == ["a", "b"]  # only 100 Mbps sites, most crowded first
    assert out.peak_users[0] == pytest.approx(3000 / 30 * 0.1)
    assert out.mbps_per_user[0] == pytest.approx(100 / 10) and out.after_upgrade[0] == pytest.approx(300 / 10)
