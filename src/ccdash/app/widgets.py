"""Pieces several pages draw: KPI tiles, the city map, labelled tables, clickable bars."""

from __future__ import annotations

import contextlib
from typing import Literal

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..data.access import AuditLog
from ..data.files import extract_path
from ..data.profile import data_dir
from ..data.reference import load_geojson
from ..metrics import cctv, complaints, wifi
from ..present import charts, maps
from ..present.chart_text import describe_bars
from ..present.export import csv_bytes, for_reader, xlsx_bytes
from ..present.i18n import fmt_num, fmt_nums, fmt_pct, fmt_range, fmt_signed, number_marks
from .access import acting_as, current
from .frame import set_filter
from .state import Context, run, wait_for_pending_run

LAYERS = ("hex", "districts", "cctv", "wifi")


def city_geojson(ctx: Context) -> dict:
    """The district shapes of the city (names under 'kecamatan'); none without a districts file."""
    return load_geojson(ctx.profile.districts_file, ctx.profile.districts_name_property)


def complaint_kpis(ctx: Context, k: dict) -> None:
    """The complaint tiles in two rows, each saying its window: now (stock, today, the last 168 h) and the
    filter's date range (flows). The same numbers as on the wall and the tour for the same window."""
    win = fmt_range(ctx.filters.start, ctx.filters.end, ctx.lang)
    st.caption(ctx.t("kpi.now"))
    c = st.columns(4)
    c[0].metric(
        ctx.t("kpi.new_today"), fmt_num(k["new_today"], ctx.lang), help=ctx.t("kpi.new_today_help")
    )
    delta = k["last_7d"] - k["prev_7d"]
    show_delta = not ctx.stale and (k["prev_7d"] or k["last_7d"])  # a dead feed is no good news
    c[1].metric(
        ctx.t("kpi.last_7d"),
        fmt_num(k["last_7d"], ctx.lang),
        help=ctx.t("kpi.last_7d_help"),
        delta=ctx.t("kpi.vs_prev", delta=fmt_signed(delta, ctx.lang)) if show_delta else None,
        delta_color="inverse",
    )
    c[2].metric(
        ctx.t("kpi.open_backlog"),
        fmt_num(k["open_backlog"], ctx.lang),
        help=ctx.t("kpi.open_backlog_help"),
    )
    c[3].metric(
        ctx.t("kpi.overdue_now"),
        fmt_num(k["overdue_now"], ctx.lang),
        help=ctx.t("kpi.overdue_help"),
    )
    st.caption(ctx.t("kpi.in_window", window=win))
    c = st.columns(4)
    c[0].metric(ctx.t("kpi.received", window=win), fmt_num(k["received"], ctx.lang))
    c[1].metric(
        ctx.t("kpi.on_time_rate", window=win),
        fmt_pct(k["on_time_rate"], ctx.lang),
        help=ctx.t("kpi.on_time_help"),
    )
    c[2].metric(
        ctx.t("kpi.rejected_rate", window=win),
        fmt_pct(k["rejected_rate"], ctx.lang),
        help=ctx.t("kpi.rejected_help"),
    )
    c[3].metric(
        ctx.t("kpi.median_days", window=win),
        fmt_num(k["median_days_to_resolve"], ctx.lang, 1),
        help=ctx.t("kpi.median_help"),
    )


def cctv_tiles(ctx: Context, s: dict) -> None:
    """Cameras, the share online (of those whose status is known), not reporting, status unknown."""
    c = st.columns(4)
    c[0].metric(ctx.t("chart.cameras"), fmt_num(s["cameras"], ctx.lang))
    c[1].metric(
        ctx.t("kpi.cctv_online"),
        fmt_pct(None if s["online_pct"] is None else s["online_pct"] / 100, ctx.lang),
        help=ctx.t("kpi.cctv_online_help"),
    )
    c[2].metric(
        ctx.t("kpi.cctv_not_reporting"),
        fmt_num(s["not_reporting"], ctx.lang),
        help=ctx.t(
            "kpi.cctv_not_reporting_help", hours=fmt_num(ctx.profile.cctv_silent_hours, ctx.lang)
        ),
    )
    c[3].metric(ctx.label("status", "unknown"), fmt_num(s["unknown"], ctx.lang))


