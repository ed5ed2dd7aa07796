"""The bundled font: Thai text renders with Noto Sans served by the app itself (no internet, and a
wall PC may have no Thai font: without it the headings would be boxes)."""

from __future__ import annotations

from tests.browser.conftest import Page, poll

THAI = "ภาพรวมเรื่องร้องเรียน"

MEASURE = """([text, family]) => {
  const c = document.createElement("canvas").getContext("2d");
  c.font = `32px ${family}`;
  return c.measureText(text).width;
}"""


def test_thai_headings_render_with_the_bundled_font(browser, app_url):
    tab = Page(browser)
    try:
        fetched = []
        tab.page.on(
            "response", lambda r: fetched.append((r.url, r.status)) if ".woff2" in r.url else None
        )
        page = tab.goto(f"{app_url}/?lang=th")
        assert "ภาพรวม" in page.inner_text("h1")
        # The face loads on demand for the Thai range, from the app's own static folder.
        faces = page.evaluate(
            f'document.fonts.load("32px ccdash-noto", "{THAI}").then(f => f.length)'
        )
        assert faces >= 1
        poll(lambda: fetched, lambda f: any("noto-sans-thai" in u and s == 200 for u, s in f))
        assert all(u.startswith(app_url) for u, _ in fetched)
        drawn = page.evaluate(MEASURE, [THAI, "ccdash-noto"])
        tofu = page.evaluate(MEASURE, [THAI, "no-such-font-xyz"])
        # Without the bundled face every Thai letter is the same fallback box (or nothing): another width.
        assert abs(drawn - tofu) > 5, (drawn, tofu)
        # The heading itself is drawn in the page's stack, which reaches the bundled face for Thai.
        family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "ccdash-noto" in family
        assert tab.errors == []
    finally:
        tab.close()
