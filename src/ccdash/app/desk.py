"""The desk pages: Overview, Complaints, CCTV, Public wifi. Each reads the context, runs named queries, draws."""

from __future__ import annotations

import streamlit as st

from ..metrics import cctv as cctv_q
from ..metrics import complaints as complaints_q
from ..metrics import wifi as wifi_q
from ..metrics.filters import to_query_params
from ..present import charts
from ..present.chart_text import describe_trend
from ..present.i18n import fmt_num, fmt_pct
from . import widgets
from .access import current
from .frame import header
from .lazy import drawn_now, section
from .state import Context, ahead, run
from .widgets import plot

# The Overview map opens on complaint hexagons over the district choropleth: the city's demand first.
OVERVIEW_LAYERS = ("hex", "districts")
LIST_ROWS = 1000  # the complaint list's newest rows (all of them in its download)


def daily_trend(ctx: Context, key: str) -> None:
    """The daily trend with its 7-day mean and its text alternative (Overview and Complaints)."""
    st.header(ctx.t("chart.trend"))
    trend = run(complaints_q.daily_trend, ctx.filters, ctx.at)
    labels = (ctx.t("chart.daily"), ctx.t("chart.mean_7d"), ctx.t("chart.complaints"))
    figure = charts.trend(trend, *labels, lang=ctx.lang)
    plot(ctx, figure, key=key, alt=describe_trend(trend, ctx.lang))


def overview_ahead(ctx: Context) -> list[tuple]:
    """The named queries the Overview runs, in its order, as it runs them (`state.ahead`): the tiles'
    last, as they are drawn."""
    f, at, profile = ctx.filters, ctx.at, ctx.profile
    calls: list[tuple] = []
    if profile.has("cctv"):
        calls.append((cctv_q.summary, at, profile.cctv_silent_hours, f.kecamatan))
    if profile.has("wifi"):
        calls.append((wifi_q.summary, f.kecamatan, profile.wifi_fast_mbps))
    layers = st.session_state.get("ov_layers", OVERVIEW_LAYERS)
    if "districts" in layers and profile.has_population() and profile.shows("districts"):
        calls.append((complaints_q.by_kecamatan, f, at))
    if "hex" in layers and profile.shows("hex"):
        calls.append((complaints_q.hex_density, f, at, {"res": 8, "min_count": 1}))
    if "cctv" in layers and profile.shows("cctv"):
        calls.append((cctv_q.sites, f.kecamatan))
    if "wifi" in layers and profile.shows("wifi"):
        calls.append((wifi_q.points, f.kecamatan))
    if profile.has("complaints") and drawn_now("ov_charts"):
        calls += [
            (complaints_q.daily_trend, f, at),
            (complaints_q.count_by, f.with_values(category=()), "category", at, 8),
        ]
    if profile.has("complaints"):
        calls.append((complaints_q.kpis, f, at))
    return calls


def overview(ctx: Context) -> None:
    """Overview (Ringkasan): the city at a glance."""
    ahead(overview_ahead(ctx))  # computed on the other core while the page draws
    header(ctx, "nav.overview")
    tiles = tiles_first(ctx)
    c = iter(st.columns(3))
    if ctx.profile.has(
        "cctv"
    ):  # a city without cameras ([layers] cctv = false) gets no camera tile
        cctv = run(cctv_q.summary, ctx.at, ctx.profile.cctv_silent_hours, ctx.filters.kecamatan)
        next(c).metric(
            ctx.t("kpi.cctv_online"),
            fmt_pct(None if cctv["online_pct"] is None else cctv["online_pct"] / 100, ctx.lang),
            help=ctx.t("kpi.cctv_online_help"),
        )
    if ctx.profile.has("wifi"):
        wifi = run(wifi_q.summary, ctx.filters.kecamatan, ctx.profile.wifi_fast_mbps)
        next(c).metric(
            ctx.t("kpi.wifi_active"),
            f"{fmt_num(wifi['active'], ctx.lang)} / {fmt_num(wifi['points'], ctx.lang)}",
        )
        next(c).metric(ctx.t("kpi.wifi_users"), fmt_num(wifi["users_last_month"], ctx.lang))

    st.header(ctx.t("map.title"))
    offered = [
        k
        for k in widgets.LAYERS
        if ctx.profile.shows(k) and (k != "districts" or ctx.profile.has_population())
    ]
    names = {k: ctx.t(f"map.{k}") for k in offered}
    layers = st.pills(
        ctx.t("map.layers"),
        offered,
        selection_mode="multi",
        default=[k for k in OVERVIEW_LAYERS if k in offered] or offered[:1],
        format_func=lambda layer: names[layer],
        key="ov_layers",
    )
    widgets.city_map(ctx, layers or [], key="ov_map")

    if ctx.profile.has("complaints"):  # below the map: drawn when the reader scrolls near
        section(ctx, "ov_charts", 520, lambda: overview_charts(ctx))
        tiles_last(ctx, tiles)


