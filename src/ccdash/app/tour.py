"""The visitor tour (?tour=1): the city's story in captioned steps, on a timer or by the presenter's keys."""

from __future__ import annotations

import json
import time
from datetime import datetime

import streamlit as st

from ..data.schema import COMPLAINT_STATUSES
from ..data.tour import (
    CLOSING_SECONDS,
    TOUR_VIEWS,
    TourStep,
    default_tour,
    glossary_for,
    load_glossary,
    load_tour,
)
from ..metrics import cctv, complaints, wifi
from ..metrics.filters import Filters
from ..present import charts
from ..present.i18n import chain, fmt_num, fmt_pct, fmt_range, language_name, languages, pick
from .public import (
    STATIC,
    big,
    css,
    desk_window,
    guarded,
    kpi_row,
    private_map,
    reference_time,
    safe_run,
    step_due,
    top_bar,
    tour_elapsed,
)
from .screen import read_scale
from .state import Context, get_store
from .widgets import cctv_tiles, plot, wifi_tiles

PANEL_PX = 860  # the right-hand panel's height at scale 1: from under the top bar to the foot of a 1080 px screen


def _tour_move(delta: int, n: int) -> None:
    state = st.session_state
    state.tour_step = (state.get("tour_step", 0) + delta) % n
    state.tour_started = time.monotonic()
    state._step_fresh = True  # its clock starts again once it is drawn (_draw_tour)
    if state.get("tour_paused") is not None:  # paused stays paused, at the start of the new step
        state.tour_paused = 0.0


def _toggle_pause() -> None:
    """Space or the button: freeze the step's countdown, or let it run on from where it stopped."""
    state = st.session_state
    if state.get("tour_paused") is None:
        state.tour_paused = tour_elapsed()
    else:
        state.tour_started = time.monotonic() - state.tour_paused
        state.tour_paused = None


def _switch_language(lang: str) -> None:
    st.session_state.lang = lang
    st.query_params["lang"] = lang


def tour_closing(ctx: Context, at: datetime) -> None:
    """The last slide: the three numbers a delegation takes home (a city without complaints: its
    cameras' and wifi points' tiles)."""
    if not ctx.profile.has("complaints"):
        with st.container(key="tour_closing"):
            if ctx.profile.has("cctv"):
                cctv_tiles(
                    ctx, safe_run(cctv.summary, "cctv_sites", at, ctx.profile.cctv_silent_hours)
                )
            if ctx.profile.has("wifi"):
                wifi_tiles(
                    ctx, safe_run(wifi.summary, "wifi_points", (), ctx.profile.wifi_fast_mbps)
                )
        return
    f = desk_window(at)
    k = safe_run(complaints.kpis, "complaints", f, at, key="closing_kpis")
    win = fmt_range(f.start, f.end, ctx.lang)
    # What a delegation takes home, in one row: how much comes in, how promptly it is answered, how
    # fast it is resolved; under it the days those numbers come from (the whole panel, no empty half).
    with st.container(key="tour_closing"):
        c = st.columns(3)
        c[0].metric(ctx.t("kpi.received", window=win), fmt_num(k["received"], ctx.lang))
        c[1].metric(ctx.t("kpi.on_time_rate", window=win), fmt_pct(k["on_time_rate"], ctx.lang))
        c[2].metric(
            ctx.t("kpi.median_days", window=win),
            fmt_num(k["median_days_to_resolve"], ctx.lang, 1),
        )
    trend = safe_run(complaints.daily_trend, "complaints", f, at, key="closing_trend")
    fig = charts.trend(
        trend, ctx.t("chart.daily"), ctx.t("chart.mean_7d"), "", height=380, lang=ctx.lang
    )
    plot(ctx, big(fig), key="tour_closing_trend", **STATIC)


