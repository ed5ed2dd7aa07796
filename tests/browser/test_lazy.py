"""Sections below the fold wait for the reader: a page's first screen loads one chart library, and each
section is drawn when it is scrolled to (ccdash.app.lazy)."""

from __future__ import annotations

from .conftest import LAZY, Page


def test_complaints_draw_the_first_screen_then_each_section_on_scroll(browser, app_url):
    tab = Page(browser)
    page = tab.goto(f"{app_url}/complaints?lang=en")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.wait_for_timeout(2000)  # nothing more arrives while the reader stays at the top
    assert page.locator(".js-plotly-plot").count() == 1  # the trend only
    assert page.locator("[data-testid=stDeckGlJsonChart]").count() == 0
    assert page.locator(LAZY).count() == 4
    waiting = page.locator(LAZY).first.bounding_box()
    assert (
        waiting["y"] >= 1080 - 120 and waiting["height"] >= 400
    )  # below the fold, holding its section's room

    tab.reveal()
    assert page.locator(".js-plotly-plot").count() == 4  # categories, districts, heatmap
    assert page.locator("[data-testid=stDeckGlJsonChart] canvas").count() >= 2
    assert page.locator("[data-testid=stDataFrame]").count() == 2  # scorecard and rows
    assert page.get_by_text("Download CSV (filtered rows)").count() == 1
    assert page.locator("[data-testid=stException]").count() == 0
    assert tab.errors == []
    tab.close()


def test_the_overview_shows_its_map_first_and_its_charts_on_scroll(browser, app_url):
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?lang=en")
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
    page.wait_for_timeout(2000)
    assert page.locator(".js-plotly-plot").count() == 0  # no chart until the reader scrolls to them
    tab.reveal()
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot").count() == 2
    assert tab.errors == []
    tab.close()


def test_a_screen_tall_enough_shows_the_sections_without_scrolling(browser, app_url):
    tab = Page(browser, 1920, 3200)
    page = tab.goto(f"{app_url}/?lang=en")
    page.wait_for_selector(".js-plotly-plot .main-svg")  # no scroll: they are on screen
    assert page.locator(".js-plotly-plot").count() == 2 and page.locator(LAZY).count() == 0
    assert tab.errors == []
    tab.close()