def tiles_first(ctx: Context):
    """The complaint tiles' place at the top of a page, filled last (`tiles_last`). It keeps their
    height while the page below is drawn (frame.set_document_language's style): nothing jumps down
    when they arrive."""
    return st.container(key="desk_tiles" if ctx.profile.has("complaints") else None)


def tiles_last(ctx: Context, tiles) -> None:
    """The complaint tiles, drawn into their place at the top after the rest of the page: their query
    (the page's costliest, several statements) is computed ahead while the page below is drawn,
    instead of the page waiting for it before drawing anything (45-60 ms a run at 1M complaints)."""
    with tiles:
        widgets.complaint_kpis(ctx, run(complaints_q.kpis, ctx.filters, ctx.at))


def overview_charts(ctx: Context) -> None:
    left, right = st.columns([2, 1])
    with left:
        daily_trend(ctx, key="ov_trend")
    with right:
        top = run(
            complaints_q.count_by, ctx.filters.with_values(category=()), "category", ctx.at, 8
        )
        widgets.clickable_bar(
            ctx,
            top,
            "category",
            "complaints",
            "ov_top",
            ctx.t("chart.top_categories"),
            height=360,
        )


def complaints_ahead(ctx: Context) -> list[tuple]:
    """The named queries the Complaints page runs, as it runs them (`state.ahead`): the first
    screen's, those of the sections drawn in this run, and the tiles' (drawn last), in the order the
    page needs them, but for the scorecard's: the costliest after the tiles' (several statements),
    it starts beside the trend's, to be ready when its section is drawn."""
    f, at = ctx.filters, ctx.at
    calls: list[tuple] = [(complaints_q.daily_trend, f, at)]
    if drawn_now("cp_score"):
        calls.append((complaints_q.agency_scorecard, f, at))
    if drawn_now("cp_breakdown"):
        calls += [
            (complaints_q.count_by, f.with_values(category=()), "category", at),
            (complaints_q.by_kecamatan, f.with_values(kecamatan=()), at),
            (complaints_q.category_by_kecamatan, f, at),
        ]
    if drawn_now("cp_maps"):
        calls.append((complaints_q.hex_density, f, at, {"res": 8, "min_count": 1}))
        if ctx.profile.has_population():
            calls.append((complaints_q.by_kecamatan, f, at))
    if drawn_now("cp_rows"):
        calls.append((complaints_q.complaint_rows, f, at, LIST_ROWS))
    return [*calls, (complaints_q.kpis, f, at)]


def complaints(ctx: Context) -> None:
    """Complaints (Pengaduan): filters, trend, heatmap, agency scorecard, hotspots, drill-down."""
    ahead(complaints_ahead(ctx))  # computed on the other core while the page draws
    header(ctx, "nav.complaints")
    st.caption(ctx.t("complaints.click_hint"))
    tiles = tiles_first(ctx)
    daily_trend(ctx, key="cp_trend")

    # Below the first screen, each section drawn when the reader scrolls near it.
    section(ctx, "cp_breakdown", 1000, lambda: complaint_breakdown(ctx))
    st.header(ctx.t("complaints.scorecard"))
    section(
        ctx,
        "cp_score",
        400,
        lambda: widgets.table(
            ctx, run(complaints_q.agency_scorecard, ctx.filters, ctx.at), key="cp_score"
        ),
    )
    section(ctx, "cp_maps", 620, lambda: complaint_maps(ctx))
    st.header(ctx.t("complaints.table"))
    section(ctx, "cp_rows", 480, lambda: complaint_list(ctx))
    tiles_last(ctx, tiles)


