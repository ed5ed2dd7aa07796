"""The wifi coverage explorer page: coverage by district, planner, what-if, bandwidth, blind spots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from h3.api import basic_int as h3i

from ..analysis import coverage as cv
from ..analysis import planner
from ..data.reference import file_version, load_facts, load_shapes
from ..metrics import cctv, complaints, wifi
from ..present import maps
from ..present.i18n import fmt_num, fmt_pct, fmt_pp, fmt_signed, t
from .frame import set_filter
from .lazy import rerun_page, section
from .state import Context, get_store, run
from .widgets import (
    city_geojson,
    column_config,
    csv_download,
    map_credit,
    missing_inputs,
    reset_view_button,
    styled,
    view_key,
)


@st.cache_data(show_spinner=False, max_entries=4)
def _grid(districts: tuple, name_property: str, facts: tuple, res: int, pop: tuple) -> cv.Grid:
    # Keyed by the versions of every file it reads: an edited shape, population or profile redraws it.
    pop_grid = pd.read_csv(pop[0]) if pop[0] is not None and len(pop) > 2 else None
    return cv.city_grid(
        load_shapes(districts[0], name_property), load_facts(facts[0]), res, pop_grid
    )


def grid_inputs(ctx: Context) -> tuple:
    """The versions of every input of the grid: what its cache, and the caches built on it, key on."""
    p, c = ctx.profile, ctx.profile.coverage
    return (
        file_version(p.districts_file),
        p.districts_name_property,
        file_version(p.facts_file),
        c["res"],
        file_version(c["population_grid_file"]),
    )


def grid(ctx: Context) -> cv.Grid:
    return _grid(*grid_inputs(ctx))


@st.cache_data(show_spinner=False, max_entries=64)
def _covered(
    _grid: cv.Grid, grid_key: tuple, version: tuple, removed: tuple, added: tuple, radius: float
) -> np.ndarray:
    pts = run(wifi.points)
    pts = pts[(pts.status == "active") & ~pts.ap_id.isin(removed)]
    lat = np.concatenate([pts.lat.to_numpy(float), [a[0] for a in added]])
    lon = np.concatenate([pts.lon.to_numpy(float), [a[1] for a in added]])
    r = np.concatenate([pts.coverage_radius_m.to_numpy(float), [radius] * len(added)])
    return cv.covered_mask(_grid, lat, lon, r)


@st.cache_data(show_spinner=False, max_entries=32)
def _plan(
    _grid: cv.Grid,
    grid_key: tuple,
    version: tuple,
    removed: tuple,
    added: tuple,
    n: int,
    radius: float,
    candidates: tuple,
    districts: tuple,
    objective: str,
    lang: str,
) -> pd.DataFrame:
    # `version` covers the wifi points and the cameras read here; `candidates` is the file's version.
    covered = _covered(_grid, grid_key, version, removed, added, radius)
    cands = pd.read_csv(candidates[0]) if len(candidates) > 2 else None
    pts = run(wifi.points)
    existing = pd.concat(
        [
            pts[(pts.status == "active") & ~pts.ap_id.isin(removed)][["lat", "lon"]],
            pd.DataFrame(list(added), columns=["lat", "lon"]),
        ],
        ignore_index=True,
    )
    places = pd.concat(
        [
            pts[["site_name", "lat", "lon"]].rename(columns={"site_name": "name"}),
            run(cctv.sites)[["name", "lat", "lon"]],
        ],
        ignore_index=True,
    ).dropna()
    only = np.isin(_grid.kecamatan, districts) if districts else None
    return planner.plan(
        _grid,
        covered,
        n,
        radius,
        cands,
        only=only,
        existing=existing,
        objective=objective,
        places=places,
        near_text=lambda d, m, p: t("cov.near", lang, district=d, metres=fmt_num(m, lang), place=p),
    )


def _on_map(key: str) -> None:
    """On the whole city a click on a district zooms to it (the district filter); zoomed in, a click on a
    cell adds one what-if point there (the cells are pickable only then, so they never swallow a district
    click). A selection already handled adds nothing when another widget reruns the page."""
    state = st.session_state.get(key) or {}
    objs = state.get("selection", {}).get("objects", {})
    for o in objs.get("districts", []):
        name = o.get("properties", {}).get("kecamatan") or o.get("kecamatan")
        if name:
            set_filter("kecamatan", [name])
            return
    cells = objs.get("cells", [])
    pick = cells[0].get("hex") if cells else None
    if pick == st.session_state.get("cov_last_pick"):
        return
    st.session_state.cov_last_pick = pick
    if pick:
        lat, lon = h3i.cell_to_latlng(int(pick, 16))
        st.session_state.setdefault("cov_added", []).append((round(lat, 6), round(lon, 6)))


def render(ctx: Context) -> None:
    if missing_inputs(ctx, "polygons", "population", "wifi_points"):
        return
    c = ctx.profile.coverage
    grid_key = grid_inputs(ctx)
    g = _grid(*grid_key)
    store = get_store()
    version = wifi.points.version(store) + wifi.usage_last_month.version(store)
    removed = tuple(st.session_state.get("cov_removed", []))
    added = tuple(st.session_state.get("cov_added", []))
    radius = float(c["new_point_radius_m"])
    base = _covered(g, grid_key, version, (), (), radius)
    now_cov = _covered(g, grid_key, version, removed, added, radius)
    points, users = run(wifi.points), run(wifi.usage_last_month)
    kec = ctx.filters.kecamatan

    sel = np.isin(g.kecamatan, kec) if kec else None  # the tiles follow the district filter
    t0, t1 = cv.totals(g, base, sel), cv.totals(g, now_cov, sel)
    residents = g.population.sum() if sel is None else g.population[sel].sum()
    active = points[(points.status == "active") & (points.kecamatan.isin(kec) if kec else True)]
    k = st.columns(4)
    k[0].metric(
        ctx.t("cov.residents"),
        fmt_pct(t1["residents_covered_pct"] / 100, ctx.lang),
        delta=(
            ctx.t(
                "cov.delta",
                n=fmt_signed(t1["residents_covered"] - t0["residents_covered"], ctx.lang),
            )
            if (removed or added)
            else None
        ),
    )
    k[1].metric(ctx.t("cov.area"), fmt_pct(t1["area_covered_pct"] / 100, ctx.lang))
    k[2].metric(ctx.t("cov.uncovered"), fmt_num(residents - t1["residents_covered"], ctx.lang))
    k[3].metric(
        ctx.t("kpi.wifi_active"),
        fmt_num(len(active) - int(active.ap_id.isin(removed).sum()) + len(added), ctx.lang),
    )
    if kec:
        st.caption(ctx.t("cov.tiles_in", districts=", ".join(kec)))
    st.caption(ctx.t("cov.model", res=g.res, cells=fmt_num(len(g.cells), ctx.lang)))

    plan_n = st.session_state.get("cov_n", 20)
    objective = st.session_state.get("cov_objective", planner.OBJECTIVES[0])
    cand = c["candidates_file"]
    planned = _plan(
        g,
        grid_key,
        version + cctv.sites.version(store),
        removed,
        added,
        int(plan_n),
        radius,
        file_version(cand),
        tuple(kec),
        objective,
        ctx.lang,
    )

    st.header(ctx.t("cov.map"))
    only = np.isin(g.kecamatan, kec) if kec else None
    cells = cv.fine_cells(g, now_cov, only) if only is not None else cv.coarse_cells(g, now_cov)
    layers = [
        maps.districts_layer(city_geojson(ctx), None, pickable=not kec),
        maps.coverage_layer(
            cells,
            cv.density_scale(g),
            lambda p, s: ctx.t(
                "cov.tip_cell",
                residents=fmt_num(p, ctx.lang),
                share=fmt_pct(s, ctx.lang, 0),
            ),
            pickable=bool(kec),
        ),
    ]
    pts = points[points.status == "active"]
    if kec:
        pts = pts[pts.kecamatan.isin(kec)]
    layers.append(
        maps.points_layer(pts.assign(tip=pts.site_name), "coverage_radius_m", layer_id="wifi")
    )
    if len(planned):
        layers.append(
            maps.points_layer(
                planned.assign(
                    status="planned",
                    radius=radius,
                    tip=[ctx.t("cov.tip_planned", order=o) for o in planned.order],
                ),
                "radius",
                layer_id="planned",
                min_px=6,
            )
        )
    if added:
        extra = pd.DataFrame(added, columns=["lat", "lon"]).assign(
            status="what_if", radius=radius, kecamatan="", tip=ctx.t("cov.tip_what_if")
        )
        layers.append(maps.points_layer(extra, "radius", layer_id="added", min_px=6))
    bounds = maps.geojson_bounds(city_geojson(ctx)) or ctx.profile.bbox
    if kec:  # zoomed to the selected districts, whole
        sel = np.isin(g.kecamatan, kec)
        bounds = (
            float(g.lon[sel].min()),
            float(g.lat[sel].min()),
            float(g.lon[sel].max()),
            float(g.lat[sel].max()),
        )
    deck = maps.deck(
        layers, ctx.profile, tooltip_text="{kecamatan}\n{tip}", frame=(bounds, 1100, 600)
    )
    shown = view_key("cov_map", deck)
    st.pydeck_chart(
        deck,
        key=shown,
        on_select=lambda: _on_map(shown),
        selection_mode="single-object",
        height=600,
    )
    reset_view_button(ctx, "cov_map")
    st.caption(
        "  \n".join(
            [ctx.t("legend.coverage"), ctx.t("legend.wifi")]
            + ([ctx.t("legend.planned")] if len(planned) else [])
            + ([ctx.t("legend.what_if")] if added else [])
        )
    )
    map_credit(ctx)
    st.caption(ctx.t("cov.map_help"))

    st.header(ctx.t("cov.by_kecamatan"))
    # below the map: drawn when the reader scrolls near
    section(
        ctx, "cov_tables", 600, lambda: _below_map(ctx, g, now_cov, points, users, planned, t1, sel)
    )


def _below_map(
    ctx: Context,
    g: cv.Grid,
    now_cov: np.ndarray,
    points: pd.DataFrame,
    users: pd.DataFrame,
    planned: pd.DataFrame,
    t1: dict,
    sel: np.ndarray | None,
) -> None:
    """The districts' table, the planner, the what-if points, bandwidth per user and camera blind spots.
    The planner's inputs change the tiles and the map above: they rerun the page, not this section."""
    c, kec = ctx.profile.coverage, ctx.filters.kecamatan
    radius = float(c["new_point_radius_m"])
    added = tuple(st.session_state.get("cov_added", []))
    table = cv.by_kecamatan(g, now_cov, points, users)
    if kec:
        table = table[table.kecamatan.isin(kec)]
    st.dataframe(
        styled(ctx, table),
        hide_index=True,
        key="cov_table",
        column_config=column_config(ctx, table),
    )

    st.header(ctx.t("cov.planner"))
    a, b = st.columns([1, 3])
    with a:
        st.number_input(
            ctx.t("cov.n"),
            min_value=1,
            max_value=200,
            value=20,
            step=1,
            key="cov_n",
            on_change=rerun_page,  # the plan is drawn on the map above
        )
        st.radio(
            ctx.t("cov.objective"),
            planner.OBJECTIVES,
            key="cov_objective",
            on_change=rerun_page,
            format_func=lambda o: ctx.t(f"cov.objective_{o}"),
            help=ctx.t("cov.objective_help"),
        )
        if kec:
            st.caption(ctx.t("cov.plan_in", districts=", ".join(kec)))
        after = now_cov.copy()
        if len(planned):
            _, cells = cv.cover_pairs(g, planned.lat, planned.lon, np.full(len(planned), radius))
            after[cells] = True
        t2 = cv.totals(g, after, sel)
        change = t2["residents_covered_pct"] - t1["residents_covered_pct"]
        st.metric(
            ctx.t("cov.before_after"),
            fmt_pct(t2["residents_covered_pct"] / 100, ctx.lang),
            # A small city-wide change keeps its digits: "+0.04 pp", never a green "+0.0 pp".
            delta=fmt_pp(change, ctx.lang, 2 if abs(change) < 0.1 else 1),
            delta_color="normal" if round(change, 2) else "off",
        )
        csv_download(ctx, ctx.t("cov.download_plan"), planned, "wifi_plan.csv", "cov_dl_plan")
    with b:
        st.dataframe(
            styled(ctx, planned),
            hide_index=True,
            key="cov_plan",
            height=320,
            column_config=column_config(ctx, planned),
        )
        change = cv.change_by_kecamatan(g, now_cov, after)
        if len(change):
            st.caption(ctx.t("cov.plan_change"))
            st.dataframe(
                styled(ctx, change),
                hide_index=True,
                key="cov_plan_change",
                column_config=column_config(ctx, change),
            )

    st.header(ctx.t("cov.whatif"))
    a, b, cc = st.columns(3)
    with a:
        lat = st.number_input(
            ctx.t("col.lat"), value=float(ctx.profile.center[0]), format="%.5f", key="cov_lat"
        )
        lon = st.number_input(
            ctx.t("col.lon"), value=float(ctx.profile.center[1]), format="%.5f", key="cov_lon"
        )
        if st.button(ctx.t("cov.add"), key="cov_add"):
            if ctx.profile.in_bbox(lon, lat):
                st.session_state.setdefault("cov_added", []).append((lat, lon))
                st.rerun()
            else:
                st.error(ctx.t("cov.outside"))
    with b:
        names = dict(zip(points.ap_id, points.site_name))
        st.multiselect(
            ctx.t("cov.remove"),
            list(points.ap_id[points.status == "active"]),
            key="cov_removed",
            on_change=rerun_page,  # the tiles and the map above leave them out
            format_func=lambda a: f"{names.get(a, a)} ({a})",
            placeholder=ctx.t("cov.choose"),
            # No "Select all" / "Select 12 matches": typing a district and Enter removed all its
            # points, and a first try removed every point in the city. One point at a time.
            select_all=False,
        )
    with cc:
        st.caption(ctx.t("cov.added_n", n=len(added)))
        if st.button(ctx.t("cov.clear"), key="cov_clear"):
            st.session_state.cov_added = []
            st.rerun()

    mbps = ctx.profile.wifi_fast_mbps
    st.header(ctx.t("cov.bandwidth", mbps=fmt_num(mbps, ctx.lang)))
    if not missing_inputs(ctx, "bandwidth", "wifi_usage"):
        bw = planner.bandwidth_per_user(
            points,
            users,
            float(c["peak_hour_share"]),
            upgrade_to=mbps,
            congested_below=c["congested_mbps_per_user"],
        )
        if kec:
            bw = bw[bw.kecamatan.isin(kec)]
        st.caption(
            ctx.t("cov.bandwidth_help", share=fmt_pct(c["peak_hour_share"], ctx.lang, 0))
            + " "
            + ctx.t("cov.congested_help", mbps=fmt_num(c["congested_mbps_per_user"], ctx.lang, 1))
        )
        top = bw.head(25).assign(
            site_type=[ctx.label("site_type", v) for v in bw.head(25).site_type]
        )
        st.dataframe(
            styled(ctx, top), hide_index=True, key="cov_bw", column_config=column_config(ctx, bw)
        )

    if not ctx.profile.has("complaints") or not ctx.profile.has("cctv"):
        return  # blind spots are complaints out of every camera's view
    st.header(ctx.t("cov.blind"))
    st.caption(ctx.t("cov.blind_help"))
    hot = run(complaints.complaint_cells, ctx.filters, ctx.at, 9)
    spots = planner.blind_spots(hot, run(cctv.sites), points, 9, top=20)
    st.dataframe(
        styled(ctx, spots),
        hide_index=True,
        key="cov_blind",
        column_config=column_config(ctx, spots),
    )
    csv_download(ctx, ctx.t("cov.download_blind"), spots, "camera_sites.csv", "cov_dl_blind")
