"""One definition per metric: the desk, the wall and the tour show the same number under the same label."""

from __future__ import annotations

import pytest

from tests.test_views import start
from tests.test_wall import run as run_screen


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_overview_wall_and_tour_agree_for_the_same_window(monkeypatch, city_dir, lang):
    desk = tiles(start(monkeypatch, city_dir, {"lang": lang}))
    wall = tiles(
        run_screen(monkeypatch, city_dir, {"mode": "wall", "view": "overview", "lang": lang})
    )
    headline = tiles(run_screen(monkeypatch, city_dir, {"tour": "1", "step": "1", "lang": lang}))
    journey = tiles(run_screen(monkeypatch, city_dir, {"tour": "1", "step": "3", "lang": lang}))
    shared = set(desk) & set(wall)
    # Stock tiles, today's count and the 90-day on-time rate, each labelled with its window.
    assert len(shared) == 4, (sorted(desk), sorted(wall))
    assert any(" – " in label for label in shared)  # the flow tile names its date range
    for label in shared:
        assert desk[label] == wall[label] == headline[label], label
    for label in set(desk) & set(journey):
        assert desk[label] == journey[label], label
    assert (
        len(set(desk) & set(journey)) == 3
    )  # received, on-time and median days over the same window


@pytest.mark.parametrize(
    "page",
    [
        "app_pages/overview.py",
        "app_pages/complaints.py",
        "app_pages/cctv.py",
        "app_pages/wifi.py",
        "app_pages/coverage.py",
        "app_pages/data.py",
    ],
)
def test_a_dead_feed_is_stale_on_every_page_and_shows_no_good_news(
    monkeypatch, writable_city, page
):
    toml = (writable_city / "city.toml").read_text()
    (writable_city / "city.toml").write_text(toml.replace('clock = "data"', 'clock = "system"'))
    at = start(monkeypatch, writable_city, {"lang": "en"}, page=page)
    warnings = [w.value for w in at.warning]
    assert any(
        w.startswith("Stale data: the newest complaint is from 20 Nov 2026") for w in warnings
    ), warnings
    week = [m for m in at.metric if m.label == "Last 7 days"]
    assert not [m.delta for m in week if m.delta]  # no week-on-week change from a feed that stopped


def test_fresh_data_is_not_stale(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, {"lang": "en"})
    assert not [w for w in at.warning if "Stale" in w.value]
    assert next(
        m for m in at.metric if m.label == "Last 7 days"
    ).delta  # the week-on-week change shows


def test_the_tours_journey_reads_from_new_to_the_endings(monkeypatch, city_dir):
    """Top to bottom as a complaint travels: New ... In progress, then Resolved and Rejected."""
    import json

    at = run_screen(monkeypatch, city_dir, {"tour": "1", "step": "3", "lang": "en"})
    chart = next(
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "tour_journey" in c.proto.id
    )
    bars = chart["data"][0]
    top_to_bottom = list(reversed(bars["y"]))  # Plotly draws the first category at the bottom
    assert top_to_bottom == ["New", "Verified", "Dispatched", "In progress", "Resolved", "Rejected"]