def wifi_tiles(ctx: Context, s: dict) -> None:
    """Points, active points, the share at the profile's fast uplink (of points whose bandwidth is known),
    last month's users."""
    mbps = ctx.profile.wifi_fast_mbps
    c = st.columns(4)
    c[0].metric(ctx.t("wifi.points"), fmt_num(s["points"], ctx.lang))
    c[1].metric(ctx.t("kpi.wifi_active"), fmt_num(s["active"], ctx.lang))
    c[2].metric(
        ctx.t("wifi.fast", mbps=fmt_num(mbps, ctx.lang)),
        fmt_pct(s["fast"] / s["with_bandwidth"] if s["with_bandwidth"] else None, ctx.lang),
        help=ctx.t("wifi.fast_help", mbps=fmt_num(mbps, ctx.lang)),
    )
    c[3].metric(ctx.t("kpi.wifi_users"), fmt_num(s["users_last_month"], ctx.lang))


def labelled(
    ctx: Context, df: pd.DataFrame, dims=("category", "status", "channel", "kind", "site_type")
) -> pd.DataFrame:
    """Stored codes replaced by their labels in the page's language (for display only)."""
    df = df.copy()
    for d in dims:
        if d in df:
            names: dict = {}  # a few codes over many rows: each looked up once
            df[d] = [
                names[v] if v in names else names.setdefault(v, ctx.label(d, v)) for v in df[d]
            ]
    return df


DECIMALS = (
    "median_days",
    "hours_since_seen",
    "per_10k",
    "points_per_10k",
    "users_per_point",
    "mbps_per_user",
    "after_upgrade",
)
COUNTS = (
    "users",
    "peak_users",
    "population",
    "received",
    "complaints",
    "points",
    "cameras",
    "new_residents_covered",
    "bandwidth_mbps",
)


def _number(c: str) -> tuple[int, str] | None:
    """(decimals, suffix) of a numeric column the tables format; None for the others."""
    if c.endswith("_pct"):
        return 1, "%"
    if c.endswith("_pp"):  # a change of a percentage: small ones keep their digits
        return 2, " pp"
    if c in DECIMALS:
        return 1, ""
    if c in COUNTS:
        return 0, ""
    return None


def column_config(ctx: Context, df: pd.DataFrame) -> dict:
    """Translated headers. The cells' text comes from `styled` (one format per language); the values
    keep their type, so a column still sorts by value. Coordinates read as decimal degrees to five
    places with a point in every language: as GPS devices and map apps write and read them, so a
    copied pair pastes into a map's search."""
    cfg = {}
    for c in df.columns:
        name = ctx.t(f"col.{c}")
        if _is_coordinate(df, c):
            cfg[c] = st.column_config.NumberColumn(
                None if name == f"col.{c}" else name, format="%.5f"
            )
        elif name == f"col.{c}":
            continue
        elif pd.api.types.is_bool_dtype(df[c]):
            cfg[c] = st.column_config.CheckboxColumn(name)
        else:
            cfg[c] = st.column_config.Column(name)
    return cfg


COORDINATES = ("lat", "lon", "centroid_lat", "centroid_lon")


def _is_coordinate(df: pd.DataFrame, c: str) -> bool:
    return c in COORDINATES and pd.api.types.is_numeric_dtype(df[c])


def cell_text(lang: str, df: pd.DataFrame) -> dict[str, list[str]]:
    """What each column's cells read on screen: numbers with the language's separators (10,6 and 1.234
    in Indonesian; 10.6 and 1,234 in English), times as YYYY-MM-DD HH:MM (the stored wall time), and a
    blank, never "None", "nan" or "NaT", where there is no value. Check boxes keep their values, and
    a text column with a value in every cell and coordinates (`column_config`) read as they are (left
    out)."""

    def number(column: pd.Series, decimals: int, suffix: str = "") -> list[str]:
        # A float's NaN is missing to fmt_nums; another type's NA (pd.NA has no truth) becomes None.
        values = (
            column.tolist()
            if column.dtype == np.float64
            else column.astype(object).where(column.notna(), None).tolist()
        )
        shown = fmt_nums(values, lang, decimals, "")
        return [t + suffix if t else t for t in shown] if suffix else shown

    text = {}
    for c in df.columns:
        column = df[c]
        known = _number(c)
        if known:
            text[c] = number(column, *known)
        elif pd.api.types.is_bool_dtype(column):
            continue  # a checkbox
        elif _is_coordinate(df, c):
            continue  # a value column_config shows (the same in every language)
        elif pd.api.types.is_numeric_dtype(column):
            values = column.dropna()
            whole = values.empty or bool((values == values.round()).all())
            text[c] = number(column, 0 if whole else 1)
        elif pd.api.types.is_datetime64_any_dtype(column):
            text[c] = _minutes(column)
        elif column.hasnans:
            text[c] = column.astype(object).where(column.notna(), "").astype(str).tolist()
        elif not pd.api.types.is_string_dtype(column):
            text[c] = column.astype(str).tolist()
    return text


