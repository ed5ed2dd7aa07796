"""The wall display (?mode=wall): rotates through the profile's playlist, redraws itself, shows alerts.

A panel that fails shows the operator one line, and is logged and counted (see public.guarded).
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime

import streamlit as st

from ..data import alert_log
from ..data import sources as live
from ..data.clock import city_time
from ..data.profile import data_dir
from ..metrics import alerts, cctv, complaints, wifi
from ..present import charts
from ..present.alert_text import alert_level, alert_line, ticker_html
from ..present.i18n import fmt_datetime, fmt_duration, fmt_num, fmt_range, problem_lines
from .playlist import due_view, playlist_for
from .public import (
    COUNTDOWN,
    STATIC,
    big,
    css,
    desk_window,
    guarded,
    kpi_row,
    private_map,
    reference_time,
    safe_run,
    scale,
    top_bar,
)
from .screen import read_scale
from .state import Context, get_store
from .widgets import cctv_tiles, plot, wifi_tiles

MAP_PX = (
    610  # the map's height at scale 1; the view's column gets as much, so nothing below them moves
)
VIEW_PX = MAP_PX + 80
ALERT_LINES = 3  # alerts in the alerts view's panel (a sentence each, two lines on a 1080p wall)
OFFLINE_LINES = 6  # silent cameras in the CCTV view's panel (one line each)
WALL_AGENCIES = 5  # agencies on the wall's chart: the lowest on-time rates
SIDE_PX = 300  # a chart under the view's tiles: with them, no taller than VIEW_PX (nothing clipped)


def side_overview(ctx: Context, at: datetime) -> None:
    days30 = desk_window(at, 30)
    st.text(ctx.t("wall.last_30", window=fmt_range(days30.start, days30.end, ctx.lang)))
    trend = safe_run(
        complaints.daily_trend,
        "complaints",
        days30,
        at,
        key="trend",
    )
    fig = charts.trend(
        trend, ctx.t("chart.daily"), ctx.t("chart.mean_7d"), "", height=SIDE_PX, lang=ctx.lang
    )
    plot(ctx, big(fig), key="wall_trend", **STATIC)


def side_complaints(ctx: Context, at: datetime) -> None:
    """On-time by agency, every agency labelled (the view is named after them); the week's top
    categories in one line of text above it."""
    week = desk_window(at, 7)
    top = safe_run(complaints.count_by, "complaints", week, "category", at, 3, key="top7")
    st.text(
        ctx.t("wall.top_7d", window=fmt_range(week.start, week.end, ctx.lang))
        + ": "
        + " · ".join(
            f"{ctx.label('category', v)} {fmt_num(n, ctx.lang)}"
            for v, n in zip(top.value, top.complaints)
        )
    )
    f = desk_window(at)
    sc = safe_run(complaints.agency_scorecard, "complaints", f, at, key="score")
    # The worst few, large enough to read from 5 m, whatever the number of agencies; the rest
    # counted in the same line as the title (a line more would push the panel past the screen).
    scored = sc.dropna(subset=["on_time_pct"]).sort_values("on_time_pct")
    worst = scored.head(WALL_AGENCIES)
    window = fmt_range(f.start, f.end, ctx.lang)
    if len(sc) > len(worst):
        st.text(ctx.t("wall.on_time_lowest", n=len(worst), total=len(sc), window=window))
    else:
        st.text(ctx.t("wall.on_time_by_agency", window=window))
    fig = big(
        charts.hbar(
            worst,  # the lowest rate on top
            "on_time_pct",
            "agency",
            height=SIDE_PX - 95,
            color="#2ecc71",
            text_fmt=lambda v: fmt_num(v, ctx.lang, 0) + "%",
        )
    )
    fig.update_yaxes(dtick=1, tickfont=dict(size=18 * scale()))  # every agency named, none skipped
    # Values readable from 5 m: Plotly would shrink text inside a bar to a few pixels.
    fig.update_traces(
        textfont=dict(size=18 * scale()), textposition="inside", insidetextanchor="end"
    )
    fig.update_layout(uniformtext=dict(minsize=int(16 * scale()), mode="show"))
    plot(ctx, fig, key="wall_score", **STATIC)


def side_cctv(ctx: Context, at: datetime) -> None:
    silent = ctx.profile.cctv_silent_hours
    st.text(ctx.t("cctv.offline_help", hours=fmt_num(silent, ctx.lang)))
    off = safe_run(cctv.not_reporting, "cctv_sites", at, silent, key="offline").head(OFFLINE_LINES)
    lines = [f"{fmt_duration(h, ctx.lang):>8}  {n}" for n, h in zip(off.name, off.hours_since_seen)]
    st.container(key="wall_alerts").text("\n".join(lines) or "–")


def side_wifi(ctx: Context, at: datetime) -> None:
    st.text(ctx.t("wifi.users"))
    usage = safe_run(wifi.users_by_month, "wifi_usage")
    if usage.empty:  # a city without usage figures: one line, not empty axes
        st.text(ctx.t("wifi.no_usage"))
    else:
        plot(
            ctx,
            big(charts.line(usage, "month", "users", "", height=SIDE_PX, lang=ctx.lang)),
            key="wall_users",
            **STATIC,
        )


def side_alerts(ctx: Context, at: datetime, items) -> None:
    """The worst alerts, as many as the panel holds; the ticker carries every one."""
    shown = items[:ALERT_LINES]
    more = (
        [
            ctx.t(
                "wall.more_alerts",
                n=fmt_num(len(items) - len(shown), ctx.lang),
                count=len(items) - len(shown),
            )
        ]
        if len(items) > len(shown)
        else []
    )
    lines = shown + more if items else [ctx.t("alert.none")]
    start = spikes_start(ctx, at)
    if start is not None:  # young data: say when spikes can first be told from an ordinary day
        days = alerts.min_history(alerts.settings(ctx.profile))
        lines.append(
            ctx.t("alert.starts", when=fmt_datetime(start, ctx.lang), days=days, count=days)
        )
    st.container(key="wall_alerts").text("\n".join(lines))


def spikes_start(ctx: Context, at: datetime) -> datetime | None:
    """When spike alerts start, while that is still ahead (the data is younger than they need)."""
    if not ctx.profile.has("complaints"):
        return None
    first = safe_run(alerts.first_complaint, "complaints", at, key="first")
    start = alerts.alerts_start(first, alerts.settings(ctx.profile))
    return start if start is not None and start > at else None


def tiles_complaints(ctx: Context, at: datetime) -> None:
    f = desk_window(at)
    kpi_row(ctx, safe_run(complaints.kpis, "complaints", f, at, key="kpis"), f)


def tiles_cctv(ctx: Context, at: datetime) -> None:
    cctv_tiles(ctx, safe_run(cctv.summary, "cctv_sites", at, ctx.profile.cctv_silent_hours))


def tiles_wifi(ctx: Context, at: datetime) -> None:
    wifi_tiles(ctx, safe_run(wifi.summary, "wifi_points", (), ctx.profile.wifi_fast_mbps))


# Every view has the same regions: tiles, a map on the left, a panel on the right.
PANELS = {
    "overview": side_overview,
    "complaints": side_complaints,
    "cctv": side_cctv,
    "wifi": side_wifi,
}
TILES = {
    "overview": tiles_complaints,
    "complaints": tiles_complaints,
    "alerts": tiles_complaints,
    "cctv": tiles_cctv,
    "wifi": tiles_wifi,
}
MAP_LAYERS = {
    "overview": ("hex", "districts"),
    "complaints": ("districts",),
    "cctv": ("cctv",),
    "wifi": ("wifi",),
    "alerts": ("hex",),
}


def view_parts(profile, view: str) -> tuple[str, str]:
    """(tiles, panel) of a view: a city without complaints fills the overview and alerts views with
    its cameras (or its wifi), never with complaint tiles that could only read 0."""
    if profile.has("complaints") or view in ("cctv", "wifi"):
        return view, view
    own = "cctv" if profile.has("cctv") else "wifi"
    return own, own


def current_alerts(ctx: Context, at: datetime) -> list[tuple[str, str, tuple[str, ...]]]:
    """The ticker's items, worst first: (level, line, districts), each line with its level and since
    when it holds, and the districts it names (the alerts view marks them on the map). First-seen times and acknowledgements are the data folder's (ccdash.data.alert_log), so
    every reload, restart and replica agrees; an acknowledged alert leaves the ticker until it
    grows or rises a level."""
    cfg = tuple(sorted(alerts.settings(ctx.profile).items()))
    found = safe_run(alerts.active_alerts, "complaints", at, cfg, key="alerts")
    now = city_time(ctx.profile)
    try:
        shown = alerts.episodes(data_dir(), found, now)[0]
    except OSError:  # a read-only data folder: this screen's own memory, no acknowledgements
        seen = st.session_state.setdefault("_alert_first_seen", {})
        shown = [
            alerts.Episode(a, i, seen.setdefault(i, now), alert_level(a), False)
            for a, i in ((a, alerts.alert_id(a)) for a in found)
        ]
    items = []
    for e in shown:
        if e.silenced:
            continue
        when = since_text(e.first_seen, now, ctx.lang)
        places = [x.key.get("kecamatan") for x in (e.alert, *e.alert.parts)]
        districts = tuple(dict.fromkeys(p for p in places if p))
        items.append((e.level, alert_line(e.alert, ctx.lang, ctx.label, when), districts))
    return items


def since_text(since: datetime, now: datetime, lang: str) -> str:
    """A start time as the ticker says it: the clock alone today, the date too before."""
    return f"{since:%H:%M}" if since.date() == now.date() else fmt_datetime(since, lang)


def late_sources(ctx: Context) -> list[str]:
    """One ticker line per live source that is late: its name, since when and why (a translated
    reason: never an address, a path or a secret). A sources file that cannot be read gives none
    here (the Data page and `sync` say why)."""
    try:
        health = live.source_health(data_dir(), datetime.now(UTC)) or []
    except live.SourcesError:  # the Data page and `sync` say why; the wall shows the data
        health = []
    now = city_time(ctx.profile)
    lines = []
    for h in health:
        if h.late:
            since = city_time(ctx.profile, h.since) if h.since else None
            when = since_text(since, now, ctx.lang) if since else "–"
            reason = ctx.t(f"source.{h.reason}") if h.reason else ""
            lines.append(ctx.t("wall.source_late", name=h.name, since=when, reason=reason))
    return lines


def render_wall(ctx: Context) -> None:
    state = st.session_state
    run = state.setdefault(
        "_full_run", {}
    )  # a plain dict: changing it later needs no Streamlit call
    run["active"] = True
    try:
        _draw_wall(ctx, state)
    finally:
        # Also when Streamlit stops this run half-way (a rerun request on a busy machine): a flag left True
        # kept the 1-second clock from ever advancing the wall again (found by the soak: frozen after 20 min).
        run["active"] = False


def _draw_wall(ctx: Context, state) -> None:
    read_scale()
    css()
    playlist = state._playlist = playlist_for(ctx.profile)
    pinned = st.query_params.get("view")
    state._pinned = pinned if pinned in [v for v, _ in playlist] else None
    started = time.monotonic()
    shown = state.get("wall_index")
    idx = due_view(
        playlist, shown, state.get("wall_ends"), started, state.get("wall_lead", 0.0), state._pinned
    )
    view = playlist[idx][0]
    at = reference_time(ctx)
    top_bar(ctx, ctx.t("wall.title"), at, "wall_clock")
    store = get_store()
    # Fixed regions, so that a view change never shows two views at once: the banner's slot is always
    # there; everything that belongs to a view (its name, tiles and panel) sits in one container keyed by
    # the view, which the browser swaps whole; the map keeps one slot and one key on the left, so the
    # browser updates its layers in place instead of building a new map (1-4 s, a WebGL context each time).
    with st.container(key="wall_banner"):
        if (
            store.problems
        ):  # what is wrong, never where on the server; "last good" only if there was one
            had = "at" in st.session_state.get("_last_good", {})
            what = "; ".join(problem_lines(store.problems, ctx.lang))
            st.error(ctx.t("wall.banner" if had else "wall.banner_none", items=what), icon="⚠️")
    items = guarded(ctx, "ticker", current_alerts, ctx, at) or []
    state._rendered_alerts = alert_log.version(data_dir())  # the check redraws when the log moves
    marked = tuple(dict.fromkeys(d for _, _, ds in items for d in ds)) if view == "alerts" else ()
    map_col, view_col = st.columns([3, 2])
    # The view's name and tiles first, its map after: the name is what says the view has changed, and
    # it then shows within a fraction of a second of the countdown's 0 (after the map it came 0.3-1.2 s late).
    with (
        view_col,
        st.container(key=f"wall_view_{view}", height=int(VIEW_PX * scale()), border=False),
    ):
        st.container(key="wall_view_title").text(ctx.t(f"wall.view.{view}"))
        if idx != shown or "wall_ends" not in state:
            # The view is on screen from now: its time starts here, and what it took to get here is how
            # early the next change is asked for. Kept only once drawn: a run stopped before this point
            # leaves the last view's record, and the next run draws this view again.
            drawn = time.monotonic()
            state.wall_index, state.wall_ends = idx, drawn + playlist[idx][1]
            state.wall_lead = drawn - started
        tiles, panel = view_parts(ctx.profile, view)
        with st.container(key="wall_tiles"):
            guarded(ctx, f"{view}.tiles", TILES[tiles], ctx, at)
        if view == "alerts":
            guarded(ctx, "alerts", side_alerts, ctx, at, [line for _, line, _ in items])
        else:
            guarded(ctx, view, PANELS[panel], ctx, at)
    with map_col, st.container(key="wall_map_slot"):
        guarded(
            ctx,
            f"{view}.map",
            private_map,
            ctx,
            at,
            tuple(x for x in MAP_LAYERS[view] if ctx.profile.shows(x))
            or tuple(x for x in ("cctv", "wifi") if ctx.profile.shows(x)),
            MAP_PX,
            1080,
            "wall_map",
            marked,
        )
    nxt = playlist[(idx + 1) % len(playlist)][0]
    if state._pinned:
        st.caption(ctx.t("wall.pinned"))
    else:  # a countdown the page's clock script ticks: "next: CCTV in 17 s"
        mark = "\x00"
        text = html.escape(ctx.t("wall.next_in", view=ctx.t(f"wall.view.{nxt}"), s=mark))
        left = max(0.0, state.wall_ends - time.monotonic())
        end_ms = int((time.time() + left) * 1000)
        st.html(
            f'<p class="ccdash-next">{text.replace(mark, COUNTDOWN % (end_ms, int(left)))}</p>',
            unsafe_allow_javascript=True,
        )
    # A late source leads the ticker: the fixed layout keeps its place, and it is seen first.
    ticker = [("watch", line) for line in late_sources(ctx)]
    ticker += [(level, line) for level, line, _ in items]
    st.container(key="wall_ticker").html(ticker_html(ticker, ctx.t("alert.none")))
    state._rendered_at = time.monotonic()
    state._rendered_version = store.refresh()
