"""Every named query against an independent pandas computation on the fixture city."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from ccdash.analysis.geometry import haversine_m
from ccdash.data.clock import reference_now
from ccdash.data.reference import facts_of
from ccdash.data.store import Store
from ccdash.metrics import cctv, wifi
from ccdash.metrics import complaints as q
from ccdash.metrics.filters import Filters
from tests.conftest import summarised_copy
from tests.paths import wall_times


@pytest.fixture(scope="module", params=["rows", "summaries"])
def store(request, city_dir, profile, tmp_path_factory):
    """Every query read from the rows, and again from the complaint summaries (data.summary)."""
    if request.param == "rows":
        s = Store(city_dir, profile.facts_file, summaries="off")
    else:
        s = summarised_copy(city_dir, tmp_path_factory)
        assert s.summaries(reference_now(profile, q.latest_complaint(s))) is not None
    yield s
    s.close()


@pytest.fixture(scope="module")
def frames(city_dir):
    return {
        t: wall_times(pd.read_parquet(city_dir / f"{t}.parquet"))
        for t in ("complaints", "cctv_sites", "wifi_points", "wifi_usage")
    }


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


def _dims(c, f: Filters):
    """The dimension filters alone (stock tiles ignore the date range)."""
    m = pd.Series(True, index=c.index)
    for dim in ("kecamatan", "category", "agency", "channel", "status"):
        if getattr(f, dim):
            m &= c[dim].isin(getattr(f, dim))
    return c[m]


def expected_kpis(c: pd.DataFrame, f: Filters, now: pd.Timestamp) -> dict:
    """The KPI definitions of docs/data.md, computed with pandas from the rows themselves."""
    c = _dims(c[c.created_at <= now], f)
    w0 = pd.Timestamp(f.start) if f.start else pd.Timestamp.min
    w1 = pd.Timestamp(f.end + timedelta(days=1)) if f.end else pd.Timestamp.max
    is_open = c.closed_at.isna() | (c.closed_at > now)
    closed_in_w = ~is_open & (c.closed_at >= w0) & (c.closed_at < w1)
    resolved = closed_in_w & (c.status == "resolved")
    rejected = closed_in_w & (c.status == "rejected")
    on_time = resolved & (c.closed_at <= c.due_at)
    past_due = is_open & (c.due_at < now) & (c.due_at >= w0) & (c.due_at < w1)
    days = ((c.closed_at - c.created_at).dt.total_seconds() / 86400)[resolved]
    rate = (
        on_time.sum() / (resolved.sum() + past_due.sum())
        if resolved.sum() + past_due.sum()
        else None
    )
    return {
        "received": int(((c.created_at >= w0) & (c.created_at < w1)).sum()),
        "new_today": int((c.created_at >= now.normalize()).sum()),
        "last_7d": int((c.created_at > now - pd.Timedelta(hours=168)).sum()),
        "prev_7d": int(
            (
                (c.created_at > now - pd.Timedelta(hours=336))
                & (c.created_at <= now - pd.Timedelta(hours=168))
            ).sum()
        ),
        "open_backlog": int(is_open.sum()),
        "overdue_now": int((is_open & (c.due_at < now)).sum()),
        "resolved": int(resolved.sum()),
        "rejected": int(rejected.sum()),
        "on_time_rate": rate,
        "rejected_rate": rejected.sum() / (resolved.sum() + rejected.sum())
        if resolved.sum() + rejected.sum()
        else None,
        "median_days_to_resolve": days.median() if len(days) else None,
    }


def assert_kpis_match(got: dict, expected: dict) -> None:
    for k, v in expected.items():
        if v is None:
            assert got[k] is None, k
        else:
            assert got[k] == pytest.approx(v, rel=1e-9), k


@pytest.mark.parametrize("f", FILTER_CASES)
def test_kpis(store, frames, at, f):
    assert_kpis_match(
        q.kpis(store, f, at), expected_kpis(frames["complaints"], f, pd.Timestamp(at))
    )


def test_stock_tiles_ignore_the_date_range_and_flows_follow_it(store, at):
    whole, recent = (
        q.kpis(store, Filters(), at),
        q.kpis(store, Filters(start=at.date() - timedelta(days=29)), at),
    )
    assert (recent["open_backlog"], recent["overdue_now"]) == (
        whole["open_backlog"],
        whole["overdue_now"],
    )
    assert recent["received"] < whole["received"] and recent["resolved"] < whole["resolved"]


def test_rejected_complaints_are_not_counted_as_on_time(store, frames, at):
    k = q.kpis(store, Filters(), at)
    assert k["rejected"] > 0
    c = frames["complaints"]
    assert k["resolved"] == int(
        ((c.status == "resolved") & (c.closed_at <= pd.Timestamp(at))).sum()
    )


@pytest.mark.parametrize(
    "closed_on_time, closed, open_past_due, expected",
    [
        (0, 0, 0, None),  # nothing closed, nothing due: no rate rather than 0% or 100%
        (0, 10, 0, 0.0),  # all late
        (10, 10, 0, 1.0),  # all on time
        (10, 10, 10, 0.5),  # open past due counts against the rate before it closes
        (0, 0, 5, 0.0),  # nothing closed yet but five already late
    ],
)
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


@pytest.mark.parametrize("f", [Filters(), FILTER_CASES[2]])
def test_agency_scorecard(store, frames, at, f):
    """Per agency, the same definitions as the KPI tiles (and the same numbers for one agency)."""
    c = frames["complaints"]
    now = pd.Timestamp(at)
    got = q.agency_scorecard(store, f, at).set_index("agency")
    for agency in got.index:
        k = expected_kpis(c, f.with_values(agency=(agency,)), now)
        g = _select(c[c.agency == agency], f.with_values(agency=()))
        row = got.loc[agency]
        assert row.received == k["received"]
        received_resolved = ((g.status == "resolved") & (g.closed_at <= now)).sum()
        assert (
            row.resolved_pct == pytest.approx(100 * received_resolved / len(g))
            if len(g)
            else pd.isna(row.resolved_pct)
        )
        assert row.on_time_pct == pytest.approx(100 * k["on_time_rate"])
        assert row.overdue_now == k["overdue_now"]
        assert row.median_days == pytest.approx(k["median_days_to_resolve"])
        assert row.on_time_pct == pytest.approx(
            100 * q.kpis(store, f.with_values(agency=(agency,)), at)["on_time_rate"]
        )
    assert got.on_time_pct.is_monotonic_decreasing and list(got["rank"]) == list(
        range(1, len(got) + 1)
    )


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


def test_the_newest_rows_are_the_head_of_the_whole_list(store, at):
    """complaint_rows with a limit finds the limit-th newest time first and reads from there: the
    same rows, in the same order, as the whole filtered list cut to the limit."""
    options = q.filter_options(store)
    for f in (
        Filters(),
        Filters(kecamatan=(options["kecamatan"][0],)),
        Filters(start=at.date() - timedelta(days=20), category=(options["category"][1],)),
    ):
        whole = q.complaint_rows(store, f, at, limit=None)
        for n in (1, 7, 50, len(whole), len(whole) + 5):
            got = q.complaint_rows(store, f, at, limit=n)
            pd.testing.assert_frame_equal(got, whole.head(n).reset_index(drop=True))


def test_category_by_kecamatan(store, frames, at):
    got = q.category_by_kecamatan(store, Filters(), at)
    exp = frames["complaints"].groupby(["category", "kecamatan"]).size()
    assert got.set_index(["category", "kecamatan"]).complaints.to_dict() == exp.to_dict()


def not_reporting_frame(cams: pd.DataFrame, now: pd.Timestamp, hours: float) -> pd.Series:
    """The one CCTV rule, independently: status offline, or last seen more than `hours` before now."""
    silent = cams.last_seen_at.notna() & (cams.last_seen_at < now - pd.Timedelta(hours=hours))
    return (cams.status == "offline") | silent


@pytest.mark.parametrize("hours", [1.0, 12.0, 24 * 30.0])
def test_cctv_queries(store, frames, at, hours):
    cams = frames["cctv_sites"]
    now = pd.Timestamp(at)
    s = cctv.summary(store, at, hours)
    known = cams.status != "unknown"
    assert s["cameras"] == len(cams) and s["online"] == (cams.status == "online").sum()
    assert s["unknown"] == (~known).sum()
    assert s["online_pct"] == pytest.approx(100 * (cams.status == "online").sum() / known.sum())
    down = not_reporting_frame(cams, now, hours)
    assert s["not_reporting"] == down.sum()
    off = cctv.not_reporting(store, at, hours)
    assert set(off.camera_id) == set(cams.camera_id[down])
    assert off.hours_since_seen.dropna().is_monotonic_decreasing
    byk = cctv.by_kecamatan(store).set_index("kecamatan")
    for k, g in cams.groupby("kecamatan"):
        assert byk.loc[k, "online_pct"] == pytest.approx(
            100 * (g.status == "online").sum() / (g.status != "unknown").sum()
        )


def test_unknown_status_is_unknown_not_offline(writable_city, profile):
    """A real camera list without a status: nothing is called offline, and there is no online share."""
    from ccdash.data.store import Store

    cams = wall_times(pd.read_parquet(writable_city / "cctv_sites.parquet"))
    cams["status"], cams["last_seen_at"] = "unknown", pd.NaT
    cams.to_parquet(writable_city / "cctv_sites.parquet", index=False)
    store = Store(writable_city, profile.facts_file)
    s = cctv.summary(store, pd.Timestamp("2026-11-20").to_pydatetime(), 12)
    assert (s["unknown"], s["not_reporting"], s["online_pct"]) == (len(cams), 0, None)
    assert cctv.not_reporting(store, pd.Timestamp("2026-11-20").to_pydatetime(), 12).empty
    store.close()


def in_some_view(c: pd.DataFrame, cams: pd.DataFrame) -> np.ndarray:
    """Brute force: whether each complaint is within some camera's view radius, every pair measured."""
    d = haversine_m(
        c.lat.to_numpy()[:, None],
        c.lon.to_numpy()[:, None],
        cams.lat.to_numpy()[None, :],
        cams.lon.to_numpy()[None, :],
    )
    return (d <= cams.view_radius_m.to_numpy()[None, :]).any(axis=1)