def tour_journey(ctx: Context, at: datetime) -> None:
    """How complaints travel: counts per lifecycle status over the last 90 days, and the on-time rate."""
    f = desk_window(at)
    by = safe_run(complaints.count_by, "complaints", f, "status", at, key="journey")
    # A complaint's journey, read top to bottom: new first, the two endings last (hbar draws the
    # first row on top).
    by = by.set_index("value").reindex(list(COMPLAINT_STATUSES)).fillna(0).reset_index()
    by = by.assign(label=[ctx.label("status", v) for v in by["value"]])
    k = safe_run(complaints.kpis, "complaints", f, at, key="journey_kpis")
    win = fmt_range(f.start, f.end, ctx.lang)
    c = st.columns(3)
    c[0].metric(ctx.t("kpi.received", window=win), fmt_num(k["received"], ctx.lang))
    c[1].metric(ctx.t("kpi.on_time_rate", window=win), fmt_pct(k["on_time_rate"], ctx.lang))
    c[2].metric(
        ctx.t("kpi.median_days", window=win), fmt_num(k["median_days_to_resolve"], ctx.lang, 1)
    )
    st.text(ctx.t("tour.journey"))
    plot(
        ctx,
        big(
            charts.hbar(
                by,
                "complaints",
                "label",
                height=PANEL_PX - 260,
                text_fmt=lambda v: fmt_num(v, ctx.lang),
            )
        ),
        key="tour_journey",
        **STATIC,
    )


def tour_headline(ctx: Context, at: datetime) -> None:
    f = desk_window(at)
    kpi_row(ctx, safe_run(complaints.kpis, "complaints", f, at, key="kpis"), f)
    trend = safe_run(complaints.daily_trend, "complaints", f, at, key="trend90")
    plot(
        ctx,
        big(
            charts.trend(
                trend,
                ctx.t("chart.daily"),
                ctx.t("chart.mean_7d"),
                "",
                height=PANEL_PX - 140,
                lang=ctx.lang,
            )
        ),
        key="tour_trend",
        **STATIC,
    )


def tour_cctv(ctx: Context, at: datetime) -> None:
    private_map(ctx, at, ("cctv",), PANEL_PX - 240)
    cov = safe_run(cctv.complaints_in_view, "complaints", Filters(), at, "category", key="cov")
    share = cov.in_view.sum() / cov.complaints.sum() if len(cov) else None
    st.metric(ctx.t("cctv.integration"), fmt_pct(share, ctx.lang))


RENDERERS = {
    "headline": tour_headline,
    "map": lambda ctx, at: private_map(
        ctx, at, ("hex",), PANEL_PX - 110
    ),  # hexagons over the outlines: what the caption says
    "journey": lambda ctx, at: tour_journey(ctx, at),
    "cctv": tour_cctv,
    "wifi": lambda ctx, at: private_map(ctx, at, ("wifi",), PANEL_PX - 110),
    "closing": tour_closing,
}


def _progress(ctx: Context, i: int, n: int, seconds: float) -> None:
    """The step's countdown as a bar, redrawn every second (paused: frozen, and says so)."""

    @st.fragment(run_every=1.0)
    def bar():
        done = tour_elapsed()
        paused = st.session_state.get("tour_paused") is not None
        text = (
            ctx.t("tour.paused", i=i, n=n)
            if paused
            else ctx.t("tour.next_in", i=i, n=n, s=fmt_num(max(0, round(seconds - done)), ctx.lang))
        )
        st.progress(min(1.0, done / seconds) if seconds else 1.0, text=text)

    bar()


# Space pauses the tour, except on a focused button: there Space presses that button (Next, Back), as
# every keyboard user expects. Caught before Streamlit's own shortcut listener sees the key.
FOCUSED_SPACE_JS = """<style>.st-key-tour_keys { display: none; }</style>
<script>
if (!window.__ccdashFocusedSpace) {
  window.__ccdashFocusedSpace = true;
  const guard = (e) => {
    if (e.key !== " " && e.code !== "Space") return;
    const el = document.activeElement;
    if (el && el.closest && el.closest("button, a, input, textarea, select, [role=button]")) {
      e.stopImmediatePropagation();
    }
  };
  window.addEventListener("keydown", guard, true);
  window.addEventListener("keyup", guard, true);
}
</script>"""


