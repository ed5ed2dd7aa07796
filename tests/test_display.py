"""Wall and tour logic: rotation, staleness, alerts on planted spikes and on flat series."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import pytest

from ccdash.app.playlist import CHECK_EVERY_S, MAX_LEAD_S, due_view
from ccdash.data.clock import reference_now
from ccdash.data.profile import load_profile
from ccdash.data.tour import load_tour
from ccdash.metrics import alerts
from ccdash.metrics import complaints as q
from ccdash.metrics.freshness import is_stale
from tests.paths import DEMO_DIR

PLAYLIST = (("overview", 30.0), ("complaints", 20.0), ("cctv", 10.0))


def test_each_view_runs_its_full_time_from_when_it_was_drawn():
    # The first draw shows the first view; a view's time is counted from when it was drawn, and the
    # change is asked for half a check early (it then comes within half a check of its time).
    half = CHECK_EVERY_S / 2
    assert due_view(PLAYLIST, None, None, now=100) == 0
    assert due_view(PLAYLIST, 0, ends_at=130, now=130 - half - 0.01) == 0
    assert due_view(PLAYLIST, 0, ends_at=130, now=130 - half) == 1
    assert due_view(PLAYLIST, 2, ends_at=130, now=131) == 0  # round again
    # A draw that came late (the view ended long ago) moves on one view, never skips one.
    assert due_view(PLAYLIST, 1, ends_at=100, now=10_000) == 2


def test_the_change_is_asked_for_as_early_as_the_last_draw_took():
    half = CHECK_EVERY_S / 2
    assert due_view(PLAYLIST, 0, ends_at=130, now=128 - half, lead=2) == 1
    assert due_view(PLAYLIST, 0, ends_at=130, now=127.9 - half, lead=2) == 0
    # At most MAX_LEAD_S, and at most half of the view shown: a slow draw never hides a view.
    assert due_view(PLAYLIST, 0, ends_at=130, now=130 - MAX_LEAD_S - half - 0.1, lead=60) == 0
    assert (
        due_view(PLAYLIST, 2, ends_at=130, now=124.9 - half, lead=9) == 2
    )  # cctv: 10 s: 5 s at most
    assert due_view(PLAYLIST, 0, ends_at=130, now=129.4, lead=-5) == 0


def test_a_pinned_view_holds():
    assert due_view(PLAYLIST, 2, ends_at=0, now=10_000, pinned="cctv") == 2
    assert (
        due_view(PLAYLIST, 0, ends_at=0, now=1, pinned="nonsense") == 1
    )  # unknown pins are ignored
    assert due_view(PLAYLIST, 7, ends_at=0, now=1) == 0  # a shorter playlist since: from the top


def test_staleness():
    now = datetime(2026, 11, 24, 12)
    assert not is_stale(now - timedelta(hours=23), now, 24)
    assert is_stale(now - timedelta(hours=25), now, 24)
    assert is_stale(None, now, 24)


def test_the_tour_file_is_complete_in_both_languages():
    steps = load_tour(DEMO_DIR / "tour.toml")
    assert [s.view for s in steps] == ["headline", "map", "journey", "cctv", "wifi"]
    for s in steps:
        assert (
            s.title["id"]
            and s.title["en"]
            and s.caption["id"]
            and s.caption["en"]
            and s.seconds >= 5
        )


def test_a_broken_tour_file_is_named(tmp_path):
    bad = tmp_path / "tour.toml"
    bad.write_text('[[step]]\nview = "karaoke"\n')
    with pytest.raises(ValueError, match="step 1 has view 'karaoke'"):
        load_tour(bad)


@pytest.mark.parametrize("k, lam", [(0, 3.0), (1, 3.0), (5, 3.0), (12, 1.5), (40, 20.0)])
def test_poisson_tail_against_one_minus_the_cdf(k, lam):
    cdf = sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))
    assert alerts.poisson_sf(k, lam) == pytest.approx(1 - cdf, rel=1e-9, abs=1e-15)


def _series(values_by_key: dict) -> pd.DataFrame:
    rows = [(key, b, n) for key, ns in values_by_key.items() for b, n in enumerate(ns)]
    return pd.DataFrame(rows, columns=["category", "bucket", "n"])


def test_flat_series_raise_nothing():
    import numpy as np

    rng = np.random.default_rng(1)
    flat = {f"c{i}": [int(x) for x in rng.poisson(6, 29)] for i in range(200)}  # noisy but flat
    flat["constant"] = [8] * 29
    flat["quiet"] = [0] * 29
    assert alerts.spikes(_series(flat), ["category"], alerts.DEFAULTS) == []


def test_a_spike_is_found_with_its_numbers():
    series = {"flooding": [30] + [2] * 28, "waste": [9] + [6] * 28}
    found = alerts.spikes(_series(series), ["category"], alerts.DEFAULTS)
    assert [a.key for a in found] == [{"category": "flooding"}]
    assert found[0].observed == 30 and found[0].expected == pytest.approx(2.0)
    # A flat baseline: Poisson, widened only to the upper bound of a dispersion fitted on 28 windows.
    assert found[0].p_value == pytest.approx(alerts.nbinom_sf(30, 2.0, alerts.dispersion_bound(27)))
    assert found[0].p_value < 1e-10


def test_an_event_already_under_way_does_not_hide_itself():
    """Yesterday's part of a flood sits in the baseline; the robust fit leaves it out."""
    series = {"flooding": [30, 28, 25] + [2] * 26}
    assert [a.key for a in alerts.spikes(_series(series), ["category"], alerts.DEFAULTS)] == [
        {"category": "flooding"}
    ]


