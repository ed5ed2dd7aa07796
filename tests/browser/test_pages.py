"""What a person sees: every page in a real browser, charts and maps drawn, filters, links, language."""

from __future__ import annotations

import io
from datetime import timedelta

import duckdb
import numpy as np
import pytest
from PIL import Image

from tests.paths import DEMO_DIR

from .conftest import poll

DATA = DEMO_DIR
PAGES = {
    "overview": "",
    "complaints": "complaints",
    "cctv": "cctv",
    "wifi": "wifi",
    "coverage": "coverage",
    "data": "data",
}
WITH_CHARTS = {"overview", "complaints", "cctv", "wifi"}


def demo_sql(query, params=None):
    """Independent DuckDB query on the embedded demo extracts."""
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW complaints AS SELECT * FROM read_parquet('{DATA / 'complaints.parquet'}')"
    )
    return con.execute(query, params or []).fetchall()


def last7(where="true"):
    """Complaints in the 168 hours before the newest one: the tile's rolling week."""
    ((latest,),) = demo_sql("SELECT max(created_at) FROM complaints")
    ((n,),) = demo_sql(
        f"SELECT count(*) FROM complaints WHERE created_at > ? AND {where}",
        [latest - timedelta(hours=168)],
    )
    return n


def kpi(page, label: str) -> str:
    tile = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return tile.locator("[data-testid=stMetricValue]").inner_text().strip()


def canvas_is_drawn(page) -> tuple[int, float]:
    """Distinct colours and the share of pixels unlike the corner (background) in the first deck.gl
    canvas, looked at until it is drawn (a map scrolled to draws when its section arrives)."""
    canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
    canvas.scroll_into_view_if_needed()

    def measure() -> tuple[int, float]:
        img = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        px = np.asarray(img.resize((img.width // 4, img.height // 4)), dtype=int).reshape(-1, 3)
        differing = (np.abs(px - px[0]).sum(axis=1) > 30).mean()
        return len(np.unique(px, axis=0)), float(differing)

    return poll(measure, lambda v: v[0] > 20 and v[1] > 0.05)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_draws_without_errors(tab, app_url, name, screenshot_dir):
    page = tab.goto(
        f"{app_url}/{PAGES[name]}?lang=en",
        wait_for="[data-testid=stDataFrame]" if name == "data" else "[data-testid=stMetric]",
    )
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Synthetic demo data" in page.inner_text("body")
    tab.reveal()  # every section below the fold, drawn as the reader scrolls to it
    assert page.locator("[data-testid=stException]").count() == 0
    if name in WITH_CHARTS:
        page.wait_for_selector(".js-plotly-plot .main-svg")
        assert page.locator(".js-plotly-plot").count() >= 1
        assert (
            page.locator(".js-plotly-plot .trace").count() >= 1
        )  # bars/lines are drawn, not only axes
        # No chart puts toolbar buttons in the keyboard's way (they were 8 tab stops a chart).
        stops = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot a[href], .js-plotly-plot '
                 + 'button, .js-plotly-plot [tabindex]')].filter(e => e.tabIndex >= 0).length"""
        )
        assert stops == 0, f"{stops} tab stops inside the charts"
    if name != "data":
        page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
        colours, drawn = canvas_is_drawn(page)
        assert colours > 20 and drawn > 0.05, (colours, drawn)
    page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot_dir / f"{name}.png"))
    assert tab.errors == []


def test_filter_in_the_sidebar_changes_the_kpi(tab, app_url):
    page = tab.goto(f"{app_url}/complaints?lang=en")
    assert kpi(page, "Last 7 days") == f"{last7():,}"
    box = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").filter(
        has_text="District"
    )
    box.locator("input").click()
    page.keyboard.type("Gedebage")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    tab.settle()
    expected = last7("kecamatan = 'Gedebage'")
    page.wait_for_function(
        "([label, want]) => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes(label) && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === want)",
        arg=["Last 7 days", f"{expected:,}"],
    )
    assert "kecamatan=Gedebage" in page.url
    assert tab.errors == []


def test_deep_link_reproduces_a_filtered_view(tab, app_url):
    page = tab.goto(f"{app_url}/complaints?kecamatan=Rancasari&category=flooding&lang=en")
    expected = last7("kecamatan = 'Rancasari' AND category = 'flooding'")
    assert kpi(page, "Last 7 days") == f"{expected:,}"
    sidebar = page.locator("[data-testid=stSidebar]").inner_text()
    assert "Rancasari" in sidebar and "Flooding" in sidebar
    assert tab.errors == []


def test_language_in_the_url(tab, app_url):
    en = tab.goto(f"{app_url}/?lang=en").inner_text("body")
    assert "New today" in en and "Open backlog" in en
    ind = tab.goto(f"{app_url}/?lang=id").inner_text("body")
    assert "Baru hari ini" in ind and "Belum selesai" in ind


def test_clicking_a_bar_filters_the_page(tab, app_url):
    page = tab.goto(f"{app_url}/?lang=en")
    tab.reveal()  # the charts sit under the map
    page.wait_for_selector(".js-plotly-plot .bars path")
    chart = page.locator(".js-plotly-plot").nth(1)  # top categories (the first is the trend)
    chart.scroll_into_view_if_needed()
    bar = chart.locator(".bars path").last  # the top bar: the most frequent category
    ((top,),) = (
        demo_sql("""SELECT category FROM complaints WHERE created_at >= (SELECT max(created_at) - INTERVAL 89 DAY
                          FROM complaints)::DATE GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")
    )
    box = bar.bounding_box()  # Plotly's drag layer sits above the bars: click where the bar is
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.settle()
    page.wait_for_function("() => location.search.includes('category=')")
    assert f"category={top}" in page.url
    assert tab.errors == []