def complaint_breakdown(ctx: Context) -> None:
    """Counts by category, rates by district (both click to filter) and the category x district heatmap."""
    left, right = st.columns(2)
    with left:
        widgets.clickable_bar(
            ctx,
            run(complaints_q.count_by, ctx.filters.with_values(category=()), "category", ctx.at),
            "category",
            "complaints",
            "cp_cat",
            ctx.t("filters.category"),
        )
    with right:
        per = run(complaints_q.by_kecamatan, ctx.filters.with_values(kecamatan=()), ctx.at).rename(
            columns={"kecamatan": "value"}
        )
        if not ctx.profile.has_population():  # a rate needs residents: said, not drawn
            st.header(ctx.t("chart.per_10k"))
            widgets.missing_inputs(ctx, "population")
        else:
            widgets.clickable_bar(
                ctx,
                per,
                "kecamatan",
                "per_10k",
                "cp_kec",
                ctx.t("chart.per_10k"),
                text_fmt=lambda v: fmt_num(v, ctx.lang, 1),
                color="#4cc9f0",
            )
    st.header(ctx.t("chart.heatmap"))
    heat = widgets.labelled(ctx, run(complaints_q.category_by_kecamatan, ctx.filters, ctx.at))
    plot(
        ctx,
        charts.heatmap(heat, "kecamatan", "category", "complaints", ctx.t("chart.complaints")),
        key="cp_heat",
    )


def complaint_maps(ctx: Context) -> None:
    """Hotspot hexagons beside the district choropleth (a district clicked filters the page)."""
    left, right = st.columns(2)
    with left:
        st.header(ctx.t("complaints.hotspots"))
        widgets.city_map(ctx, ["hex"], key="cp_hex", height=460, zoom=ctx.profile.zoom - 0.6)
    with right:
        st.header(ctx.t("complaints.choropleth"))
        widgets.city_map(
            ctx,
            ["districts"],
            key="cp_choro",
            height=460,
            selectable=True,
            zoom=ctx.profile.zoom - 0.6,
        )


def complaint_list(ctx: Context) -> None:
    """The newest 1,000 complaints of the filter (never the reporter) and the download of all of them."""
    who = current()
    if not who.sees_rows:  # the server sends no row: said in one line
        st.info(ctx.t("access.rows_need_role", role=ctx.t(f"access.role_{who.role}")))
        return
    rows = widgets.labelled(ctx, run(complaints_q.complaint_rows, ctx.filters, ctx.at, LIST_ROWS))
    total = run(complaints_q.kpis, ctx.filters, ctx.at)["total"]  # the tiles' (one answer)
    st.caption(
        ctx.t(
            "complaints.showing", shown=fmt_num(len(rows), ctx.lang), total=fmt_num(total, ctx.lang)
        )
    )
    widgets.table(ctx, rows, key="cp_rows", height=420)
    filters, at = ctx.filters, ctx.at
    widgets.csv_download(
        ctx,
        ctx.t("complaints.download"),
        lambda: run(complaints_q.complaint_rows, filters, at, None),
        "complaints_filtered.csv",
        "cp_download",
        audit={"page": "complaints", "filters": to_query_params(filters)},
    )


def cctv(ctx: Context) -> None:
    """CCTV: camera status on the map, online share, offline list, and complaints a camera could verify."""
    kec = ctx.filters.kecamatan  # cameras follow the district filter
    header(ctx, "nav.cctv")
    if widgets.missing_inputs(ctx, "cctv_sites"):
        return

    s = run(cctv_q.summary, ctx.at, ctx.profile.cctv_silent_hours, kec)
    widgets.cctv_tiles(ctx, s)

    st.header(ctx.t("cctv.map"))
    widgets.city_map(ctx, ["cctv"], key="cc_map")

    # below the map: drawn when the reader scrolls near
    section(ctx, "cc_status", 820, lambda: camera_status(ctx))

    if not ctx.profile.has("complaints"):  # a camera-only city: nothing to verify against
        return
    st.header(ctx.t("cctv.integration"))
    st.caption(ctx.t("cctv.integration_help"))
    section(ctx, "cc_integration", 480, lambda: camera_integration(ctx))