def render_tour(ctx: Context) -> None:
    read_scale()
    css()
    # Streamlit writes the key's English name ("Space") beside the pause button's translated label:
    # shown in the reader's language instead (a catalog string as a CSS string: no quote or tag in it).
    space = json.dumps(ctx.t("tour.key_space"), ensure_ascii=False).replace("<", "\\3C ")
    key_name = (
        f"<style>.st-key-tour_pause kbd {{ font-size: 0 !important; }}"
        f".st-key-tour_pause kbd::after {{ content: {space}; font-size: 0.8rem; }}</style>"
    )
    with st.container(key="tour_keys"):  # fixed code and a catalog string: no data in it
        st.html(FOCUSED_SPACE_JS + key_name, unsafe_allow_javascript=True)
    if (
        ctx.profile.tour_file is None
    ):  # no captions of the city's own: the default story from its data
        steps = default_tour(
            lambda view, part: {
                ctx.lang: ctx.t(f"tour.default.{view}.{part}", city=ctx.profile.name)
            },
            tuple(v for v in TOUR_VIEWS if ctx.profile.shows(v)),
        )
    else:
        try:
            steps = load_tour(ctx.profile.tour_file)
            glossary = load_glossary(ctx.profile.tour_file)
        except (ValueError, OSError) as e:
            st.error(ctx.t("tour.error", error=str(e)))
            return
    if ctx.profile.tour_file is None:
        glossary = {}
    steps = [
        *steps,
        TourStep(
            "closing",
            CLOSING_SECONDS,
            {ctx.lang: ctx.t("tour.closing_title")},
            {
                ctx.lang: ctx.t(
                    "tour.closing" if ctx.profile.has("complaints") else "tour.closing_plain",
                    city=ctx.profile.name,
                )
            },
        ),
    ]
    state = st.session_state
    run = state.setdefault(
        "_full_run", {}
    )  # a plain dict: changing it later needs no Streamlit call
    run["active"] = True
    try:
        _draw_tour(ctx, state, steps, glossary)
    finally:  # as on the wall: an interrupted run must not leave the clock unable to advance
        run["active"] = False


def _draw_tour(ctx: Context, state, steps, glossary: dict) -> None:
    n = len(steps)
    if "tour_step" not in state:
        raw = st.query_params.get("step")
        # isdecimal and isascii: "²" or "٣" are digits to str.isdigit but not to int()
        state.tour_step = (
            (int(raw) - 1) % n if raw and raw.isascii() and raw.isdecimal() and int(raw) >= 1 else 0
        )
        state.tour_started = time.monotonic()
        state._step_fresh = True
    started = time.monotonic()
    if step_due(steps[state.tour_step % n].seconds):  # the timer ran out: next step
        _tour_move(1, n)
    step = steps[state.tour_step % n]
    state._tour_seconds = step.seconds
    at = reference_time(ctx)
    top_bar(ctx, ctx.t("wall.tour"), at, "tour_clock")
    left, right = st.columns([2, 3])
    with left:
        title, caption = pick(step.title, ctx.lang), pick(step.caption, ctx.lang)
        st.container(key="tour_title").text(title)
        st.container(key="tour_caption").text(caption)
        # The clock's zone (WIB) is explained once, on the first step, not on every slide.
        zone = [ctx.profile.timezone_label] if state.tour_step % n == 0 else []
        terms = glossary_for([title, caption, *zone], glossary, chain(ctx.lang))
        if terms:  # jargon on this screen, explained in one line
            st.container(key="tour_glossary").text(
                " · ".join(f"{term}: {meaning}" for term, meaning in terms)
            )
        _progress(ctx, state.tour_step % n + 1, n, step.seconds)
        b = st.columns(3)
        b[0].button(
            ctx.t("tour.back"),
            key="tour_back",
            shortcut="Left",
            on_click=_tour_move,
            args=(-1, n),
            width="stretch",
        )
        paused = state.get("tour_paused") is not None
        b[1].button(
            ctx.t("tour.resume" if paused else "tour.pause"),
            key="tour_pause",
            shortcut="Space",
            on_click=_toggle_pause,
            width="stretch",
        )
        b[2].button(
            ctx.t("tour.next"),
            key="tour_next",
            shortcut="Right",
            on_click=_tour_move,
            args=(1, n),
            type="primary",
            width="stretch",
        )
        offered = languages(ctx.profile)
        other = (
            offered[(offered.index(ctx.lang) + 1) % len(offered)]
            if ctx.lang in offered
            else offered[0]
        )
        st.button(
            language_name(other),
            key="tour_lang",
            shortcut="L",
            on_click=_switch_language,
            args=(other,),
            type="tertiary",
        )
    with right:
        guarded(ctx, f"tour.{step.view}", RENDERERS[step.view], ctx, at)
    state._rendered_at = time.monotonic()
    state._rendered_version = get_store().refresh()
    # A step's time counts from when it is on screen: the seconds its maps took to compute are not
    # taken from it (a first load spent up to 14 s of a 20 s map step drawing it). What the drawing
    # took is how early the next step is asked for, so that it is on screen when this one's time is up.
    if state.pop("_step_fresh", False):
        state._tour_lead = time.monotonic() - started
        if state.get("tour_paused") is None:
            state.tour_started = time.monotonic()
