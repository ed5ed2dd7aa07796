"""The wall display (?mode=wall) and the visitor tour (?tour=1): hands-free, large, private.

Privacy on both: no complaint free text, no personal data, hexagons under k complaints hidden.
Only static CSS is written as HTML; every data value goes through text elements.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from . import alerts, charts, maps
from .display import alert_sentence, is_stale, load_tour, rotation
from .filters import Filters
from .i18n import fmt_datetime, fmt_num, fmt_pct
from .ui import Context, get_store, q
from .views import city_geojson, plot

WALL_CSS = """
<style>
[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl], [data-testid=stHeader],
[data-testid=stToolbar], [data-testid=stDecoration], footer { display: none !important; }
.stApp, [data-testid=stAppViewContainer], [data-testid=stMain] { background: #000 !important; }
[data-testid=stMainBlockContainer] { padding: 0.6rem 1.6rem 0 1.6rem !important; max-width: 100% !important; }
html { font-size: 19px; }
@media (min-width: 2500px) { html { font-size: 36px; } }
.stApp, .stApp p, .stApp span { color: #f5f7fa; }
.stApp [data-testid=stText] { font-size: 1.35rem; }
[data-testid=stMetricValue] { font-size: 3.2rem !important; font-weight: 700; line-height: 1.1; }
[data-testid=stMetricLabel] p { font-size: 1.25rem !important; color: #c9d1d9 !important; }
[data-testid=stMetricDelta] { font-size: 1.1rem !important; }
.st-key-wall_clock [data-testid=stText], .st-key-tour_clock [data-testid=stText] {
  font-size: 2.4rem; font-weight: 700; text-align: right; font-variant-numeric: tabular-nums; }
.st-key-wall_title [data-testid=stText] { font-size: 2.1rem; font-weight: 700; }
.st-key-wall_badge [data-testid=stText] { font-size: 1.2rem; text-align: right; }
.st-key-wall_stale [data-testid=stText] { font-size: 1.5rem; font-weight: 800; color: #000 !important;
  background: #ff453a; padding: 0.2rem 0.6rem; border-radius: 0.3rem; text-align: center; }
.st-key-wall_synthetic [data-testid=stText], .st-key-wall_synthetic [data-testid=stText] * {
  font-size: 1.1rem; color: #ffb020 !important; }
.st-key-wall_ticker { overflow: hidden; border-top: 2px solid #ffb020; padding-top: 0.3rem; }
.st-key-wall_ticker [data-testid=stText], .st-key-wall_ticker [data-testid=stText] * {
  white-space: nowrap !important; color: #ffb020 !important; font-size: 1.6rem; }
.st-key-wall_ticker [data-testid=stText] { display: inline-block; width: max-content; max-width: none !important;
  padding-left: 100%; animation: ccdash-ticker 90s linear infinite; }
@keyframes ccdash-ticker { from { transform: translateX(0); } to { transform: translateX(-100%); } }
.st-key-wall_alerts [data-testid=stText] { font-size: 1.7rem; line-height: 1.5; white-space: pre-wrap; }
.st-key-tour_caption [data-testid=stText] { font-size: 1.7rem; line-height: 1.45; white-space: pre-wrap; }
.st-key-tour_title [data-testid=stText] { font-size: 2.4rem; font-weight: 800; }
</style>
"""
BIG_FONT = 20


def scale() -> float:
    """Size factor of this screen (?scale=2 on a 3840x2160 wall): maps, charts and type grow together."""
    return st.session_state.get("_scale", 1.0)


def _read_scale() -> None:
    try:
        st.session_state._scale = min(3.0, max(1.0, float(st.query_params.get("scale", 1))))
    except ValueError:
        st.session_state._scale = 1.0


def _css() -> None:
    st.markdown(WALL_CSS, unsafe_allow_html=True)  # static CSS only: no data in it
    if scale() > 1:  # a number we parsed and clamped, never text from the URL
        st.markdown(f"<style>html {{ font-size: {19 * scale():.0f}px !important; }}</style>", unsafe_allow_html=True)


def _big(fig):
    fig.update_layout(font=dict(size=BIG_FONT * scale()), margin=dict(l=10, r=10, t=10, b=10),
                      height=(fig.layout.height or 400) * scale())
    return fig


STATIC = {"config": {"staticPlot": True}, "theme": None}  # wall charts: no hover, our own type sizes


def city_now(ctx: Context) -> datetime:
    return datetime.now(ZoneInfo(ctx.profile.timezone)).replace(tzinfo=None)


def safe_q(name: str, table: str, *args, key: str | None = None, **kwargs):
    """q(), but while `table`'s file cannot be read the last good result is kept on screen."""
    store = get_store()
    store.refresh()
    good = st.session_state.setdefault("_last_good", {})
    k = key or name
    if table in store.problems and k in good:
        return good[k]
    result = q(name, *args, **kwargs)
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


def _kpis(ctx: Context, k: dict) -> None:
    c = st.columns(4)
    c[0].metric(ctx.t("kpi.new_today"), fmt_num(k["new_today"], ctx.lang))
    c[1].metric(ctx.t("kpi.open_backlog"), fmt_num(k["open_backlog"], ctx.lang))
    c[2].metric(ctx.t("kpi.overdue_now"), fmt_num(k["overdue_now"], ctx.lang))
    c[3].metric(ctx.t("kpi.on_time_rate"), fmt_pct(k["on_time_rate"], ctx.lang))


def private_map(ctx: Context, at: datetime, layers: tuple[str, ...], height: int, zoom_delta: float = -0.6) -> None:
    """Map for public screens: hexagons under k complaints hidden, no free text anywhere."""
    k_min = int(ctx.profile.threshold("k_anonymity", 5))
    deck_layers = []
    geo = city_geojson(ctx)
    if "districts" in layers:
        per = safe_q("by_kecamatan", "complaints", Filters(), at, key="by_kec")
        per = per.assign(label=[f"{fmt_num(v, ctx.lang, 1)} / 10k" for v in per.per_10k])
        deck_layers.append(maps.districts_layer(geo, per, "per_10k", pickable=False))
    else:
        deck_layers.append(maps.districts_layer(geo, None, pickable=False))
    if "hex" in layers:
        start = (at - timedelta(days=29)).date()
        hexes = safe_q("hex_density", "complaints", Filters(start=start), at, res=8, min_count=k_min, key="hex")
        deck_layers.append(maps.hex_layer(hexes))
    if "cctv" in layers:
        deck_layers.append(maps.points_layer(safe_q("cctv_sites", "cctv_sites"), "view_radius_m", layer_id="cctv",
                                             min_px=4))
    if "wifi" in layers:
        deck_layers.append(maps.points_layer(safe_q("wifi_points", "wifi_points"), "coverage_radius_m",
                                             layer_id="wifi", min_px=3))
    deck = maps.deck(deck_layers, ctx.profile, zoom=ctx.profile.zoom + zoom_delta + math.log2(scale()))
    st.pydeck_chart(deck, height=int(height * scale()))


# --- wall panels ------------------------------------------------------------------------------

def panel_overview(ctx: Context, at: datetime) -> None:
    _kpis(ctx, safe_q("complaint_kpis", "complaints", Filters(), at, key="kpis"))
    left, right = st.columns([3, 2])
    with left:
        private_map(ctx, at, ("hex", "districts"), 560)
    with right:
        st.text(ctx.t("wall.last_30"))
        trend = safe_q("daily_trend", "complaints", Filters(start=(at - timedelta(days=29)).date()), at, key="trend")
        fig = charts.trend(trend, ctx.t("chart.daily"), ctx.t("chart.mean_7d"), "", height=520, lang=ctx.lang)
        plot(ctx, _big(fig), key="wall_trend", **STATIC)


def panel_complaints(ctx: Context, at: datetime) -> None:
    left, right = st.columns(2)
    with left:
        st.text(ctx.t("wall.top_7d"))
        top = safe_q("count_by", "complaints", Filters(start=(at - timedelta(days=6)).date()), "category", at, 8,
                     key="top7")
        top = top.assign(label=[ctx.label("category", v) for v in top.value])
        plot(ctx, _big(charts.hbar(top, "complaints", "label", height=600)), key="wall_top",
                        **STATIC)
    with right:
        st.text(ctx.t("wall.on_time_by_agency"))
        sc = safe_q("agency_scorecard", "complaints", Filters(start=(at - timedelta(days=89)).date()), at, key="score")
        plot(ctx, _big(charts.hbar(sc.iloc[::-1], "on_time_pct", "agency", height=600, color="#2ecc71",
                                         text_fmt=lambda v: fmt_num(v, ctx.lang, 0) + "%")),
                        key="wall_score", **STATIC)


def panel_cctv(ctx: Context, at: datetime) -> None:
    s = safe_q("cctv_summary", "cctv_sites")
    c = st.columns(4)
    c[0].metric(ctx.t("chart.cameras"), fmt_num(s["cameras"], ctx.lang))
    c[1].metric(ctx.t("kpi.cctv_online"), fmt_pct((s["online_pct"] or 0) / 100, ctx.lang))
    c[2].metric(ctx.label("status", "offline"), fmt_num(s["offline"], ctx.lang))
    c[3].metric(ctx.label("status", "maintenance"), fmt_num(s["maintenance"], ctx.lang))
    left, right = st.columns([3, 2])
    with left:
        private_map(ctx, at, ("cctv",), 560)
    with right:
        st.text(ctx.t("cctv.offline"))
        off = safe_q("cctv_offline", "cctv_sites", at, key="offline").head(10)
        lines = [f"{h:>6.0f} h  {n}" for n, h in zip(off.name, off.hours_since_seen.fillna(0))]
        st.container(key="wall_alerts").text("\n".join(lines) or "–")


def panel_wifi(ctx: Context, at: datetime) -> None:
    s = safe_q("wifi_summary", "wifi_points")
    c = st.columns(4)
    c[0].metric(ctx.t("wifi.points"), fmt_num(s["points"], ctx.lang))
    c[1].metric(ctx.t("kpi.wifi_active"), fmt_num(s["active"], ctx.lang))
    c[2].metric(ctx.t("wifi.at_300"), fmt_pct(s["at_300"] / s["points"] if s["points"] else None, ctx.lang))
    c[3].metric(ctx.t("kpi.wifi_users"), fmt_num(s["users_last_month"], ctx.lang))
    left, right = st.columns([3, 2])
    with left:
        private_map(ctx, at, ("wifi",), 560)
    with right:
        st.text(ctx.t("wifi.users"))
        plot(ctx, _big(charts.line(safe_q("wifi_users_by_month", "wifi_usage"), "month", "users", "",
                                         height=520, lang=ctx.lang)), key="wall_users", **STATIC)


def panel_alerts(ctx: Context, at: datetime, items) -> None:
    st.container(key="wall_alerts").text("\n".join(f"▲ {x}" for x in items) if items else ctx.t("alert.none"))


PANELS = {"overview": panel_overview, "complaints": panel_complaints, "cctv": panel_cctv, "wifi": panel_wifi}


def current_alerts(ctx: Context, at: datetime) -> list[str]:
    cfg = tuple(sorted(alerts.settings(ctx.profile).items()))
    found = safe_q("active_alerts", "complaints", at, cfg, key="alerts")
    return [alert_sentence(a, ctx.lang, ctx.label) for a in found]


# --- the wall -----------------------------------------------------------------------------------

def _top_bar(ctx: Context, title: str, at: datetime, key: str) -> None:
    store = get_store()
    c = st.columns([6, 3, 1, 2], vertical_alignment="center")
    with c[0]:
        st.container(key="wall_title").text(f"{ctx.profile.name} · {title}")
        if ctx.profile.synthetic:
            st.container(key="wall_synthetic").text(ctx.t("app.synthetic"))
    with c[1]:
        newest = q("latest_complaint") if "complaints" not in store.problems else st.session_state.get(
            "_last_good", {}).get("at")
        clock_now = at if ctx.profile.clock == "data" else city_now(ctx)
        stale_h = float(ctx.profile.threshold("stale_hours", 24))
        if newest is None:
            st.container(key="wall_stale").text(ctx.t("wall.no_data"))
        elif is_stale(newest, clock_now, stale_h):
            st.container(key="wall_stale").text(ctx.t("wall.stale", when=fmt_datetime(newest, ctx.lang)))
        else:
            st.container(key="wall_badge").text(ctx.t("wall.as_of", when=fmt_datetime(newest, ctx.lang)))
    with c[3]:
        _clock(ctx, key)


def _clock(ctx: Context, key: str) -> None:
    @st.fragment(run_every=1.0)
    def tick():
        now = city_now(ctx)
        st.container(key=key).text(f"{now:%H:%M:%S} {ctx.profile.timezone_label}")
        _maybe_advance(ctx)

    tick()


def _maybe_advance(ctx: Context) -> None:
    """From the 1-second clock: rerun the whole screen when the view, the data or the interval is due."""
    state = st.session_state
    if state.get("_in_full_run", True):
        return  # the whole screen is being drawn right now; only the clock's own reruns decide

    version = get_store().refresh()
    due = time.monotonic() - state.get("_rendered_at", time.monotonic()) >= ctx.profile.wall_refresh_seconds
    if "wall_index" in state:
        idx, _ = rotation(ctx.profile.wall_playlist, time.monotonic() - state.wall_start, state.get("_pinned"))
        changed = idx != state.wall_index
    else:
        changed = _tour_elapsed() >= state.get("_tour_seconds", float("inf"))  # render_tour advances
    if changed or due or version != state.get("_rendered_version"):
        st.rerun(scope="app")


def render_wall(ctx: Context) -> None:
    _read_scale()
    _css()
    state = st.session_state
    state._in_full_run = True
    playlist = ctx.profile.wall_playlist
    pinned = st.query_params.get("view")
    state._pinned = pinned if pinned in [v for v, _ in playlist] else None
    state.setdefault("wall_start", time.monotonic())
    idx, left = rotation(playlist, time.monotonic() - state.wall_start, state._pinned)
    view = playlist[idx][0]
    state.wall_index = idx
    at = reference_time(ctx)
    _top_bar(ctx, ctx.t(f"wall.view.{view}"), at, "wall_clock")
    store = get_store()
    if store.problems:
        st.error(ctx.t("wall.banner", items="; ".join(store.problems.values())), icon="⚠️")
    items = []
    try:
        items = current_alerts(ctx, at)
        if view == "alerts":
            panel_alerts(ctx, at, items)
        else:
            PANELS[view](ctx, at)
    except Exception:  # a wall never shows a traceback; the banner says what is missing
        st.warning(ctx.t("wall.panel_failed"), icon="⚠️")
    nxt = playlist[(idx + 1) % len(playlist)][0]
    footer = ctx.t("wall.pinned") if state._pinned else ctx.t("wall.next_in", view=ctx.t(f"wall.view.{nxt}"),
                                                               s=int(left))
    st.caption(footer)
    st.container(key="wall_ticker").text("   •   ".join(items) if items else ctx.t("alert.none"))
    state._rendered_at = time.monotonic()
    state._rendered_version = store.refresh()
    state._in_full_run = False


# --- the tour -----------------------------------------------------------------------------------

def _tour_elapsed() -> float:
    return time.monotonic() - st.session_state.get("tour_started", time.monotonic())


def _tour_move(delta: int, n: int) -> None:
    st.session_state.tour_step = (st.session_state.get("tour_step", 0) + delta) % n
    st.session_state.tour_started = time.monotonic()


def tour_journey(ctx: Context, at: datetime) -> None:
    """How complaints travel: counts per lifecycle status over the last 90 days, and the on-time rate."""
    f = Filters(start=(at - timedelta(days=89)).date())
    by = safe_q("count_by", "complaints", f, "status", at, key="journey")
    order = ["new", "verified", "dispatched", "in_progress", "resolved", "rejected"]
    by = by.set_index("value").reindex(order).fillna(0).reset_index()
    by = by.assign(label=[ctx.label("status", v) for v in by["value"]])
    k = safe_q("complaint_kpis", "complaints", f, at, key="journey_kpis")
    c = st.columns(3)
    c[0].metric(ctx.t("kpi.total"), fmt_num(k["total"], ctx.lang))
    c[1].metric(ctx.t("kpi.on_time_rate"), fmt_pct(k["on_time_rate"], ctx.lang))
    c[2].metric(ctx.t("kpi.median_days"), fmt_num(k["median_days_to_resolve"], ctx.lang, 1))
    st.text(ctx.t("tour.journey"))
    plot(ctx, _big(charts.hbar(by.iloc[::-1], "complaints", "label", height=430,
                                     text_fmt=lambda v: fmt_num(v, ctx.lang))), key="tour_journey",
                    **STATIC)


def render_tour(ctx: Context) -> None:
    _read_scale()
    _css()
    try:
        steps = load_tour(ctx.profile.tour_file)
    except (ValueError, OSError) as e:
        st.error(ctx.t("tour.error", error=str(e)))
        return
    state = st.session_state
    state._in_full_run = True
    n = len(steps)
    if "tour_step" not in state:
        raw = st.query_params.get("step")
        state.tour_step = (int(raw) - 1) % n if raw and raw.isdigit() and int(raw) >= 1 else 0
        state.tour_started = time.monotonic()
    if _tour_elapsed() >= steps[state.tour_step % n].seconds:  # the timer ran out: next step
        _tour_move(1, n)
    step = steps[state.tour_step % n]
    state._tour_seconds = step.seconds
    at = reference_time(ctx)
    _top_bar(ctx, ctx.t("wall.tour"), at, "tour_clock")
    left, right = st.columns([2, 3])
    with left:
        st.container(key="tour_title").text(step.title[ctx.lang])
        st.container(key="tour_caption").text(step.caption[ctx.lang])
        st.caption(ctx.t("tour.step", i=state.tour_step % n + 1, n=n))
        b = st.columns(2)
        b[0].button(ctx.t("tour.back"), key="tour_back", shortcut="Left", on_click=_tour_move, args=(-1, n),
                    width="stretch")
        b[1].button(ctx.t("tour.next"), key="tour_next", shortcut="Right", on_click=_tour_move, args=(1, n),
                    type="primary", width="stretch")
    with right:
        try:
            if step.view == "headline":
                _kpis(ctx, safe_q("complaint_kpis", "complaints", Filters(), at, key="kpis"))
                trend = safe_q("daily_trend", "complaints", Filters(start=(at - timedelta(days=89)).date()), at,
                               key="trend90")
                plot(ctx, _big(charts.trend(trend, ctx.t("chart.daily"), ctx.t("chart.mean_7d"), "",
                                                  height=460, lang=ctx.lang)), key="tour_trend", **STATIC)
            elif step.view == "map":
                private_map(ctx, at, ("hex", "districts"), 640)
            elif step.view == "journey":
                tour_journey(ctx, at)
            elif step.view == "cctv":
                private_map(ctx, at, ("cctv",), 520)
                cov = safe_q("complaints_in_camera_view", "complaints", Filters(), at, "category", key="cov")
                share = cov.in_view.sum() / cov.complaints.sum() if len(cov) else None
                st.metric(ctx.t("cctv.integration"), fmt_pct(share, ctx.lang))
            elif step.view == "wifi":
                private_map(ctx, at, ("wifi",), 640)
        except Exception:  # a visitor never sees a traceback
            st.warning(ctx.t("wall.panel_failed"), icon="⚠️")
    state._rendered_at = time.monotonic()
    state._rendered_version = get_store().refresh()
    state._in_full_run = False
