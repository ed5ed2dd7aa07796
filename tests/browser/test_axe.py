"""axe-core (Deque's accessibility engine, bundled by the axe-playwright-python package: no download at
run time) on every page, the wall and the tour: no violation of WCAG 2 A/AA rules.

Two exclusions, each for what ccdash does not draw or WCAG does not cover: Streamlit's own sidebar
navigation (its section titles sit inside the link list: the `list` and `listitem` rules), and the labels
of filters a page greys out because it does not use them (inactive components are outside WCAG 1.4.3)."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python as axe  # a dev requirement (requirements-dev.txt): never skipped
import pytest

from tests.browser.conftest import Page

AXE_JS = Path(axe.__file__).with_name("axe.min.js")

EXCLUDE = [
    ["[data-testid=stSidebarNav]"],
    ["[data-testid=stSidebar] [data-testid=stWidgetLabel]:has(~ * input:disabled)"],
    ["[data-testid=stSidebar] div:has(> [data-testid=stWidgetLabel]):has(input:disabled)"],
]
RUN = """async (exclude) => (await axe.run({exclude}, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  resultTypes: ['violations'],
})).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


@pytest.mark.parametrize(
    "path, wait_for",
    [
        ("/?lang=en", "[data-testid=stMetric]"),
        ("/complaints?lang=en", "[data-testid=stMetric]"),
        ("/cctv?lang=en", "[data-testid=stMetric]"),
        ("/wifi?lang=en", "[data-testid=stMetric]"),
        ("/coverage?lang=en", "[data-testid=stMetric]"),
        ("/data?lang=en", "[data-testid=stDataFrame]"),
        ("/?lang=id", "[data-testid=stMetric]"),
        ("/?mode=wall&view=overview&lang=en", ".st-key-wall_view_title"),
        ("/?tour=1&lang=en", ".st-key-tour_title"),
    ],
)
def test_no_accessibility_violations(browser, app_url, path, wait_for):
    tab = Page(browser)
    try:
        page = tab.goto(app_url + path, wait_for=wait_for)
        tab.reveal()  # the sections below the fold too
        page.add_script_tag(path=str(AXE_JS))
        # A whole-page run during the check (the tour's next step, the wall's refresh) fades the
        # page, and faded text fails color-contrast (CI saw it on the tour's buttons): checked again.
        for _ in range(5):
            tab.runs_ended()
            page_runs = tab.page_runs
            violations = page.evaluate(RUN, EXCLUDE)
            tab.runs_ended()
            if tab.page_runs == page_runs:
                break
        assert violations == [], violations
    finally:
        tab.close()