def _minutes(column: pd.Series) -> list[str]:
    """A time column's wall times as YYYY-MM-DD HH:MM, blank where there is none: numpy's ISO text
    to the minute (pandas' strftime formats each value in Python, 2 ms a thousand)."""
    iso = np.datetime_as_string(_wall(column).to_numpy(dtype="datetime64[m]"), unit="m")
    return ["" if t == "NaT" else t.replace("T", " ") for t in iso.tolist()]


def _wall(column: pd.Series) -> pd.Series:
    """A time column as its wall times (the zone dropped, the clock reading kept)."""
    aware = getattr(column.dt, "tz", None) is not None
    return column.dt.tz_localize(None) if aware else column


def styled(ctx: Context, df: pd.DataFrame):
    """The frame st.dataframe shows, with its cells' display text (`cell_text`). A text or time
    column is sent as its text (a time's YYYY-MM-DD HH:MM sorts as the time does, and a missing
    value is a blank, not a grey "None"); a number column keeps its values, so it sorts by value
    and a reader of the table gets the number, and shows the text through a Styler (`with_text`):
    Streamlit's pass over a Styler's cells is about 4 ms per thousand cells."""
    text = cell_text(ctx.lang, df)
    if not text or not len(df):
        return df
    numeric = {c for c in text if pd.api.types.is_numeric_dtype(df[c])}
    sent = df.assign(**{c: text[c] for c in text if c not in numeric})
    return with_text(sent, {c: text[c] for c in numeric}) if numeric else sent


def with_text(df: pd.DataFrame, text: dict[str, list[str]]):
    """A pandas Styler of `df` whose cells in the columns of `text` read that text (the others as
    str() reads them).

    st.dataframe takes a cell's text from a Styler only, and gets it through pandas' HTML renderer
    (`Styler._translate`): about 150 ms for a thousand complaint rows, a third of the page's run.
    This Styler answers the two calls Streamlit makes (`_compute`, `_translate`; Streamlit 1.67 and
    pandas are pinned) with the text made here a column at a time. tests/test_review_fixes.py checks
    that it arrives as `df.style.format(...)` would send it."""
    styler = df.style
    body = []
    for j, column in enumerate(df.columns):
        if column in text:
            body += [
                {"id": f"row{r}_col{j}", "display_value": shown}
                for r, shown in enumerate(text[column])
            ]
    translated = {"body": [body], "table_styles": [], "cellstyle": []}
    styler._compute = lambda: styler
    styler._translate = lambda *args, **kwargs: translated
    return styler


def table(ctx: Context, df: pd.DataFrame, key: str, height: int | Literal["auto"] = "auto") -> None:
    """A read-only table: values render as text (never markup), headers translated."""
    st.dataframe(
        styled(ctx, df),
        hide_index=True,
        column_config=column_config(ctx, df),
        key=key,
        height=height,
    )


# No Plotly toolbar: its eight buttons per chart were tab stops with a 1 px focus ring (over 90 to
# reach a page's CSV download). Hover, click-to-filter and Streamlit's own fullscreen stay.
DESK_CONFIG = {"displayModeBar": False}


def plot(ctx: Context, fig, key: str | None = None, alt: str | None = None, **kwargs):
    """st.plotly_chart with the language's number separators, and its text alternative under it (plain
    text: data labels in it are never markup)."""
    kwargs.setdefault("config", DESK_CONFIG)
    out = st.plotly_chart(charts.localize(fig, ctx.lang), key=key, **kwargs)
    if alt:
        st.text(alt)
    return out


def view_key(key: str, deck=None) -> str:
    """A map's widget key for its current view. After Reset view the map gets a new key, and its
    opening view a change too small to see (a millionth of a zoom level): either makes the browser
    draw it afresh at the view it opened on, whatever the reader zoomed or panned to."""
    n = st.session_state.get(f"_{key}_views", 0)
    if n and deck is not None and getattr(deck, "initial_view_state", None) is not None:
        deck.initial_view_state.zoom = float(deck.initial_view_state.zoom) + n * 1e-6
    return key if not n else f"{key}_v{n}"


def _new_view(key: str) -> None:
    st.session_state[f"_{key}_views"] = st.session_state.get(f"_{key}_views", 0) + 1


def reset_view_button(ctx: Context, key: str) -> None:
    """Under a desk map: back to the view it opened on (zoom and pan are the reader's otherwise)."""
    st.button(
        ctx.t("map.reset"),
        key=f"{key}_reset",
        on_click=_new_view,
        args=(key,),
        type="tertiary",
        icon=":material/center_focus_strong:",
    )


