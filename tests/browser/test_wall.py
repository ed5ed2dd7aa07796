"""The wall and the tour in a real browser, and a soak test of the unattended wall."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time

import pytest

from tests.paths import DEMO_DIR, wall_times

from .conftest import Page, poll, start_app, stop_app

FAST_PLAYLIST = """playlist = [
  { view = "overview", seconds = 4 },
  { view = "complaints", seconds = 4 },
  { view = "cctv", seconds = 4 },
  { view = "wifi", seconds = 4 },
  { view = "alerts", seconds = 4 },
]"""
# How long the soak runs, and how much the server may grow after its warm-up (stated in the README).
SOAK_SECONDS = int(os.environ.get("CCDASH_SOAK_SECONDS", "180"))
SOAK_WARMUP_SECONDS = 40
SOAK_GROWTH_LIMIT_MB = 60


@pytest.fixture(scope="module")
def fast_wall(browser, tmp_path_factory):
    """The demo data with a playlist of 4-second views and a 5-second refresh."""
    d = tmp_path_factory.mktemp("wall") / "data"
    shutil.copytree(DEMO_DIR, d)
    toml = (d / "city.toml").read_text()
    toml = re.sub(r"playlist = \[.*?\n\]", FAST_PLAYLIST, toml, flags=re.S).replace(
        "refresh_seconds = 30", "refresh_seconds = 5"
    )
    (d / "city.toml").write_text(toml)
    proc, url = start_app(d)
    yield proc, url, d
    stop_app(proc)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wall_title(page) -> str:
    """The view the wall shows: the heading of its view column."""
    return page.locator(".st-key-wall_view_title").inner_text().strip()


def test_wall_rotates_and_ticks_in_the_browser(browser, fast_wall):
    _, url, _ = fast_wall
    tab = Page(browser)
    page = tab.goto(f"{url}/?mode=wall&lang=en")
    assert (
        page.locator("[data-testid=stSidebar]").count() == 0
        or not page.locator("[data-testid=stSidebar]").is_visible()
    )
    seen, clock, countdown = set(), set(), []

    def sample() -> bool:  # until several views, clock readings and a falling countdown are seen
        seen.add(wall_title(page))
        clock.add(page.locator(".st-key-wall_clock").inner_text())
        countdown.append(int(page.locator(".ccdash-countdown").first.inner_text()))
        falling = any(b < a for a, b in itertools.pairwise(countdown))
        return len(seen) >= 3 and len(clock) >= 5 and falling

    poll(sample, bool, every_s=0.7)
    assert len(seen) >= 3, seen  # several views came round by themselves
    assert len(clock) >= 5  # the clock ticks
    assert (
        any(b < a for a, b in itertools.pairwise(countdown)) and max(countdown) <= 4
    )  # and so does "next in"
    assert page.locator("[data-testid=stException]").count() == 0
    assert tab.errors == []
    tab.close()


# Recorded every animation frame in the page: the view the title names, the side panel's view, the page's
# height, and the deck.gl canvases (a map rebuilt instead of updated shows as a new canvas).
WATCH = """() => {
  window.__frames = [];
  const tick = () => {
    const views = [...document.querySelectorAll('[class*="st-key-wall_view_"]')]
      .map(e => [...e.classList].find(c => c.startsWith('st-key-wall_view_'))).filter(c => c !== 'st-key-wall_view_title');
    const headings = [...document.querySelectorAll('.st-key-wall_view_title')].map(e => e.innerText.trim());
    const canvases = [...document.querySelectorAll('[data-testid=stDeckGlJsonChart] canvas')];
    window.__frames.push({views, headings, height: document.documentElement.scrollHeight,
                          maps: canvases.length,
                          tiles: document.querySelectorAll('[data-testid=stMetric]').length});
    if (window.__frames.length < 100000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def test_a_view_change_never_shows_two_views_at_once(browser, fast_wall):
    """Every animation frame through several view changes: at most one view's column (its name, tiles and
    panel together), never two headings; the page never grows past the screen; one map, updated in place
    (a rebuilt map would show as a frame without a canvas or with two)."""
    _, url, _ = fast_wall
    tab = Page(browser)
    page = tab.goto(f"{url}/?mode=wall&lang=en")
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
    page.evaluate(WATCH)

    def views_seen() -> int:  # until three views came round (about 14 s on an idle machine)
        return page.evaluate("new Set(window.__frames.flatMap(f => f.views)).size")

    poll(views_seen, lambda n: n >= 3, every_s=1)
    frames = page.evaluate("window.__frames")
    seen = {v for f in frames for v in f["views"]}
    assert len(seen) >= 3, seen
    assert max(len(f["views"]) for f in frames) == 1, [f for f in frames if len(f["views"]) > 1][:3]
    assert max(len(f["headings"]) for f in frames) == 1
    assert max(f["tiles"] for f in frames) <= 4  # never the old view's tiles beside the new ones
    assert max(f["height"] for f in frames) <= 1080 + 4, max(f["height"] for f in frames)
    assert {f["maps"] for f in frames} == {1}
    assert tab.errors == []
    tab.close()


# Every animation frame: the time, the view's name, the countdown's deadline (ms, the server's clock) and
# whether any element of the last run is faded (Streamlit dims them while a run draws: a ghost).
PLAYLIST_WATCH = """() => {
  window.__shown = [];
  const tick = () => {
    const title = document.querySelector('.st-key-wall_view_title');
    const countdown = document.querySelector('.ccdash-countdown');
    const faded = [...document.querySelectorAll('[data-stale=true]')]
      .some(e => Number(getComputedStyle(e).opacity) < 0.99);
    window.__shown.push({t: Date.now(), view: title ? title.innerText.trim() : null,
                         end: countdown ? Number(countdown.dataset.end) : null, faded});
    if (window.__shown.length < 200000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
# How far from its countdown's 0 a view may change (the measure: within 1 s of the countdown).
ON_TIME_S = 1.0


def changes(frames: list[dict]) -> list[dict]:
    """Each view change: when the new name appeared, and the deadline the old view counted down to."""
    out, last = [], None
    for f in frames:
        if f["view"] is None:
            continue
        if last is not None and f["view"] != last["view"]:
            out.append({"view": f["view"], "t": f["t"], "due": last["end"]})
        last = f
    return out


def test_a_whole_playlist_changes_on_time_with_no_ghost(browser, fast_wall):
    """Through a whole playlist and round to its start again: every view appears within ON_TIME_S of the
    countdown that announced it (so each view had its full time, never less by a late change before it),
    and no frame shows a faded element of the previous view."""
    _, url, _ = fast_wall
    tab = Page(browser)
    page = tab.goto(f"{url}/?mode=wall&lang=en")
    page.wait_for_selector(".ccdash-countdown")
    page.evaluate(PLAYLIST_WATCH)
    views = 5  # FAST_PLAYLIST
    poll(lambda: len(changes(page.evaluate("window.__shown"))), lambda n: n >= views + 1, every_s=1)
    frames = page.evaluate("window.__shown")
    seen = changes(frames)
    assert len({c["view"] for c in seen}) == views, seen
    late = [(c["view"], (c["t"] - c["due"]) / 1000) for c in seen]
    assert all(abs(s) <= ON_TIME_S for _, s in late), late
    assert not any(f["faded"] for f in frames), sum(f["faded"] for f in frames)
    assert tab.errors == []
    tab.close()


# Every animation frame of the tour: the time, the step's title, whether a map is on screen.
TOUR_WATCH = """() => {
  window.__steps = [];
  const tick = () => {
    const title = document.querySelector('.st-key-tour_title');
    window.__steps.push({t: Date.now(), title: title ? title.innerText.trim() : null,
                         map: !!document.querySelector('[data-testid=stDeckGlJsonChart] canvas')});
    if (window.__steps.length < 200000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
TOUR_STEP_S = 6
# How far a step's time on screen, in the browser, may be from its own: short, long.
SHORT_BY_S, LONG_BY_S = 2.0, 1.5
MAP_CODE_FETCHED = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/DeckGlJsonChart.')).map(e => performance.timeOrigin + e.startTime)"""
MAP_STEPS = {"Where residents report", "CCTV as the city's eyes", "Free public wifi"}  # the demo's


@pytest.fixture(scope="module")
def fast_tour(browser, tmp_path_factory):
    """The demo data with a tour of 6-second steps."""
    d = tmp_path_factory.mktemp("tour") / "data"
    shutil.copytree(DEMO_DIR, d)
    tour = d / "tour.toml"
    tour.write_text(tour.read_text().replace("seconds = 20", f"seconds = {TOUR_STEP_S}"))
    proc, url = start_app(d)
    yield url
    stop_app(proc)


def test_a_whole_tour_gives_each_step_its_time_and_each_map_step_its_map(browser, fast_tour):
    """From a first load, round the whole tour: each step on screen for its stated time (within
    SHORT_BY_S / LONG_BY_S: they ran 20-29 s for 20), counted for a map step from when its map is
    there (the step waits for its map: it was blank 14 s into its 20 s), and the map shown to the
    step's end."""
    from ccdash.data.tour import CLOSING_SECONDS

    tab = Page(browser)
    page = tab.page
    page.goto(f"{fast_tour}/?tour=1&lang=en")
    page.evaluate(TOUR_WATCH)

    def titles() -> list[tuple[int, str]]:  # (when it appeared, title), one per step shown
        out: list[tuple[int, str]] = []
        for f in page.evaluate("window.__steps"):
            if f["title"] and (not out or out[-1][1] != f["title"]):
                out.append((f["t"], f["title"]))
        return out

    # Six steps (five and the closing slide), then the first again: every step seen start to end.
    poll(titles, lambda ts: len(ts) >= 8, every_s=1)
    frames, shown = page.evaluate("window.__steps"), titles()
    assert len(shown) >= 8, shown
    # The map code was fetched while the first step showed, not when the first map arrived (that
    # took the first map step 1 s of its time on this machine).
    fetched = page.evaluate(MAP_CODE_FETCHED)
    assert fetched and min(fetched) < shown[1][0], (fetched, shown[:2])
    for (start, title), (end, _) in itertools.pairwise(shown[1:8]):
        wanted = CLOSING_SECONDS if title == "Thank you" else TOUR_STEP_S
        if title in MAP_STEPS:  # the step waits for its map: it is whole once the map is there
            with_map = [f["t"] for f in frames if start <= f["t"] < end and f["map"]]
            assert with_map, title
            start = with_map[0]
            # Then shown to its end: the last frame with the map at most half a second before the
            # next title (its length is the step's own, checked below; a map gone early left the
            # step blank for seconds).
            assert (end - with_map[-1]) / 1000 <= 0.5, (title, (end - with_map[-1]) / 1000)
        lasted = (end - start) / 1000
        # The server counts a step from when it has sent it; the browser then builds a map step's
        # map (a new WebGL context, drawn in software here), which the server cannot see and which
        # took up to 1.1 s under CI's load. So a step may look up to SHORT_BY_S short, never more;
        # and never more than LONG_BY_S long (the bugs were seconds: 20-29 s for 20, blank 14 s).
        assert -SHORT_BY_S <= lasted - wanted <= LONG_BY_S, (title, lasted, wanted)
    assert tab.errors == []
    tab.close()


VIEW_FITS = """() => { const v = document.querySelector('[class*=st-key-wall_view_]');
  return v.scrollHeight <= v.clientHeight + 2; }"""


def test_wall_fills_any_screen_without_a_scale_parameter(browser, app_url, screenshot_dir):
    """The browser says how large the screen is and the wall scales to it: 4K is filled, 1366x768 keeps the
    clock on one line and the ticker on screen, and no view's panel is clipped."""
    heights = {}
    for w, h, name in ((1920, 1080, "wall"), (3840, 2160, "wall-4k"), (1366, 768, "wall-1366")):
        tab = Page(browser, w, h)
        page = tab.goto(f"{app_url}/?mode=wall&view=overview&lang=en")
        page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas")
        value = page.locator("[data-testid=stMetricValue]").first
        minimum = {1920: 56, 3840: 112}.get(w, 38)
        # The size arrives from the browser a run later: until then the wall is drawn at scale 1.
        px = poll(
            lambda value=value: float(
                value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            ),
            lambda px, w=w, minimum=minimum: px >= minimum if w >= 1920 else px < 60,
        )
        tab.settle()
        page.screenshot(path=str(screenshot_dir / f"{name}.png"))
        # Readable from 5 m: KPI digits of at least 56 px on 1080p (about 2.8 cm on a 55" screen).
        assert px >= {1920: 56, 3840: 112}.get(w, 38), px
        heights[name] = page.locator("[data-testid=stDeckGlJsonChart]").first.bounding_box()[
            "height"
        ]
        ticker = page.locator(".st-key-wall_ticker").bounding_box()
        assert ticker["y"] + ticker["height"] <= h + 2, (
            ticker
        )  # the ticker on screen, nothing below it
        clock = page.locator(".st-key-wall_clock")
        line = float(clock.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert clock.bounding_box()["height"] < 1.8 * line, (
            w,
            clock.bounding_box(),
        )  # one line, not wrapped
        assert page.evaluate(VIEW_FITS), f"the view's panel is clipped at {w}x{h}"
        # Each item in its level's colour (the demo's planted flood is HIGH, the SLA items WATCH), in one line.
        colour = {
            lvl: page.locator(f".st-key-wall_ticker .ccdash-level-{lvl}").first.evaluate(
                "e => getComputedStyle(e).color"
            )
            for lvl in ("high", "watch")
        }
        assert colour == {"high": "rgb(255, 122, 26)", "watch": "rgb(255, 224, 138)"}, colour
        assert (
            page.locator(".st-key-wall_ticker .ccdash-level-high")
            .first.inner_text()
            .startswith("▲▲ HIGH · since ")
        )
        for view in ("complaints", "cctv", "wifi", "alerts"):  # every view's panel fits as well
            page = tab.goto(f"{app_url}/?mode=wall&view={view}&lang=en")
            fits = poll(
                lambda page=page: page.evaluate(VIEW_FITS), bool
            )  # once scaled to the screen
            assert fits, f"the {view} panel is clipped at {w}x{h}"
        assert tab.errors == []
        tab.close()
    assert (
        heights["wall-4k"] >= 1.9 * heights["wall"]
    )  # the map grows with the screen, not just the type
    assert heights["wall-1366"] <= 0.75 * heights["wall"]


BOTTOM = """() => Math.max(...[...document.querySelectorAll(
  '[data-testid=stMainBlockContainer] [data-testid=stElementContainer]')].filter(e => e.offsetParent)
  .map(e => e.getBoundingClientRect().bottom))"""


@pytest.mark.parametrize("w, h", [(1920, 1080), (1366, 768)])
def test_every_tour_step_fills_the_screen_and_nothing_falls_off_it(browser, app_url, w, h):
    tab = Page(browser, w, h)
    for step in range(1, 7):
        page = tab.goto(f"{app_url}/?tour=1&step={step}&lang=en", wait_for=".st-key-tour_title")
        bottom = poll(lambda page=page: page.evaluate(BOTTOM), lambda b: 0.78 * h <= b <= h + 2)
        assert 0.78 * h <= bottom <= h + 2, (
            step,
            bottom,
        )  # the panel reaches the foot of the screen, not past it
    assert tab.errors == []
    tab.close()


def test_tour_advances_with_the_keyboard(browser, app_url, screenshot_dir):
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?tour=1&lang=en", wait_for=".st-key-tour_title")
    assert (
        page.locator(".st-key-tour_title").inner_text().strip()
        == "Bandung Command Center in numbers"
    )
    page.screenshot(path=str(screenshot_dir / "tour.png"))
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.st-key-tour_title').innerText.includes('Where residents')"
    )
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "() => document.querySelector('.st-key-tour_title').innerText.includes('in numbers')"
    )
    assert tab.errors == []
    tab.close()


LABEL_OVERFLOW_JS = """() => [...document.querySelectorAll('[data-testid=stMetricLabel]')].map(label => {
  const box = label.closest('[data-testid=stMetric]').getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(label);
  const text = [...range.getClientRects()];
  return [label.innerText, Math.max(...text.map(r => r.right)) - box.right];
})"""


@pytest.mark.parametrize("w, h", [(1920, 1080), (1366, 768)])
def test_the_tours_tile_labels_are_whole(browser, app_url, w, h):
    """A tile's label with its window ("Median days to resolve · 23 Aug – 20 Nov 2026") wraps
    inside its tile instead of being cut."""
    tab = Page(browser, w, h)
    page = tab.goto(f"{app_url}/?tour=1&step=3&lang=en")
    overflow = page.evaluate(LABEL_OVERFLOW_JS)
    assert len(overflow) == 3 and all(past <= 1 for _, past in overflow), overflow
    assert tab.errors == []
    tab.close()


@pytest.mark.parametrize("w", [1920, 1366])
def test_the_desk_tile_labels_are_whole(browser, app_url, w):
    """The desk's tiles say their window too: each label wraps inside its tile, none is cut."""
    tab = Page(browser, w, 1000)
    page = tab.goto(f"{app_url}/complaints?lang=en")
    overflow = page.evaluate(LABEL_OVERFLOW_JS)
    assert len(overflow) >= 8 and all(past <= 1 for _, past in overflow), overflow
    assert any("Median days to resolve · " in label for label, _ in overflow)
    assert tab.errors == []
    tab.close()


def test_tour_pauses_with_the_space_bar(browser, app_url):
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?tour=1&lang=en", wait_for=".st-key-tour_title")
    bar = page.locator("[data-testid=stProgress]")

    def press_space_until(shown: str, button_now: str):
        """Space, once the page is quiet; again only if the page, quiet, still shows the button
        unpressed (a key press that lands before Streamlit binds the shortcut is lost)."""

        def done() -> bool:
            tab.settle()
            if shown in page.inner_text("body"):
                return True
            if page.locator(".st-key-tour_pause button").inner_text().split()[0] == button_now:
                page.keyboard.press("Space")
            return False

        assert poll(done, bool, every_s=1), f"Space never led to {shown!r}"

    press_space_until("paused (space to resume)", "Pause")
    assert (
        page.locator(".st-key-tour_pause button").inner_text().split()[0] == "Resume"
    )  # then its key hint
    # Whichever step it paused on (a slow first load may already have moved past the first step):
    # frozen there, the same step and the same bar.
    title = page.locator(".st-key-tour_title").inner_text().strip()
    width = bar.locator("[role=progressbar]").get_attribute("aria-valuenow")
    page.wait_for_timeout(3_000)  # a negative check: a slow machine cannot make it fail
    assert page.locator(".st-key-tour_title").inner_text().strip() == title
    assert bar.locator("[role=progressbar]").get_attribute("aria-valuenow") == width
    press_space_until("next in", "Resume")
    assert page.locator(".st-key-tour_pause button").inner_text().split()[0] == "Pause"
    assert tab.errors == []
    tab.close()


def test_soak_memory_stays_flat(browser, fast_wall):
    """Rotate for minutes; the server's RSS after warm-up may not grow past the stated bound."""
    proc, url, _ = fast_wall
    tab = Page(browser)
    tab.goto(f"{url}/?mode=wall&lang=en")
    samples, titles = [], set()
    start = time.time()
    tick = 0
    while time.time() - start < SOAK_SECONDS:
        tab.page.wait_for_timeout(
            1000
        )  # titles every second: a 5 s period would alias with the 20 s cycle
        titles.add(wall_title(tab.page))
        tick += 1
        if tick % 5 == 0:
            samples.append((time.time() - start, rss_mb(proc.pid)))
    after = [mb for t, mb in samples if t >= SOAK_WARMUP_SECONDS]
    base = after[0]
    growth = max(after[len(after) * 2 // 3 :]) - base
    print(
        f"soak: {len(samples)} samples over {SOAK_SECONDS}s, RSS {base:.0f} MB after warm-up, "
        f"growth {growth:+.1f} MB, views seen {len(titles)}"
    )
    assert len(titles) == 5  # every view came round
    assert growth <= SOAK_GROWTH_LIMIT_MB, samples
    assert tab.page.locator("[data-testid=stException]").count() == 0
    assert tab.errors == []
    tab.close()


def test_a_replaced_extract_shows_without_a_reload(browser, fast_wall):
    """Swap in a new complaints file while the wall runs: the tiles change within a refresh."""
    import pandas as pd

    from ccdash.data.files import write_parquet_atomic

    _, url, data = fast_wall
    tab = Page(browser)
    page = tab.goto(f"{url}/?mode=wall&view=overview&lang=en")
    tile = (
        page.locator("[data-testid=stMetric]")
        .filter(has_text="New today")
        .locator("[data-testid=stMetricValue]")
    )
    before = tile.inner_text().strip()
    original = (data / "complaints.parquet").read_bytes()
    c = wall_times(pd.read_parquet(data / "complaints.parquet"))  # the city's wall times
    latest = c.created_at.max().normalize()
    fewer = c[
        ~((c.created_at >= latest) & (c.kecamatan == "Coblong"))
    ]  # today's Coblong reports withdrawn
    expected = int((fewer.created_at >= latest).sum())
    try:
        write_parquet_atomic(
            fewer, data / "complaints.parquet", "complaints", timezone="Asia/Jakarta"
        )
        page.wait_for_function(
            "([want]) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m => "
            "m.innerText.includes('New today') && "
            "m.querySelector('[data-testid=stMetricValue]').innerText.trim() === want)",
            arg=[f"{expected:,}"],
        )
        assert f"{expected:,}" != before
        assert page.url.endswith("mode=wall&view=overview&lang=en")  # no reload, no navigation
    finally:
        (data / "complaints.parquet").write_bytes(original)
    assert tab.errors == []
    tab.close()


def test_space_on_a_focused_tour_button_presses_it(browser, app_url):
    """Space pauses the tour, but on a focused Next it presses Next (the keyboard user's expectation),
    and the tour keeps running."""
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?tour=1&step=1&lang=en", wait_for=".st-key-tour_title")
    first = page.locator(".st-key-tour_title").inner_text().strip()

    def pressed() -> bool:
        tab.settle()
        if page.locator(".st-key-tour_title").inner_text().strip() != first:
            return True
        page.locator(".st-key-tour_next button").focus()
        page.keyboard.press("Space")
        return False

    assert poll(pressed, bool, every_s=1)
    tab.settle()
    assert page.locator(".st-key-tour_pause button").inner_text().split()[0] == "Pause"
    assert "paused" not in page.inner_text("body")
    assert tab.errors == []
    tab.close()


def test_the_ticker_pages_through_every_alert_within_twenty_seconds(browser, app_url):
    """No marquee: the ticker shows as many alerts as its line holds and the next page by the clock, so
    every alert is on screen within 20 s (the marquee took up to 90 s to bring one round)."""
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?mode=wall&view=alerts&lang=en", wait_for=".st-key-wall_ticker")
    items = page.locator(".st-key-wall_ticker .ccdash-item")
    poll(lambda: items.count(), lambda n: n >= 2)
    texts = items.all_text_contents()
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.st-key-wall_ticker .ccdash-ticker')).animationName"
    ) in ("none", "")
    seen: set[str] = set()

    def look() -> bool:
        shown = page.evaluate(
            """() => [...document.querySelectorAll('.st-key-wall_ticker .ccdash-item')]
                 .filter(i => i.offsetParent !== null && i.getBoundingClientRect().right <= innerWidth)
                 .map(i => i.textContent)"""
        )
        seen.update(shown)
        return set(texts) <= seen

    # A page lasts 20 s / pages (at least 5 s); the deadline is generous for a loaded machine.
    assert poll(look, bool, every_s=0.5)
    assert tab.errors == []
    tab.close()


def test_the_ticker_keeps_its_place_from_view_to_view(browser, app_url):
    """The map's legend takes two lines on the overview and one under the cameras: a block of one
    height under every map keeps the countdown and the ticker where they are (they jumped 27 px)."""
    tab = Page(browser)
    places = {}
    for view in ("overview", "complaints", "cctv", "wifi", "alerts"):
        page = tab.goto(f"{app_url}/?mode=wall&view={view}&lang=en", wait_for=".st-key-wall_ticker")
        ticker = page.locator(".st-key-wall_ticker")
        poll(lambda ticker=ticker: ticker.bounding_box(), lambda box: box is not None)
        tab.settle()
        places[view] = round(ticker.bounding_box()["y"])
        legend = page.locator(".st-key-map_legend_block")
        assert legend.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), view  # nothing cut
    assert max(places.values()) - min(places.values()) <= 1, places
    assert tab.errors == []
    tab.close()


def test_the_pause_buttons_key_is_named_in_the_readers_language(browser, app_url):
    """Streamlit names the shortcut "Space" in English beside "Jeda"; the tour shows "Spasi" instead."""
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?tour=1&lang=id", wait_for=".st-key-tour_pause kbd")
    kbd = page.locator(".st-key-tour_pause kbd")
    assert kbd.evaluate("e => getComputedStyle(e, '::after').content") == '"Spasi"'
    assert kbd.evaluate("e => getComputedStyle(e).fontSize") == "0px"  # the English one is not seen
    assert page.locator(".st-key-tour_pause p").inner_text() == "Jeda"
    tab.close()