def test_complaints_in_camera_view_matches_brute_force(store, frames, at):
    c, cams = frames["complaints"], frames["cctv_sites"]
    seen = in_some_view(c, cams)
    for by in ("category", "kecamatan"):
        got = cctv.complaints_in_view(store, Filters(), at, by=by)
        for value, idx in c.groupby(by).groups.items():
            row = got.set_index("value").loc[value]
            assert row.complaints == len(idx)
            assert row.in_view == seen[c.index.get_indexer(idx)].sum()
            assert row.in_view_pct == 100.0 * row.in_view / row.complaints
        assert got.in_view.sum() > 0
        # Highest share first, ties by name.
        assert list(got.value) == sorted(
            got.value, key=lambda v: (-got.set_index("value").in_view_pct[v], v)
        )
    with pytest.raises(ValueError, match=r"^not a dimension of the counts: 'agency'$"):
        cctv.complaints_in_view(store, Filters(), at, by="agency")


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


def test_complaints_in_view_with_views_of_every_size(writable_city, profile):
    """The grid that narrows the pairs is sized by the widest view: cameras of 2 m to 1.5 km, and
    complaints on every side of their views, still match a brute force over every pair."""
    import numpy as np

    cams = pd.read_parquet(writable_city / "cctv_sites.parquet")
    rng = np.random.default_rng(3)
    cams["view_radius_m"] = rng.choice([2.0, 20.0, 60.0, 250.0], len(cams))
    cams.loc[0, "view_radius_m"] = 1500.0  # one wide view sizes the grid for all
    cams.to_parquet(writable_city / "cctv_sites.parquet", index=False)
    shutil.rmtree(writable_city / "_integrity", ignore_errors=True)
    store = Store(writable_city, profile.facts_file)
    now = reference_now(profile, q.latest_complaint(store))
    c = store.query(
        "SELECT complaint_id, category, lat, lon FROM complaints WHERE lat IS NOT NULL "
        "AND created_at <= $now",
        {"now": now},
    )
    seen = in_some_view(c, cams)
    assert 0 < seen.sum() < len(c)
    got = cctv.complaints_in_view(store, Filters(), now, by="category").set_index("value")
    for cat, idx in c.groupby("category").groups.items():
        assert got.loc[cat, "complaints"] == len(idx)
        assert got.loc[cat, "in_view"] == seen[c.index.get_indexer(idx)].sum(), cat
    store.close()