def _on_map_select(key: str) -> None:
    """A click on a district filters by it (runs before the next run draws the widgets)."""
    state = st.session_state.get(key)
    objects = (state or {}).get("selection", {}).get("objects", {}) if state else {}
    picked = [
        o.get("properties", {}).get("kecamatan") or o.get("kecamatan")
        for o in objects.get("districts", [])
    ]
    picked = [p for p in picked if p]
    if picked:
        set_filter("kecamatan", picked[:1])


def city_map(
    ctx: Context,
    layers: list[str],
    key: str,
    hex_min_count: int = 1,
    height: int = 560,
    selectable: bool = False,
    zoom: float | None = None,
) -> None:
    """The city map: complaint hexagons, district choropleth per 10k, CCTV and wifi, on no basemap."""
    deck_layers = []
    geojson = city_geojson(ctx)
    if "districts" in layers and ctx.profile.has_population():
        per = run(complaints.by_kecamatan, ctx.filters, ctx.at)
        per = per.assign(
            label=[
                f"{k}: {fmt_num(v, ctx.lang, 1)} / 10k · {fmt_num(n, ctx.lang)}"
                for k, v, n in zip(per.kecamatan, per.per_10k, per.complaints)
            ]
        )
        deck_layers.append(maps.districts_layer(geojson, per, "per_10k"))
    else:
        deck_layers.append(maps.districts_layer(geojson, None, pickable=selectable))
    if "hex" in layers:
        hexes = run(complaints.hex_density, ctx.filters, ctx.at, res=8, min_count=hex_min_count)
        hexes = hexes.assign(
            kecamatan="",
            tip=[
                f"{fmt_num(n, ctx.lang)} {ctx.t('chart.complaints').lower()}"
                for n in hexes.complaints
            ],
        )
        deck_layers.append(maps.hex_layer(hexes))
    if "cctv" in layers:
        cams = run(cctv.sites, ctx.filters.kecamatan).assign(
            tip=lambda d: [f"{n} · {ctx.label('status', s)}" for n, s in zip(d.name, d.status)]
        )
        deck_layers.append(maps.points_layer(cams, "view_radius_m", layer_id="cctv"))
    if "wifi" in layers:
        pts = run(wifi.points, ctx.filters.kecamatan).assign(
            tip=lambda d: [
                n if pd.isna(b) else f"{n} · {fmt_num(b, ctx.lang)} Mbps"
                for n, b in zip(d.site_name, d.bandwidth_mbps)
            ]
        )
        deck_layers.append(maps.points_layer(pts, "coverage_radius_m", layer_id="wifi"))
    deck = maps.deck(
        deck_layers,
        ctx.profile,
        tooltip_text="{kecamatan}\n{tip}",
        zoom=zoom,
        frame=(maps.geojson_bounds(geojson) or ctx.profile.bbox, 1100, height),
    )
    shown = view_key(key, deck) if key else None
    if selectable and shown:
        st.pydeck_chart(
            deck,
            key=shown,
            on_select=lambda: _on_map_select(shown),
            selection_mode="single-object",
            height=height,
        )
    else:
        st.pydeck_chart(deck, key=shown, height=height)
    if key:
        reset_view_button(ctx, key)
    map_legend(ctx, layers)
    map_credit(ctx)


def legend_lines(ctx: Context, layers) -> list[str]:
    """What each colour and size on the map means, with units (static text: no data in it)."""
    drawn = [
        x for x in layers if x in LAYERS and (x != "districts" or ctx.profile.has_population())
    ]
    return [ctx.t(f"legend.{layer}") for layer in drawn]


def map_legend(ctx: Context, layers) -> None:
    lines = legend_lines(ctx, layers)
    if lines:
        st.caption("  \n".join(lines))


def map_credit(ctx: Context) -> None:
    """Under every map: what it draws without base tiles, and the credit its boundaries' licence asks for."""
    offline = "map.offline_note" if ctx.profile.has_polygons() else "map.offline_bare"
    parts = [] if ctx.profile.tile_style else [ctx.t(offline)]
    if ctx.profile.attribution:
        parts.append(ctx.profile.attribution)
    if parts:
        st.caption(" · ".join(parts))


def on_bar_select(key: str, dim: str) -> None:
    """A click on a bar filters by the bar's stored value (carried as customdata)."""
    state = st.session_state.get(key)
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    values = [p.get("customdata") for p in points if p.get("customdata") is not None]
    values = [v[0] if isinstance(v, list) else v for v in values]
    if values:
        set_filter(dim, list(dict.fromkeys(values)))