def test_the_weekly_pattern_is_expected_not_alarming():
    """Mondays are busy every week: a busy Monday is no spike, a busy Sunday is."""
    week = [30, 12, 12, 12, 12, 12, 4]  # phase 0 = today; the same weekday 7, 14, 21, 28 days back
    monday = {"roads": (week * 5)[:29]}
    assert (
        alerts.spikes(
            _series(monday),
            ["category"],
            alerts.DEFAULTS,
            alerts.weekly_factors(_series(monday), 28),
        )
        == []
    )
    sunday = {"roads": [30, *(week * 5)[1:29]]}
    sunday["roads"][7::7] = [4] * len(
        sunday["roads"][7::7]
    )  # the same weekday is quiet in every past week
    f = alerts.weekly_factors(_series(sunday), 28)
    assert [a.key for a in alerts.spikes(_series(sunday), ["category"], alerts.DEFAULTS, f)] == [
        {"category": "roads"}
    ]


def test_planted_events_of_the_demo_raise_alerts():
    profile = load_profile(DEMO_DIR / "city.toml")
    from ccdash.data.store import Store

    store = Store(DEMO_DIR, profile.facts_file)
    at = reference_now(profile, q.latest_complaint(store))
    found = alerts.active_alerts(store, at, tuple(sorted(alerts.settings(profile).items())))
    lines = [a for a in found if a.kind == "spike"]
    # One event, one line: each planted category once, its districts nested in it.
    assert sorted(a.key["category"] for a in lines) == ["flooding", "street_light"]
    places = {a.key["category"]: {p.key["kecamatan"] for p in a.parts} for a in lines}
    assert places == {"flooding": {"Gedebage", "Rancasari"}, "street_light": {"Lengkong", "Regol"}}
    assert any(a.kind == "cctv" for a in found) and any(a.kind == "sla" for a in found)
    assert found == alerts.ranked(found)  # the order every screen shows
    store.close()


