"""A city with nothing but complaints and a profile, in a real browser: every page, the wall and the tour
draw with their one-line notices, no exception and no console error."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Page, poll, start_app, stop_app
from tests.test_any_city import bare_city


@pytest.fixture(scope="module")
def bare_apps(browser, city_dir, tmp_path_factory):
    """Two complaints-only cities: one that declares no cameras or wifi, one that simply has no files."""
    root = tmp_path_factory.mktemp("bare")
    bare_city(city_dir, root / "declared", "\n[layers]\ncctv = false\nwifi = false\n")
    bare_city(city_dir, root / "undeclared")
    apps = {k: start_app(root / k) for k in ("declared", "undeclared")}
    yield {k: url for k, (_, url) in apps.items()}
    for proc, _ in apps.values():
        stop_app(proc)


@pytest.mark.parametrize(
    "city, path, wait_for, expect",
    [
        ("declared", "", "[data-testid=stMetric]", "Open backlog"),
        ("declared", "complaints", "[data-testid=stMetric]", "Received"),
        ("declared", "data", "[data-testid=stDataFrame]", "complaints"),
        (
            "undeclared",
            "cctv",
            "[data-testid=stAlertContentInfo]",
            "No cctv_sites extract: add one with",
        ),
        (
            "undeclared",
            "wifi",
            "[data-testid=stAlertContentInfo]",
            "No wifi_points extract: add one with",
        ),
        (
            "undeclared",
            "coverage",
            "[data-testid=stAlertContentInfo]",
            "No district polygons: this needs",
        ),
        # Pinned to its first view: a slow page must not see the rotation move on first.
        ("declared", "?mode=wall&view=overview", ".st-key-wall_view_title", "Open backlog"),
        ("declared", "?tour=1", ".st-key-tour_title", "in numbers"),
        ("declared", "?tour=1&step=3", ".st-key-tour_title", "How a complaint travels"),
    ],
)
def test_every_screen_of_a_complaints_only_city_draws(
    browser, bare_apps, city, path, wait_for, expect
):
    tab = Page(browser)
    try:
        sep = "&" if "?" in path else "?"
        page = tab.goto(f"{bare_apps[city]}/{path}{sep}lang=en", wait_for=wait_for)
        # The wall and tour hide Streamlit's running indicator, so a quiet page may still be
        # drawing its panels: wait for what the screen must say.
        body = poll(lambda: page.inner_text("body"), lambda text: expect in text)
        assert expect in body
        assert page.locator("[data-testid=stException]").count() == 0
        assert "Traceback" not in body and "Error" not in body.replace("error", "")
        assert tab.errors == []
    finally:
        tab.close()