TOP_BARS = 15  # bars in one chart; the rest become one "other" bar


def clickable_bar(
    ctx: Context, df: pd.DataFrame, dim: str, value: str, key: str, title: str, **kw
) -> None:
    """A horizontal bar chart whose bars filter the page by `dim` when clicked (the top 15 and "other").
    `df` should be counted without the page's own filter on `dim`: the chosen bars are then highlighted
    among the others instead of standing alone."""
    df = df.assign(label=[ctx.label(dim, v) for v in df["value"]])
    df = charts.top_n(df, value, TOP_BARS, ctx.t("chart.other"))
    fig = charts.hbar(
        df, value, "label", key="value", highlight=getattr(ctx.filters, dim, ()), **kw
    )
    st.header(title)
    plot(
        ctx,
        fig,
        key=key,
        on_select=lambda: on_bar_select(key, dim),
        selection_mode="points",
        alt=describe_bars(df, value, "label", ctx.lang, 1 if value == "per_10k" else 0),
    )


LAYER_OF = {"cctv_sites": ("cctv", "cctv"), "wifi_points": ("wifi", "wifi")}


def missing_inputs(ctx: Context, *needs: str) -> bool:
    """Say in one line each what a section lacks and which file or profile key brings it; True when anything
    is missing (the caller then draws nothing rather than an empty chart). Needs: polygons, population, bandwidth, or
    an extract's table name."""
    p = ctx.profile
    notes = []
    for need in needs:
        if need == "polygons" and not p.has_polygons():
            notes.append(ctx.t("need.polygons"))
        elif need == "population" and not p.has_population():
            notes.append(ctx.t("need.population"))
        elif need == "bandwidth" and not run(wifi.summary)["with_bandwidth"]:
            notes.append(ctx.t("need.bandwidth"))
        elif need == "wifi_usage" and extract_path(data_dir(), need) is None:
            notes.append(ctx.t("need.usage"))
        elif need in LAYER_OF and extract_path(data_dir(), need) is None:
            kind, layer = LAYER_OF[need]
            notes.append(ctx.t("need.extract", table=need, kind=kind, layer=layer))
    for note in notes:
        st.info(note, icon="ℹ️")
    return bool(notes)


def csv_download(
    ctx: Context, label: str, frame, file_name: str, key: str, audit: dict | None = None
) -> None:
    """The one way ccdash offers rows: a CSV and an Excel workbook in the reader's language (headers and
    codes as on screen, the locale's decimal mark, UTF-8 with BOM), formula-like cells neutralised.
    `frame` may be a callable, made only when a button is pressed (Streamlit's own table download is
    off: client.disableDataExport). With `audit` (what the rows are: page, filters), each file made
    is a row of the audit trail: who, which file, how many rows."""
    identity, directory = current(), data_dir()
    if not identity.sees_rows:  # a viewer's or kiosk's session is sent no file at all
        st.caption(ctx.t("access.rows_need_role", role=ctx.t(f"access.role_{identity.role}")))
        return
    who = identity.name
    # The rows of the session's newest run of this button, not of the run that drew the button clicked:
    # a change made just before the click (N typed, then the button) is in the file.
    newest = st.session_state.setdefault(f"_download_{key}", {})
    newest["frame"] = frame
    run_ctx = get_script_run_ctx(suppress_warning=True)
    session_id = run_ctx.session_id if run_ctx else None

    def rows():
        if session_id is not None:
            wait_for_pending_run(session_id)
        latest = newest["frame"]
        with acting_as(identity):  # made on the click, outside the session's run
            df = labelled(ctx, latest() if callable(latest) else latest)
        if audit is not None:  # made on the click, outside the session's run: who was taken above
            with contextlib.suppress(OSError):
                AuditLog(directory).append(who, "download", file=file_name, rows=len(df), **audit)
        return for_reader(
            df, {c: ctx.t(f"col.{c}") for c in df.columns if ctx.t(f"col.{c}") != f"col.{c}"}
        )

    decimal = number_marks(ctx.lang)[0]
    c = st.columns(2)
    with c[0]:
        st.download_button(
            label,
            data=lambda: csv_bytes(rows(), decimal),
            file_name=file_name,
            mime="text/csv",
            key=key,
            on_click="ignore",
        )
    with c[1]:
        st.download_button(
            ctx.t("app.download_xlsx"),
            data=lambda: xlsx_bytes(rows()),
            file_name=file_name.removesuffix(".csv") + ".xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            on_click="ignore",
        )
