"""What the wall and the tour share: big dark type, screen scale, private maps, last good data, the top bar.

Privacy on both: no complaint free text, no personal data, hexagons under k complaints hidden.
Only static CSS is written as HTML; every data value goes through text elements.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from .. import memory
from ..data import alert_log
from ..data.clock import city_time, reference_now
from ..data.profile import data_dir
from ..metrics import cctv, complaints, wifi
from ..metrics.filters import DEFAULT_WINDOW_DAYS, Filters, default_window
from ..metrics.registry import Query
from ..present import maps
from ..present.i18n import fmt_datetime, fmt_duration, fmt_num, fmt_pct, fmt_range
from .access import kiosk_revoked
from .playlist import CHECK_EVERY_S, due_view, head_start, playlist_for
from .state import Context, get_store, newest_record, run, stale
from .widgets import city_geojson, legend_lines

log = logging.getLogger(__name__)
PANEL_FAILURES: Counter = (
    Counter()
)  # panel -> failures since the process started, every session together

WALL_CSS = """
<style>
/* No ghosts: Streamlit fades the last run's elements while a run draws (0.5 s on); a screen that
   redraws itself on a timer keeps them at full strength until their replacement arrives. */
.stApp [data-stale=true] { opacity: 1 !important; transition: none !important; }
[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl], [data-testid=stHeader],
[data-testid=stToolbar], [data-testid=stDecoration], footer { display: none !important; }
.stApp, [data-testid=stAppViewContainer], [data-testid=stMain] { background: #000 !important; }
[data-testid=stMainBlockContainer] { padding: 0.6rem 1.6rem 0 1.6rem !important; max-width: 100% !important; }
html { font-size: 19px; }
.st-key-screen_size { display: none; }
.stApp, .stApp p, .stApp span { color: #f5f7fa; }
.stApp [data-testid=stBaseButton-primary] p, .stApp [data-testid=stBaseButton-primary] kbd {
  color: #111 !important; }  /* 9:1 on the orange */
[data-testid=stMetricLabel], [data-testid=stMetricLabel] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }  /* a label wraps, never cut */
.stApp [data-testid=stText] { font-size: 1.35rem; }
[data-testid=stMetricValue] { font-size: 3.2rem !important; font-weight: 700; line-height: 1.1; }
[data-testid=stMetricLabel] p { font-size: 1.25rem !important; color: #c9d1d9 !important; }
[data-testid=stMetricDelta] { font-size: 1.1rem !important; }
.st-key-wall_clock, .st-key-tour_clock { font-size: 2.4rem; font-weight: 700; text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; color: #f5f7fa; line-height: 1.1; }
.st-key-wall_clock p, .st-key-tour_clock p, .ccdash-clock { line-height: 1.1; margin: 0; }
.ccdash-next { font-size: 1rem; color: #c9d1d9; margin: 0; font-variant-numeric: tabular-nums; }
.st-key-wall_title [data-testid=stText] { font-size: 2.1rem; font-weight: 700; }
.st-key-wall_view_title [data-testid=stText] { font-size: 2.1rem; font-weight: 700; color: #ffb020 !important; }
.st-key-wall_tiles [data-testid=stHorizontalBlock] { flex-wrap: wrap; row-gap: 0.4rem; }
.st-key-wall_tiles [data-testid=stColumn] { flex: 1 1 45% !important; min-width: 45% !important; }
.st-key-wall_badge [data-testid=stText] { font-size: 1.2rem; text-align: right; }
.st-key-wall_stale [data-testid=stText] { font-size: 1.5rem; font-weight: 800; color: #000 !important;
  background: #ff453a; padding: 0.2rem 0.6rem; border-radius: 0.3rem; text-align: center; }
.st-key-wall_synthetic [data-testid=stText], .st-key-wall_synthetic [data-testid=stText] * {
  font-size: 1.1rem; color: #ffb020 !important; }
.st-key-map_legend_block { overflow: hidden !important; }
.st-key-map_legend_block [data-testid=stVerticalBlock] { gap: 0.1rem; }
.st-key-wall_ticker { overflow: hidden; border-top: 2px solid #ffb020; padding-top: 0.3rem; }
.st-key-wall_ticker .ccdash-ticker { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font-size: 1.6rem; margin: 0; }
.st-key-wall_ticker .ccdash-item { margin-right: 3rem; }
.st-key-wall_ticker .ccdash-ticker[data-page]::before { content: attr(data-page); color: #c9d1d9;
  margin-right: 1.2rem; font-variant-numeric: tabular-nums; }
.st-key-wall_ticker .ccdash-level-high { color: #ff7a1a; font-weight: 800; }
.st-key-wall_ticker .ccdash-level-watch, .st-key-wall_ticker .ccdash-level-none { color: #ffe08a; }
.st-key-wall_alerts [data-testid=stText] { font-size: 1.45rem; line-height: 1.45; white-space: pre-wrap; }
.st-key-tour_caption [data-testid=stText] { font-size: 1.7rem; line-height: 1.45; white-space: pre-wrap; }
.st-key-tour_title [data-testid=stText] { font-size: 2.4rem; font-weight: 800; }
.st-key-tour_closing [data-testid=stMetricValue] { font-size: 4.6rem !important; line-height: 1.05; }
.st-key-tour_closing [data-testid=stMetricLabel] p { white-space: normal !important; }
.st-key-tour_closing [data-testid=stMetric] { padding-bottom: 1.5rem; }
.st-key-tour_glossary [data-testid=stText] { font-size: 1.1rem; color: #c9d1d9 !important; }
[data-testid=stProgress] p { font-size: 1.1rem !important; }
</style>
"""
BIG_FONT = 20


def scale() -> float:
    """Size factor of this screen (2 on a 3840x2160 wall, fitted by screen.read_scale): maps, charts and type
    grow together."""
    return st.session_state.get("_scale", 1.0)


def css() -> None:
    st.markdown(WALL_CSS, unsafe_allow_html=True)  # static CSS only: no data in it
    if scale() != 1:  # a number we parsed and clamped, never text from the URL
        st.markdown(
            f"<style>html {{ font-size: {19 * scale():.0f}px !important; }}</style>",
            unsafe_allow_html=True,
        )


def big(fig):
    """Type, margins and height for the screen's scale; axis labels make room for themselves."""
    m = 10 * scale()
    fig.update_layout(
        font=dict(size=BIG_FONT * scale()),
        margin=dict(l=m, r=m, t=m, b=m),
        height=(fig.layout.height or 400) * scale(),
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


STATIC: dict[str, Any] = {
    "config": {"staticPlot": True},
    "theme": None,
}  # wall charts: no hover, our own type sizes


def safe_run(query: Query, table: str, *args, key: str | None = None, **kwargs):
    """run(), but while `table`'s file cannot be read the last good result is kept on screen."""
    store = get_store()
    store.refresh()
    good = st.session_state.setdefault("_last_good", {})
    k = key or query.name
    if table in store.problems and k in good:
        return good[k]
    result = run(query, *args, **kwargs)
    if table not in store.problems:
        good[k] = result
    return result


def reference_time(ctx: Context) -> datetime:
    """`now` for the panels; the last good one while the complaints file is unreadable."""
    store = get_store()
    store.refresh()
    good = st.session_state.setdefault("_last_good", {})
    if "complaints" in store.problems and "at" in good:
        return good["at"]
    if "complaints" not in store.problems:
        good["at"] = ctx.at
    return ctx.at


def desk_window(at: datetime, days: int = DEFAULT_WINDOW_DAYS) -> Filters:
    """The window the desk pages open on (metrics.filters.default_window: the last 90 days of data),
    for the same numbers on the desk, the wall and the tour under every clock; `days` for the wall's
    shorter panels, ending on the same day."""
    span = safe_run(complaints.filter_options, "complaints", key="options")
    return default_window(span.get("date_min"), span.get("date_max"), at.date(), days)


def kpi_row(ctx: Context, k: dict, f: Filters) -> None:
    """The wall's tiles: the desk's stock tiles and its on-time rate, each saying its window."""
    c = st.columns(4)
    c[0].metric(ctx.t("kpi.new_today"), fmt_num(k["new_today"], ctx.lang))
    c[1].metric(ctx.t("kpi.open_backlog"), fmt_num(k["open_backlog"], ctx.lang))
    c[2].metric(ctx.t("kpi.overdue_now"), fmt_num(k["overdue_now"], ctx.lang))
    c[3].metric(
        ctx.t("kpi.on_time_rate", window=fmt_range(f.start, f.end, ctx.lang)),
        fmt_pct(k["on_time_rate"], ctx.lang),
    )


def private_map(
    ctx: Context,
    at: datetime,
    layers: tuple[str, ...],
    height: int,
    width: int = 1100,
    key: str | None = None,
    marked: tuple[str, ...] = (),
) -> None:
    """Map for public screens: hexagons under k complaints hidden, no free text anywhere; the
    `marked` districts (those the alerts name) outlined on top."""
    k_min = int(ctx.profile.threshold("k_anonymity", 5))
    deck_layers = []
    geo = city_geojson(ctx)
    if "districts" in layers and ctx.profile.has_population():
        per = safe_run(complaints.by_kecamatan, "complaints", Filters(), at, key="by_kec")
        per = per.assign(label=[f"{fmt_num(v, ctx.lang, 1)} / 10k" for v in per.per_10k])
        deck_layers.append(maps.districts_layer(geo, per, "per_10k", pickable=False))
    else:
        deck_layers.append(maps.districts_layer(geo, None, pickable=False))
    if "hex" in layers:
        hexes = safe_run(
            complaints.hex_density,
            "complaints",
            desk_window(at, 30),
            at,
            res=8,
            min_count=k_min,
            key="hex",
        )
        deck_layers.append(maps.hex_layer(hexes))
    if "cctv" in layers:
        deck_layers.append(
            maps.points_layer(
                safe_run(cctv.sites, "cctv_sites"), "view_radius_m", layer_id="cctv", min_px=4
            )
        )
    if "wifi" in layers:
        deck_layers.append(
            maps.points_layer(
                safe_run(wifi.points, "wifi_points"), "coverage_radius_m", layer_id="wifi", min_px=3
            )
        )
    if marked:
        deck_layers.append(maps.marked_districts_layer(geo, marked))
    bounds = (
        maps.geojson_bounds(geo) or ctx.profile.bbox
    )  # the city whole in its panel, whatever the screen
    deck = maps.deck(deck_layers, ctx.profile, frame=(bounds, width * scale(), height * scale()))
    st.pydeck_chart(deck, height=int(height * scale()), key=key)
    # The legend's lines differ by view (two for the overview, one for the cameras): a block of one
    # height under every map, so the countdown and the ticker below never move when the view changes.
    # One caption, the credit on its last line: no view needs more than three lines.
    lines = legend_lines(ctx, layers) + ([ctx.t("legend.marked")] if marked else [])
    if ctx.profile.attribution:
        lines = [*lines[:-1], " · ".join([*lines[-1:], ctx.profile.attribution])]
    with st.container(key="map_legend_block", height=int(LEGEND_PX * scale()), border=False):
        if lines:
            st.caption("  \n".join(lines))


LEGEND_PX = 96  # the legend block under a public screen's map at scale 1: three caption lines and the credit


STALE_CSS = (
    "<style>.stApp [data-testid=stMetricValue], .stApp [data-testid=stMetricDelta], "
    ".stApp [data-testid=stPlotlyChart], .stApp [data-testid=stDeckGlJsonChart] "
    "{ opacity: 0.45; }</style>"
)


def top_bar(ctx: Context, title: str, at: datetime, key: str) -> None:
    store = get_store()
    c = st.columns([6, 3, 1, 2], vertical_alignment="center")
    with c[0]:
        st.container(key="wall_title").text(f"{ctx.profile.name} · {title}")
        if ctx.profile.synthetic:
            st.container(key="wall_synthetic").text(ctx.t("app.synthetic"))
    with c[1]:
        newest = (
            newest_record(ctx.profile)
            if "complaints" not in store.problems
            else st.session_state.get("_last_good", {}).get("at")
        )
        if newest is None:
            st.container(key="wall_stale").text(ctx.t("wall.no_data"))
        elif stale(ctx.profile, newest):
            age_h = (reference_now(ctx.profile, newest) - newest).total_seconds() / 3600
            st.container(key="wall_stale").text(
                ctx.t(
                    "wall.stale",
                    age=fmt_duration(age_h, ctx.lang),
                    when=fmt_datetime(newest, ctx.lang),
                )
            )
            # Old numbers must not read as today's: every tile and chart dimmed.
            st.markdown(STALE_CSS, unsafe_allow_html=True)  # static CSS only: no data in it
        else:
            st.container(key="wall_badge").text(
                ctx.t("wall.as_of", when=fmt_datetime(newest, ctx.lang))
            )
    with c[3]:
        clock(ctx, key)


CLOCK_JS = """<span class="ccdash-clock" data-tz=%(tz)s data-label=%(label)s>%(now)s</span>
<script>
if (!window.__ccdashClock) {
  // The clock ticks in the browser: a server rerun every second grew a wall's server by ~70 MB an hour.
  window.__ccdashClock = setInterval(() => {
    for (const el of document.querySelectorAll('.ccdash-clock')) {
      const t = new Intl.DateTimeFormat('en-GB', {timeZone: el.dataset.tz, hour: '2-digit', minute: '2-digit',
                                                 second: '2-digit', hourCycle: 'h23'}).format(new Date());
      el.textContent = t + ' ' + el.dataset.label;
    }
    for (const el of document.querySelectorAll('.ccdash-countdown')) {
      el.textContent = Math.max(0, Math.round((Number(el.dataset.end) - Date.now()) / 1000));
    }
    // The ticker pages instead of scrolling: as many alerts as the line holds, the next page every
    // 20 s / pages (at least 5 s), by the clock, so a redraw of the screen never restarts it.
    for (const t of document.querySelectorAll('.ccdash-ticker')) {
      const items = [...t.querySelectorAll('.ccdash-item')];
      if (!items.length) continue;
      items.forEach(i => { i.style.display = 'inline'; i.style.fontSize = ''; });
      delete t.dataset.page;
      const room = t.clientWidth - 80, pages = [];
      let page = [], used = 0;
      for (const it of items) {
        const w = it.getBoundingClientRect().width + 48;
        if (page.length && used + w > room) { pages.push(page); page = []; used = 0; }
        page.push(it); used += w;
      }
      pages.push(page);
      const period = Math.max(5000, 20000 / pages.length);
      const n = Math.floor(Date.now() / period) %% pages.length;
      items.forEach(i => { i.style.display = 'none'; });
      pages[n].forEach(i => { i.style.display = 'inline'; });
      // An alert longer than the whole line (a long camera name, a date in "since") is set smaller
      // to fit, down to 0.6 of the size, rather than cut off at the screen's edge.
      const own = pages[n][0], w = own.getBoundingClientRect().width;
      if (pages[n].length === 1 && w > room) own.style.fontSize = Math.max(0.6, room / w) + 'em';
      if (pages.length > 1) t.dataset.page = (n + 1) + '/' + pages.length;
    }
  }, 1000);
}
if (!window.__ccdashMapCode) {
  // Streamlit loads its map code (deck.gl, 3 MB of JS) when a map first arrives, and on a loaded
  // screen that took the first map step a second of its time: fetched and compiled here instead,
  // while the first screen shows. The same address as Streamlit's own import: one module.
  const main = document.querySelector('script[type=module][src*="/js/index."]');
  window.__ccdashMapCode = main && Promise.all(%(map_code)s.map(
    (f) => import(new URL(f, main.src).href).catch(() => null)));
}
</script>"""


MAP_CODE = ("DeckGlJsonChart.*.js", "webgl-device.*.js", "webgl.*.js")


@functools.cache
def map_code_json() -> str:
    """The file names of Streamlit's map code, as a JSON list for CLOCK_JS (none found: an empty list,
    and the map code loads when the first map arrives, as it would anyway)."""
    js = Path(st.__file__).parent / "static" / "static" / "js"
    names = sorted(
        p.name for pattern in MAP_CODE for p in js.glob(pattern)
    )  # the chart, and the WebGL device it imports when its first map is drawn
    return json.dumps(names).replace("<", "\\u003c")  # file names, and still never a closing tag


COUNTDOWN = '<span class="ccdash-countdown" data-end="%d">%d</span>'  # seconds to a deadline, ticked by CLOCK_JS


def clock(ctx: Context, key: str) -> None:
    """The city's time, ticking in the browser; and a check on the server only when something may be due:
    the next view, the next step, the refresh interval, new data: each within CHECK_EVERY_S of due."""
    now = city_time(ctx.profile)
    with st.container(key=key):
        # The zone is a name the profile's schema checked; both values are escaped attribute values.
        st.html(
            CLOCK_JS
            % {
                "tz": '"' + html.escape(ctx.profile.timezone, quote=True) + '"',
                "label": '"' + html.escape(ctx.profile.timezone_label, quote=True) + '"',
                "now": html.escape(f"{now:%H:%M:%S} {ctx.profile.timezone_label}"),
                "map_code": map_code_json(),
            },
            unsafe_allow_javascript=True,
        )

    @st.fragment(run_every=CHECK_EVERY_S)
    def check():
        memory.trim()  # a screen that redraws all day hands freed memory back once a minute
        _maybe_advance(ctx)

    check()


def _maybe_advance(ctx: Context) -> None:
    """From the 1-second clock: rerun the whole screen when the view, the data or the interval is due."""
    state = st.session_state
    if state.get("_full_run", {}).get("active", True):
        return  # the whole screen is being drawn right now; only the clock's own reruns decide
    if kiosk_revoked():  # the whole run then refuses the link and stops the screen
        st.rerun(scope="app")

    version = get_store().refresh()
    due = (
        time.monotonic() - state.get("_rendered_at", time.monotonic())
        >= ctx.profile.wall_refresh_seconds
    )
    if "wall_index" in state:
        # An alert begun, ended or acknowledged (on any replica: the log is in the data folder).
        due = due or alert_log.version(data_dir()) != state.get("_rendered_alerts")
        idx = due_view(
            playlist_for(ctx.profile),
            state.wall_index,
            state.get("wall_ends"),
            time.monotonic(),
            state.get("wall_lead", 0.0),
            state.get("_pinned"),
        )
        changed = idx != state.wall_index
    else:
        # render_tour advances; its rule, with the same lead as the wall's views
        changed = step_due(state.get("_tour_seconds", float("inf")))
    if changed or due or version != state.get("_rendered_version"):
        st.rerun(scope="app")


def step_due(seconds: float) -> bool:
    """Whether the shown step's time is up, less the lead (what drawing a step took last time, at most
    MAX_LEAD_S and half the step: playlist.head_start). A paused step is never due."""
    state = st.session_state
    if state.get("tour_paused") is not None:
        return False
    return tour_elapsed() >= seconds - head_start(state.get("_tour_lead", 0.0), seconds)


def tour_elapsed() -> float:
    """Seconds the tour's current step has been shown (frozen while the presenter has paused it)."""
    paused = st.session_state.get("tour_paused")
    if paused is not None:
        return paused
    return time.monotonic() - st.session_state.get("tour_started", time.monotonic())


def guarded(ctx: Context, name: str, draw, *args):
    """Draw one panel. A failure shows the operator one line; it is logged and counted (per process and
    in the session's `_panel_failures`) so that tests fail on it."""
    try:
        return draw(*args)
    except Exception:
        log.exception("panel %r failed", name)
        PANEL_FAILURES[name] += 1
        st.session_state.setdefault("_panel_failures", Counter())[name] += 1
        st.warning(ctx.t("wall.panel_failed"), icon="⚠️")
        return None