def test_clicking_a_district_filters_the_page(tab, app_url):
    page = tab.goto(f"{app_url}/complaints?lang=en")
    tab.reveal()  # the maps sit below the fold
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
    choropleth = page.locator("[data-testid=stDeckGlJsonChart]").nth(
        1
    )  # hotspots first, then per 10k
    choropleth.scroll_into_view_if_needed()
    canvas_is_drawn(page)  # drawn, so its districts can be picked

    def click_centre() -> bool:
        box = choropleth.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tab.settle()
        return "kecamatan=" in page.url

    assert poll(click_centre, bool), page.url  # the city's centre district filters the page
    chip = (
        page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]")
        .filter(has_text="District")
        .inner_text()
    )
    picked = page.url.split("kecamatan=")[1].split("&")[0]
    assert picked.replace("+", " ").replace("%20", " ") in chip
    assert tab.errors == []


@pytest.mark.parametrize(
    "path, lang, title",
    [
        ("complaints?lang=id", "id", "Pengaduan · Kota Bandung"),
        ("coverage?lang=en", "en", "Wifi coverage · Kota Bandung"),
        ("?mode=wall&lang=en", "en", "Wall display · Kota Bandung"),
        ("?tour=1&lang=id", "id", "Tur tamu · Kota Bandung"),
    ],
)
def test_each_page_has_its_title_and_the_document_its_language(tab, app_url, path, lang, title):
    page = tab.goto(f"{app_url}/{path}", wait_for="[data-testid=stMetric], .st-key-tour_title")
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
    page.wait_for_function(f"() => document.title === {title!r}")


def drawn_extent(png: bytes) -> tuple[int, int, int, int]:
    """The box around every pixel unlike the corner (the city as the map frames it)."""
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    unlike = np.abs(img - img[0, 0]).sum(axis=2) > 30
    ys, xs = np.nonzero(unlike)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def settled_extent(deck) -> tuple[int, int, int, int]:
    """The drawn extent once two looks a second apart agree: the map's layers arrive one after
    another (a look between two saw the city 330 px narrower than it was)."""
    seen: list = []

    def look():
        seen.append(drawn_extent(deck.locator("canvas").first.screenshot()))
        return seen[-2:]

    return poll(look, lambda last: len(last) == 2 and last[0] == last[1], every_s=1.0)[-1]


def test_the_wheel_over_a_map_scrolls_the_page_and_leaves_the_map(tab, app_url):
    """Five wheel notches over the Coverage map (it fills the first screen) move the page, not the
    map: the city keeps its place and size on the canvas (a zoom would change both)."""
    page = tab.goto(f"{app_url}/coverage?lang=en")
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
    canvas_is_drawn(page)
    deck = page.locator("[data-testid=stDeckGlJsonChart]").first
    deck.evaluate("e => e.scrollIntoView({block: 'start'})")
    before = settled_extent(deck)
    top = deck.bounding_box()["y"]
    box = deck.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 300))
    for _ in range(5):
        page.mouse.wheel(0, 240)
    moved = poll(lambda: top - deck.bounding_box()["y"], lambda d: d > 200)
    assert moved > 200, f"the page moved {moved:.0f} px"
    deck.evaluate("e => e.scrollIntoView({block: 'start'})")
    after = settled_extent(deck)
    assert max(abs(a - b) for a, b in zip(after, before)) <= 3, (before, after)
    assert tab.errors == []


CONTRAST_JS = """e => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
  let fg = rgb(getComputedStyle(e).color).slice(0, 3);
  let n = e, bg = null, opacity = 1;
  for (let m = e; m && m.nodeType === 1; m = m.parentElement)
    opacity *= Number(getComputedStyle(m).opacity);  // a faded container fades its text
  while (n && n.nodeType === 1) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) { bg = c.slice(0, 3); break; }
    n = n.parentElement;
  }
  bg = bg || [0, 0, 0];
  fg = fg.map((v, i) => bg[i] + (v - bg[i]) * opacity);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize(
    "path, selector",
    [
        ("?lang=en", ".st-key-synthetic [data-testid=stCaptionContainer] p"),
        ("?tour=1&lang=en", ".st-key-tour_next [data-testid=stBaseButton-primary] p"),
    ],
)
def test_text_that_axe_flagged_has_at_least_4_5_to_1_contrast(tab, app_url, path, selector):
    """WCAG AA for normal text, computed in the page from the colours the browser renders."""
    page = tab.goto(f"{app_url}/{path}", wait_for=selector)
    ratio = page.locator(selector).first.evaluate(CONTRAST_JS)
    assert ratio >= 4.5, f"{selector}: {ratio:.2f}:1"
