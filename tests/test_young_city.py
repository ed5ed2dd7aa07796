"""A city whose data is young (a two-day export) or weeks old under the system clock: no false spike,
the wall says when spikes start, and the desk, the wall and the tour open on the same window."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from ccdash.data import demo
from ccdash.data.profile import load_profile
from ccdash.data.store import Store
from ccdash.metrics import alerts
from tests.conftest import FIXTURE_END
from tests.test_any_city import app, page, texts


@pytest.fixture(scope="module")
def two_day_city(tmp_path_factory):
    d = tmp_path_factory.mktemp("young")
    demo.generate(d, seed=11, complaints=600, end=FIXTURE_END, days=2)
    return d


def test_a_two_day_export_raises_no_spike_and_the_rule_is_what_holds_them(two_day_city):
    profile = load_profile(two_day_city / "city.toml")
    store = Store(two_day_city, profile.facts_file)
    try:
        at = store.scalar("SELECT max(created_at) FROM complaints").to_pydatetime()
        cfg = alerts.settings(profile)
        found = alerts.active_alerts(store, at, tuple(sorted(cfg.items())))
        assert not [a for a in found if a.kind == "spike"]
        # Without the history rule the same data would alarm: the baseline's days before the data
        # began read as quiet days (the false alarms this rule exists for).
        b = alerts.complaint_buckets(store, at, int(cfg["baseline_days"]))
        naive = alerts.spikes(
            b.groupby(["category", "bucket"], as_index=False)["n"].sum(), ["category"], cfg
        )
        assert len(naive) >= 3
        first = alerts.first_complaint(store, at)
        assert alerts.history_days(first, at) < cfg["min_history_days"]
        start = alerts.alerts_start(first, cfg)
        assert (start - first).days == cfg["min_history_days"] + 1
    finally:
        store.close()


@pytest.mark.parametrize(
    "lang, line", [("en", "Spike alerts start "), ("id", "Peringatan lonjakan mulai ")]
)
def test_the_wall_says_when_spike_alerts_start(monkeypatch, two_day_city, lang, line):
    at = app(monkeypatch, two_day_city, mode="wall", view="alerts", lang=lang)
    assert not at.exception and not at.error
    assert line in texts(at)
    ticker = "".join(h.proto.body for h in at.get("html"))
    assert "spike" not in ticker.lower() and "lonjakan" not in ticker.lower()


def test_every_screen_of_a_two_day_city_opens(monkeypatch, two_day_city):
    for name in ("overview", "complaints", "cctv", "wifi", "data"):
        p = page(app(monkeypatch, two_day_city), name)
        assert not p.exception and not p.error, name
    for view in ("overview", "complaints", "cctv", "wifi", "alerts"):
        w = app(monkeypatch, two_day_city, mode="wall", view=view)
        assert not w.exception and not w.error and "_panel_failures" not in w.session_state, view
    for step in ("1", "2", "3", "4", "5", "6"):
        t = app(monkeypatch, two_day_city, tour="1", step=step)
        assert not t.exception and not t.error, step


def test_desk_wall_and_tour_open_on_one_window_under_the_system_clock(monkeypatch, writable_city):
    """The data ends on FIXTURE_END, weeks before the machine's clock: every screen shows the data's
    last 90 days (the same tile, the same number) and says how old the data is."""
    toml = writable_city / "city.toml"
    toml.write_text(re.sub(r'(?m)^clock = "data"', 'clock = "system"', toml.read_text()))
    assert 'clock = "system"' in toml.read_text()
    assert datetime.now().date().isoformat() > FIXTURE_END
    desk = app(monkeypatch, writable_city)
    tile = {m.label: m.value for m in desk.metric if m.label.startswith("On-time rate · ")}
    assert len(tile) == 1 and tile.popitem()[0].endswith("20 Nov 2026")
    desk_tiles = {m.label: m.value for m in desk.metric}
    assert any(
        w.value.startswith("Stale data: the newest complaint is from 20 Nov 2026")
        for w in desk.warning
    )
    wall = app(monkeypatch, writable_city, mode="wall", view="complaints")
    wall_tiles = {m.label: m.value for m in wall.metric}
    shared = set(desk_tiles) & set(wall_tiles)
    assert any(k.startswith("On-time rate · ") for k in shared), (desk_tiles, wall_tiles)
    assert {k: desk_tiles[k] for k in shared} == {k: wall_tiles[k] for k in shared}
    assert "STALE: data " in texts(wall)
    tour = app(monkeypatch, writable_city, tour="1", step="1")
    tour_tiles = {m.label: m.value for m in tour.metric}
    both = set(desk_tiles) & set(tour_tiles)
    assert any(k.startswith("On-time rate · ") for k in both), (desk_tiles, tour_tiles)
    assert {k: desk_tiles[k] for k in both} == {k: tour_tiles[k] for k in both}
