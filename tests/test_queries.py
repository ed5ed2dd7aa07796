"""Every named query against an independent pandas computation on the fixture city."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from ccdash.analysis.geometry import haversine_m
from ccdash.data.clock import reference_now
from ccdash.data.reference import facts_of
from ccdash.metrics import cctv, complaints as q, wifi
from ccdash.metrics.filters import Filters


@pytest.fixture(scope="module")
def frames(city_dir):
    return {t: pd.read_parquet(city_dir / f"{t}.parquet") for t in ("complaints", "cctv_sites", "wifi_points", "wifi_usage")}


@pytest.fixture(scope="module")
def at(store, profile):
    return reference_now(profile, q.latest_complaint(store))


def _select(c, f: Filters):
    m = pd.Series(True, index=c.index)
    if f.start:
        m &= c.created_at >= pd.Timestamp(f.start)
    if f.end:
        m &= c.created_at < pd.Timestamp(f.end + timedelta(days=1))
    for dim in ("kecamatan", "category", "agency", "channel", "status"):
        if getattr(f, dim):
            m &= c[dim].isin(getattr(f, dim))
    return c[m]


FILTER_CASES = [
    Filters(),
    Filters(kecamatan=("Coblong", "Gedebage"), category=("flooding", "road_damage", "waste")),
    Filters(start=date(2026, 10, 1), end=date(2026, 11, 15), agency=("DSDABM",)),
    Filters(channel=("lapor", "whatsapp"), status=("resolved",)),
]


def test_now_is_the_newest_complaint_for_the_demo_clock(frames, at):
    assert at == frames["complaints"].created_at.max()


@pytest.mark.parametrize("f", FILTER_CASES)
def test_kpis(store, frames, at, f):
    c = _select(frames["complaints"], f)
    now = pd.Timestamp(at)
    day0 = now.normalize()
    closed = c.closed_at.notna() & (c.closed_at <= now)
    overdue = ~closed & (c.due_at < now)
    k = q.kpis(store, f, at)
    assert k["total"] == len(c)
    assert k["new_today"] == (c.created_at >= day0).sum()
    assert k["last_7d"] == (c.created_at >= day0 - pd.Timedelta(days=6)).sum()
    assert k["prev_7d"] == ((c.created_at >= day0 - pd.Timedelta(days=13)) & (c.created_at < day0 - pd.Timedelta(days=6))).sum()
    assert k["open_backlog"] == (~closed).sum()
    assert k["overdue_now"] == overdue.sum()
    expected = (closed & (c.closed_at <= c.due_at)).sum() / (closed.sum() + overdue.sum())
    assert k["on_time_rate"] == pytest.approx(expected)
    resolved = c[closed & (c.status == "resolved")]
    days = (resolved.closed_at - resolved.created_at).dt.total_seconds() / 86400
    assert k["median_days_to_resolve"] == pytest.approx(days.median())


@pytest.mark.parametrize("closed_on_time, closed, open_past_due, expected", [
    (0, 0, 0, None),        # nothing closed, nothing due: no rate rather than 0% or 100%
    (0, 10, 0, 0.0),        # all late
    (10, 10, 0, 1.0),       # all on time
    (10, 10, 10, 0.5),      # open past due counts against the rate before it closes
    (0, 0, 5, 0.0),         # nothing closed yet but five already late
])
def test_on_time_rate_edge_cases(closed_on_time, closed, open_past_due, expected):
    assert q.on_time_rate(closed_on_time, closed, open_past_due) == expected


def test_kpis_of_an_empty_selection(store, at):
    k = q.kpis(store, Filters(kecamatan=("Nowhere",)), at)
    assert k["total"] == 0 and k["on_time_rate"] is None and k["median_days_to_resolve"] is None


@pytest.mark.parametrize("f", FILTER_CASES)
def test_daily_trend(store, frames, at, f):
    c = _select(frames["complaints"], f)
    t = q.daily_trend(store, f, at)
    per_day = c.groupby(c.created_at.dt.normalize()).size()
    got = t.set_index(pd.to_datetime(t.day)).complaints
    assert got.sum() == len(c)
    assert (got.reindex(per_day.index) == per_day).all()
    assert pd.to_datetime(t.day).diff().dropna().eq(pd.Timedelta(days=1)).all()  # no gaps
    expected_mean = got.rolling(7, min_periods=1).mean()
    assert np.allclose(t.mean_7d, expected_mean)


@pytest.mark.parametrize("dim", ["kecamatan", "category", "agency", "channel", "status"])
def test_count_by(store, frames, at, dim):
    got = q.count_by(store, Filters(), dim, at).set_index("value").complaints
    assert got.to_dict() == frames["complaints"][dim].value_counts().to_dict()


def test_count_by_refuses_a_column_outside_the_whitelist(store, at):
    with pytest.raises(ValueError, match="not a filter dimension: 'reporter_phone'"):
        q.count_by(store, Filters(), "reporter_phone", at)


def test_by_kecamatan_per_10k(store, frames, profile, at):
    facts = facts_of(profile).set_index("kecamatan")
    got = q.by_kecamatan(store, Filters(), at).set_index("kecamatan")
    counts = frames["complaints"].kecamatan.value_counts()
    assert len(got) == 30
    for k, row in got.iterrows():
        assert row.complaints == counts.get(k, 0)
        assert row.per_10k == pytest.approx(counts.get(k, 0) * 1e4 / facts.population[k])


def test_agency_scorecard(store, frames, at):
    c = frames["complaints"]
    now = pd.Timestamp(at)
    got = q.agency_scorecard(store, Filters(), at).set_index("agency")
    for agency, g in c.groupby("agency"):
        closed = g.closed_at.notna() & (g.closed_at <= now)
        overdue = ~closed & (g.due_at < now)
        row = got.loc[agency]
        assert row.received == len(g)
        assert row.resolved_pct == pytest.approx(100 * (closed & (g.status == "resolved")).sum() / len(g))
        assert row.on_time_pct == pytest.approx(100 * (closed & (g.closed_at <= g.due_at)).sum() / (closed.sum() + overdue.sum()))
        assert row.overdue_now == overdue.sum()
    assert got.on_time_pct.is_monotonic_decreasing and list(got["rank"]) == list(range(1, len(got) + 1))


def test_hex_density_and_k_anonymity(store, frames, at):
    c = frames["complaints"]
    got = q.hex_density(store, Filters(), at, res=8)
    expected = c.h3_r8.map(lambda h: format(int(h), "x")).value_counts()
    assert got.set_index("hex").complaints.to_dict() == expected.to_dict()
    hidden = q.hex_density(store, Filters(), at, res=8, min_count=5)
    assert hidden.complaints.min() >= 5 and len(hidden) == (expected >= 5).sum()


def test_rows_never_carry_personal_data(store, at):
    rows = q.complaint_rows(store, Filters(), at, limit=50)
    assert len(rows) == 50
    assert not [c for c in rows.columns if c.startswith("reporter")]
    assert rows.created_at.is_monotonic_decreasing


def test_category_by_kecamatan(store, frames, at):
    got = q.category_by_kecamatan(store, Filters(), at)
    exp = frames["complaints"].groupby(["category", "kecamatan"]).size()
    assert got.set_index(["category", "kecamatan"]).complaints.to_dict() == exp.to_dict()


def test_cctv_queries(store, frames, at):
    cams = frames["cctv_sites"]
    s = cctv.summary(store)
    assert s["cameras"] == len(cams) and s["online"] == (cams.status == "online").sum()
    assert s["online_pct"] == pytest.approx(100 * (cams.status == "online").mean())
    off = cctv.offline(store, at)
    assert set(off.camera_id) == set(cams.camera_id[cams.status != "online"])
    assert off.hours_since_seen.is_monotonic_decreasing
    byk = cctv.by_kecamatan(store).set_index("kecamatan")
    for k, g in cams.groupby("kecamatan"):
        assert byk.loc[k, "online_pct"] == pytest.approx(100 * (g.status == "online").mean())


def test_complaints_in_camera_view_matches_brute_force(store, frames, at):
    c, cams = frames["complaints"], frames["cctv_sites"]
    d = haversine_m(c.lat.to_numpy()[:, None], c.lon.to_numpy()[:, None],
                        cams.lat.to_numpy()[None, :], cams.lon.to_numpy()[None, :])
    seen = (d <= cams.view_radius_m.to_numpy()[None, :]).any(axis=1)
    got = cctv.complaints_in_view(store, Filters(), at, by="category").set_index("value")
    for cat, idx in c.groupby("category").groups.items():
        assert got.loc[cat, "complaints"] == len(idx)
        assert got.loc[cat, "in_view"] == seen[c.index.get_indexer(idx)].sum()
    assert got.in_view.sum() > 0


def test_wifi_queries(store, frames):
    w, u = frames["wifi_points"], frames["wifi_usage"]
    s = wifi.summary(store)
    last = u.month.max()
    assert s["points"] == len(w) and s["active"] == (w.status == "active").sum()
    assert s["users_last_month"] == u[u.month == last].users.sum()
    mix = wifi.bandwidth_mix(store).set_index("bandwidth_mbps").points.to_dict()
    assert mix == w.bandwidth_mbps.value_counts().to_dict()
    per = wifi.per_10k(store).set_index("kecamatan")
    assert per.points.sum() == len(w)
    assert wifi.users_by_month(store).users.sum() == u.users.sum()