def test_alerts_are_listed_by_level_then_size():
    """A HIGH line never sits below a WATCH one, whatever their p-values; within a level, spikes,
    then deadlines, then cameras, each largest first."""
    A = alerts.Alert
    watch_tiny_p = A("spike", 12.0, {"category": "a"}, 30, 12.0, 1e-8)  # 2.5x: watch, most severe
    high_by_ratio = A("spike", 5.0, {"category": "b"}, 9, 2.0, 1e-5)  # 4.5x: high
    high_bigger = A("spike", 4.0, {"category": "c"}, 40, 9.0, 1e-5)  # 4.4x, excess 31
    sla_small = A("sla", 6.0, {"agency": "x", "hours": 24}, 6)
    sla_big = A("sla", 9.0, {"agency": "y", "hours": 24}, 9)
    camera = A("cctv", 50.0, {"kecamatan": "k"}, 50)
    shuffled = [sla_small, camera, watch_tiny_p, high_by_ratio, sla_big, high_bigger]
    order = alerts.ranked(shuffled)
    assert [alerts.alert_level(a) for a in order] == ["high"] * 2 + ["watch"] * 4
    assert order == [high_bigger, high_by_ratio, watch_tiny_p, sla_big, sla_small, camera]


def _exact_nbinom_sf(k: int, mean: float, dispersion: float) -> float:
    """P(X >= k) by the regularized incomplete beta function at 60 digits (mpmath), independently."""
    import mpmath

    mpmath.mp.dps = 60
    r = mpmath.mpf(mean) / (mpmath.mpf(dispersion) - 1)
    q = 1 - 1 / mpmath.mpf(dispersion)
    return float(mpmath.betainc(k, r, 0, q, regularized=True))


@pytest.mark.parametrize(
    "k, mean, dispersion",
    [
        (5, 2.0, 1.5),
        (20, 3.0, 2.0),
        (60, 5.0, 3.0),
        (40, 2.0, 1.2),
        (150, 10.0, 4.0),
        (30, 0.5, 1.1),
        (300, 20.0, 2.5),
    ],
)
def test_negative_binomial_tail_against_exact_values(k, mean, dispersion):
    exact = _exact_nbinom_sf(k, mean, dispersion)
    assert alerts.nbinom_sf(k, mean, dispersion) == pytest.approx(exact, rel=1e-9)


def test_tails_down_to_1e_12_are_exact_enough():
    tiny = [
        (k, m, d)
        for k, m, d in [(60, 5.0, 3.0), (40, 2.0, 1.2), (300, 20.0, 2.5), (150, 10.0, 4.0)]
    ]
    values = [_exact_nbinom_sf(*a) for a in tiny]
    assert min(values) < 1e-12
    for args, exact in zip(tiny, values):
        assert alerts.nbinom_sf(*args) == pytest.approx(exact, rel=1e-9)


def test_false_alarms_on_an_over_dispersed_weekly_null_stay_under_the_stated_level():
    """A null world that is not the detector's model: log-normal day-to-day noise on a weekly rhythm,
    then Poisson counts. Stated level (README): under 1 false alarm per 1,000 series-days."""
    import numpy as np

    rng = np.random.default_rng(11)
    weekly = np.array([1.35, 1.15, 1.1, 1.0, 0.95, 0.6, 0.45])  # busy Mondays, quiet weekends
    series, days, base, sigma = 300, 60, 28, 0.45
    levels = rng.choice(
        [0.8, 3.0, 12.0, 40.0], series
    )  # complaints a day, from a quiet district to a busy one
    noise = rng.lognormal(-(sigma**2) / 2, sigma, (series, days + base))
    counts = rng.poisson(levels[:, None] * weekly[np.arange(days + base) % 7][None, :] * noise)
    alarms = 0
    for d in range(base, base + days):
        window = counts[:, d - base : d + 1][
            :, ::-1
        ]  # bucket 0 is day d, bucket b is b days before
        frame = pd.DataFrame(
            {
                "category": np.repeat(np.arange(series), base + 1),
                "bucket": np.tile(np.arange(base + 1), series),
                "n": window.ravel(),
            }
        )
        # As in spike_alerts: the weekday factors pooled over every series.
        alarms += len(
            alerts.spikes(frame, ["category"], alerts.DEFAULTS, alerts.weekly_factors(frame, base))
        )
    assert alarms / (series * days) < 1e-3, alarms
