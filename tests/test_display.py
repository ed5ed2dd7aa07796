"""Wall and tour logic: rotation, staleness, alerts on planted spikes and on flat series."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import pytest

from ccdash.metrics import alerts, complaints as q
from ccdash.app.playlist import rotation
from ccdash.data.tour import load_tour
from ccdash.metrics.freshness import is_stale
from ccdash.data.clock import reference_now
from ccdash.data.profile import REPO_ROOT, load_profile

PLAYLIST = (("overview", 30.0), ("complaints", 20.0), ("cctv", 10.0))


@pytest.mark.parametrize("elapsed, index, left", [
    (0, 0, 30), (29.5, 0, 0.5), (30, 1, 20), (49, 1, 1), (50, 2, 10), (60, 0, 30), (125, 0, 25),
])
def test_rotation_follows_the_playlist(elapsed, index, left):
    assert rotation(PLAYLIST, elapsed) == (index, pytest.approx(left))


def test_a_pinned_view_holds():
    assert rotation(PLAYLIST, 10_000, "cctv") == (2, math.inf)
    assert rotation(PLAYLIST, 35, "nonsense")[0] == 1  # unknown pins are ignored


def test_staleness():
    now = datetime(2026, 11, 24, 12)
    assert not is_stale(now - timedelta(hours=23), now, 24)
    assert is_stale(now - timedelta(hours=25), now, 24)
    assert is_stale(None, now, 24)


def test_the_tour_file_is_complete_in_both_languages():
    steps = load_tour(REPO_ROOT / "data" / "tour.toml")
    assert [s.view for s in steps] == ["headline", "map", "journey", "cctv", "wifi"]
    for s in steps:
        assert s.title["id"] and s.title["en"] and s.caption["id"] and s.caption["en"] and s.seconds >= 5


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


def test_planted_events_of_the_demo_raise_alerts():
    profile = load_profile(REPO_ROOT / "data" / "city.toml")
    from ccdash.data.store import Store

    store = Store(REPO_ROOT / "data", profile.facts_file)
    at = reference_now(profile, q.latest_complaint(store))
    found = alerts.active_alerts(store, at, tuple(sorted(alerts.settings(profile).items())))
    spikes = [a.key for a in found if a.kind == "spike"]
    assert {"category": "flooding", "kecamatan": "Gedebage"} in spikes
    assert {"category": "flooding", "kecamatan": "Rancasari"} in spikes
    assert {"category": "street_light", "kecamatan": "Lengkong"} in spikes
    assert {"category": "street_light", "kecamatan": "Regol"} in spikes
    # Nothing beyond the planted places: every spike names a planted category or kecamatan.
    planted = {"flooding", "street_light", "Gedebage", "Rancasari", "Lengkong", "Regol"}
    assert all(set(k.values()) <= planted for k in spikes)
    assert any(a.kind == "cctv" for a in found) and any(a.kind == "sla" for a in found)
    store.close()
