"""Sections below the fold wait for the reader: a page's first screen loads one chart library, and each
section is drawn when it is scrolled to (ccdash.app.lazy)."""

from __future__ import annotations

import time

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from .conftest import LAZY, TIMEOUT_S, Page

PAGE_RUN, SECTION_RUN = (
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)


def wait_for_run(tab: Page, runs: list[int], since: int, kind: int) -> None:
    """Until a run of `kind` has finished after the first `since` runs (a generous deadline)."""
    deadline = time.monotonic() + TIMEOUT_S
    while kind not in runs[since:]:
        assert time.monotonic() < deadline, f"no such run after {TIMEOUT_S:.0f} s: {runs[since:]}"
        tab.page.wait_for_timeout(200)


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


def test_a_revealed_section_reruns_alone_and_a_click_in_it_reruns_the_page(browser, app_url):
    tab = Page(browser)
    runs = tab.ended  # how each script run ended, in order (conftest.Page)
    page = tab.goto(f"{app_url}/complaints?lang=en")
    assert runs and runs[-1] == PAGE_RUN
    before = len(runs)
    tab.reveal()  # four sections: each drawn by a run of its own, the page above left as it was
    revealed = runs[before:]
    assert len(revealed) >= 4 and set(revealed) == {SECTION_RUN}, revealed
    assert page.locator("[data-testid=stDataFrame]").count() == 2

    # A bar inside a section filters the whole page: the tiles above change with it.
    tiles = page.locator("[data-testid=stMetric]").all_inner_texts()
    chart = page.locator(".js-plotly-plot").nth(1)  # categories (the first is the trend)
    chart.scroll_into_view_if_needed()
    box = chart.locator(".bars path").last.bounding_box()  # the most frequent category
    before = len(runs)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('category=')")
    # The section's run asks for the page's: on a loaded machine that run may start after the
    # page has looked quiet for a while, so its end is waited for, not assumed.
    wait_for_run(tab, runs, before, PAGE_RUN)
    tab.settle()
    assert page.locator("[data-testid=stMetric]").all_inner_texts() != tiles
    assert tab.errors == []
    tab.close()


def test_a_point_removed_below_the_map_is_left_out_of_the_tiles_above(browser, app_url):
    tab = Page(browser)
    runs = tab.ended  # how each script run ended, in order (conftest.Page)
    page = tab.goto(f"{app_url}/coverage?lang=en")
    tab.reveal()

    def active() -> int:
        tile = page.locator("[data-testid=stMetric]").filter(has_text="Wifi points active").first
        return int(tile.locator("[data-testid=stMetricValue]").inner_text().replace(",", ""))

    was, before = active(), len(runs)
    remove = page.locator("[data-testid=stMultiSelect]").filter(has_text="Remove existing points")
    remove.scroll_into_view_if_needed()
    remove.locator("input").click()
    page.wait_for_selector("[role=listbox] [role=option]")
    page.locator("[role=listbox] [role=option]").first.click()  # one point, chosen in the section
    page.keyboard.press("Escape")
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m =>"
        " m.innerText.includes('Wifi points active') &&"
        " m.querySelector('[data-testid=stMetricValue]').innerText.replace(/,/g, '') == want)",
        arg=str(was - 1),
    )
    wait_for_run(tab, runs, before, PAGE_RUN)
    tab.settle()
    assert active() == was - 1
    assert tab.errors == []
    tab.close()
