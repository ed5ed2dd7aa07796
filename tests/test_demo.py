"""The demo generator: deterministic for a seed, and shaped like a real city's complaints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ccdash.data import demo
from ccdash.data.demo.world import CENTRE
from ccdash.data.schema import TABLES
from tests.paths import wall_times


def _read(d, table):
    return wall_times(pd.read_parquet(d / f"{table}.parquet"))


def test_same_seed_same_data_other_seed_other_data(city_dir, tmp_path):
    demo.generate(tmp_path / "a", seed=7, complaints=4000, end="2026-11-20", days=120)
    demo.generate(tmp_path / "b", seed=8, complaints=4000, end="2026-11-20", days=120)
    for table in TABLES:
        assert (city_dir / f"{table}.parquet").read_bytes() == (
            tmp_path / "a" / f"{table}.parquet"
        ).read_bytes(), table
    assert (city_dir / "complaints.csv.gz").read_bytes() == (
        tmp_path / "a" / "complaints.csv.gz"
    ).read_bytes()
    assert not _read(city_dir, "complaints").equals(_read(tmp_path / "b", "complaints"))


def test_csv_and_parquet_hold_the_same_rows(city_dir):
    pq = _read(city_dir, "complaints")
    csv = pd.read_csv(city_dir / "complaints.csv.gz", dtype={"complaint_id": str})
    assert len(csv) == len(pq)
    assert csv.complaint_id.tolist() == pq.complaint_id.tolist()
    assert np.allclose(csv.lat, pq.lat)


def test_columns_are_the_canonical_ones(city_dir):
    for table, t in TABLES.items():
        assert list(_read(city_dir, table).columns) == t.stored_names()


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """Two years at a modest scale: enough for proportions."""
    out = tmp_path_factory.mktemp("full")
    demo.generate(out, seed=42, complaints=30000, formats=("parquet",))
    return {t: _read(out, t) for t in TABLES}


def test_lifecycle_is_consistent(full):
    c = full["complaints"]
    assert c.complaint_id.is_unique
    closed = c.closed_at.notna()
    assert set(c.status[closed]) <= {"resolved", "rejected"}
    assert set(c.status[~closed]) <= {"new", "verified", "dispatched", "in_progress"}
    assert (c.closed_at[closed] >= c.created_at[closed]).all()
    assert (c.due_at > c.created_at).all()


def test_on_time_rate_is_near_seventy_percent(full):
    c = full["complaints"]
    now = c.created_at.max()
    closed = c.closed_at.notna() & (c.closed_at <= now)
    on_time = closed & (c.closed_at <= c.due_at)
    overdue = ~closed & (c.due_at < now)
    rate = on_time.sum() / (closed.sum() + overdue.sum())
    assert 0.65 <= rate <= 0.76, rate
    assert overdue.sum() > 0.01 * len(c)  # a realistic overdue backlog exists


def test_volume_follows_population(full, profile):
    c = full["complaints"]
    facts = pd.read_csv(profile.facts_file).set_index("kecamatan")
    counts = c[~c.category.isin(["flooding", "drainage"])].kecamatan.value_counts()
    assert set(counts.index) == set(facts.index)
    r = np.corrcoef(counts.reindex(facts.index), facts.population_2022)[0, 1]
    assert r > 0.9, r


def test_weekday_office_hours_and_rainy_season(full):
    c = full["complaints"]
    per_day = c.groupby(c.created_at.dt.date).size()
    dow = pd.to_datetime(pd.Series(per_day.index)).dt.day_of_week.to_numpy()
    assert per_day.to_numpy()[dow < 5].mean() > 1.5 * per_day.to_numpy()[dow >= 5].mean()
    hours = c.created_at.dt.hour
    assert ((hours >= 8) & (hours < 17)).mean() > 0.5
    wet = c.category.isin(["flooding", "drainage", "road_damage"])
    rainy = c.created_at.dt.month.isin([11, 12, 1, 2, 3, 4])
    assert wet[rainy].mean() > 1.4 * wet[~rainy].mean()


def test_planted_events_stand_out(full):
    c = full["complaints"]
    end = c.created_at.max().normalize()
    flood = c[(c.category == "flooding") & (c.kecamatan == "Gedebage")]
    last2 = flood[flood.created_at >= end - pd.Timedelta(days=1)]
    before = flood[
        (flood.created_at < end - pd.Timedelta(days=1))
        & (flood.created_at >= end - pd.Timedelta(days=29))
    ]
    assert len(last2) / 2 > 5 * max(len(before) / 28, 0.5)
    lights = c[
        (c.category == "street_light")
        & (c.kecamatan == "Lengkong")
        & (c.created_at >= end - pd.Timedelta(days=2))
    ]
    assert len(lights) >= 30


def test_cctv_and_wifi_shape(full):
    cams, wifi, usage = full["cctv_sites"], full["wifi_points"], full["wifi_usage"]
    assert 400 <= len(cams) <= 560
    assert 0.05 <= (cams.status == "offline").mean() <= 0.10
    centre = cams.kecamatan.isin(CENTRE).mean()
    assert centre > 4 / 30 * 1.5  # the centre is densest
    # Several cameras share one intersection (one per approach).
    assert cams.groupby(["lat", "lon"]).size().max() >= 3
    assert set(wifi.bandwidth_mbps) == {100, 300}
    assert 500 <= len(wifi) <= 1500
    assert wifi.kecamatan.nunique() == 30
    assert usage.users.gt(0).all() and usage.ap_id.isin(wifi.ap_id).all()