def camera_status(ctx: Context) -> None:
    """Online share by district, status by kind and the cameras not reporting."""
    kec = ctx.filters.kecamatan
    left, right = st.columns(2)
    with left:
        byk = run(cctv_q.by_kecamatan, kec).rename(columns={"kecamatan": "value"})
        st.header(ctx.t("cctv.by_kecamatan"))
        if byk.online_pct.isna().all():  # every status unknown: one line, not empty bars
            st.info(ctx.t("need.statuses"), icon="ℹ️")
        else:
            plot(
                ctx,
                charts.hbar(
                    byk.sort_values("online_pct", ascending=False),
                    "online_pct",
                    "value",
                    x_title=ctx.t("chart.online_pct"),
                    color="#2ecc71",
                    text_fmt=lambda v: fmt_num(v, ctx.lang, 0) + "%",
                ),
                key="cc_byk",
            )
    with right:
        st.header(ctx.t("cctv.by_kind"))
        kinds = run(cctv_q.by_kind, kec)
        kinds = kinds.assign(kind_label=[ctx.label("kind", k) for k in kinds.kind])
        plot(
            ctx,
            charts.stacked(
                kinds,
                "kind_label",
                "status",
                "cameras",
                charts.STATUS,
                {s: ctx.label("status", s) for s in kinds.status.unique()},
                y_title=ctx.t("chart.cameras"),
            ),
            key="cc_kind",
        )
        st.header(ctx.t("cctv.offline"))
        st.caption(
            ctx.t("cctv.offline_help", hours=fmt_num(ctx.profile.cctv_silent_hours, ctx.lang))
        )
        offline = run(cctv_q.not_reporting, ctx.at, ctx.profile.cctv_silent_hours, kec)
        widgets.table(ctx, widgets.labelled(ctx, offline), key="cc_offline", height=320)


def camera_integration(ctx: Context) -> None:
    """The share of complaints a camera could verify, by district and by category."""
    left, right = st.columns(2)
    counts = run(cctv_q.in_view_counts, ctx.filters, ctx.at)  # one spatial join for both charts
    for col, by, title in (
        (left, "kecamatan", "cctv.by_district"),
        (right, "category", "cctv.by_category"),
    ):
        with col:
            df = cctv_q.in_view_shares(counts, by)
            df = df.assign(label=[ctx.label(by, v) for v in df.value])
            st.markdown(f"**{ctx.t(title)}**")
            plot(
                ctx,
                charts.hbar(
                    df,
                    "in_view_pct",
                    "label",
                    x_title=ctx.t("chart.in_view_pct"),
                    color="#9b5de5",
                    text_fmt=lambda v: fmt_num(v, ctx.lang, 1) + "%",
                ),
                key=f"cc_int_{by}",
            )


def wifi(ctx: Context) -> None:
    """Public wifi: points with coverage, site types, bandwidth mix, users, points per 10k residents."""
    kec = ctx.filters.kecamatan  # wifi points follow the district filter
    header(ctx, "nav.wifi")
    if widgets.missing_inputs(ctx, "wifi_points"):
        return

    widgets.wifi_tiles(ctx, run(wifi_q.summary, kec, ctx.profile.wifi_fast_mbps))

    st.header(ctx.t("wifi.map"))
    widgets.city_map(ctx, ["wifi"], key="wf_map")

    # below the map: drawn when the reader scrolls near
    section(ctx, "wf_charts", 900, lambda: wifi_charts(ctx))


def wifi_charts(ctx: Context) -> None:
    """Site types, users by month, the bandwidth mix and points per 10k residents."""
    kec = ctx.filters.kecamatan
    left, right = st.columns(2)
    with left:
        st.header(ctx.t("wifi.by_site_type"))
        types = run(wifi_q.by_site_type, kec).rename(columns={"site_type": "value"})
        types = types.assign(label=[ctx.label("site_type", v) for v in types.value])
        plot(
            ctx,
            charts.hbar(types, "points", "label", x_title=ctx.t("chart.points")),
            key="wf_types",
        )
        st.header(ctx.t("wifi.users"))
        if not widgets.missing_inputs(ctx, "wifi_usage"):
            plot(
                ctx,
                charts.line(
                    run(wifi_q.users_by_month, kec),
                    "month",
                    "users",
                    ctx.t("chart.users"),
                    y_title=ctx.t("chart.users"),
                    lang=ctx.lang,
                ),
                key="wf_users",
            )
    with right:
        st.header(ctx.t("wifi.bandwidth"))
        if not widgets.missing_inputs(ctx, "bandwidth"):
            mix = run(wifi_q.bandwidth_mix, kec).dropna(subset=["bandwidth_mbps"])
            plot(
                ctx,
                charts.donut(
                    [f"{fmt_num(b, ctx.lang)} Mbps" for b in mix.bandwidth_mbps], mix.points
                ),
                key="wf_mix",
            )
        st.header(ctx.t("wifi.per_10k"))
        if widgets.missing_inputs(ctx, "population"):  # a rate needs residents: said, not drawn
            return
        per = run(wifi_q.per_10k)
        plot(
            ctx,
            charts.hbar(
                per.sort_values("per_10k", ascending=False),
                "per_10k",
                "kecamatan",
                x_title=ctx.t("col.per_10k"),
                color="#4cc9f0",
                text_fmt=lambda v: fmt_num(v, ctx.lang, 1),
            ),
            key="wf_per10k",
        )
