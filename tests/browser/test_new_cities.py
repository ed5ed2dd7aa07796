"""A camera-only city and a two-day-old city in a real browser: every page, the wall's views and the
tour draw with no exception, no console error, no false banner and no spike."""

from __future__ import annotations

import pytest

from ccdash.data import demo
from tests.browser.conftest import Page, poll, start_app, stop_app
from tests.conftest import FIXTURE_END
from tests.test_any_city import camera_city


@pytest.fixture(scope="module")
def new_cities(browser, city_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("new")
    camera_city(city_dir, root / "cameras", wifi=True)
    demo.generate(root / "young", seed=11, complaints=600, end=FIXTURE_END, days=2)
    apps = {k: start_app(root / k) for k in ("cameras", "young")}
    yield {k: url for k, (_, url) in apps.items()}
    for proc, _ in apps.values():
        stop_app(proc)


FALSE = ("Data problem", "NO DATA", "last good data", "Traceback")


@pytest.mark.parametrize(
    "city, path, wait_for, expect",
    [
        ("cameras", "", "[data-testid=stMetric]", "CCTV online"),
        ("cameras", "cctv", "[data-testid=stMetric]", "Not reporting"),
        ("cameras", "wifi", "[data-testid=stMetric]", "Wifi"),
        ("cameras", "coverage", "[data-testid=stMetric]", "Residents covered"),
        ("cameras", "data", "[data-testid=stDataFrame]", "cctv_sites"),
        ("cameras", "?mode=wall&view=overview", ".st-key-wall_view_title", "City overview"),
        ("cameras", "?mode=wall&view=alerts", ".st-key-wall_view_title", "Active alerts"),
        ("cameras", "?tour=1", ".st-key-tour_title", "The city's cameras"),
        ("cameras", "?tour=1&step=3", ".st-key-tour_title", "Thank you"),
        ("young", "", "[data-testid=stMetric]", "Open backlog"),
        ("young", "complaints", "[data-testid=stMetric]", "Received"),
        ("young", "?mode=wall&view=alerts", ".st-key-wall_alerts", "Spike alerts start"),
        ("young", "?mode=wall&view=complaints", ".st-key-wall_view_title", "On-time"),
        ("young", "?tour=1", ".st-key-tour_title", "in numbers"),
    ],
)
def test_every_screen_of_a_new_city_draws(browser, new_cities, city, path, wait_for, expect):
    tab = Page(browser)
    try:
        sep = "&" if "?" in path else "?"
        page = tab.goto(f"{new_cities[city]}/{path}{sep}lang=en", wait_for=wait_for)
        body = poll(lambda: page.inner_text("body"), lambda text: expect in text)
        assert expect in body
        assert page.locator("[data-testid=stException]").count() == 0
        for word in FALSE:
            assert word not in body, word
        if city == "young":
            ticker = page.locator(".st-key-wall_ticker").all_inner_texts()
            assert not [t for t in ticker if "spike" in t.lower()]
        assert tab.errors == []
    finally:
        tab.close()
