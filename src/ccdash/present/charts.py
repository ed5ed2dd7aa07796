"""Plain functions: data in, Plotly figure out. Labels come translated from the caller."""

from __future__ import annotations

import html
import re

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import make_colorscale, sequential

from .i18n import fmt_date, month_abbr, number_marks

# The page's font (Streamlit's Source Sans) then the bundled Noto Sans for other scripts (Thai): see
# shipped/streamlit.toml. Plotly draws its text in the page, so the same faces apply.
FONT = '"Source Sans", ccdash-noto, sans-serif'
ACCENT = "#f5a623"
SERIES = ["#4cc9f0", "#f5a623", "#2ecc71", "#e76f51", "#9b5de5", "#f15bb5", "#00bbf9", "#fee440"]
# Every chart is dark: Plotly's "plotly_dark", cut to what these builders draw. Its defaults for 24
# kinds of trace and for polar, ternary, 3-D and geo axes, menus and sliders were 60% of a bar
# chart's JSON (7.4 -> 2.9 KB) and half the time to send it (6.0 -> 3.0 ms). Each figure's layout
# carries it (not Plotly's default template, which Streamlit sets to its own when its chart module
# is imported after this one). `template="plotly_dark"` by name cost 9-18 ms a figure (validated).
DRAWN = ("bar", "heatmap", "scatter", "pie")
UNDRAWN_AXES = ("polar", "ternary", "scene", "geo", "updatemenudefaults", "sliderdefaults")


def _dark_template() -> dict:
    dark = pio.templates["plotly_dark"].to_plotly_json()
    return {
        "layout": {k: v for k, v in dark["layout"].items() if k not in UNDRAWN_AXES},
        "data": {kind: dark["data"][kind] for kind in DRAWN},
    }


DARK = _dark_template()
# Plotly checks every property of every trace and layout against its schema as a figure is built:
# half a chart's cost (a 90-day trend 12.8 -> 6.8 ms, a bar chart 6.6 -> 3.5 ms; four charts on the
# Complaints page). These builders' figures are checked once, in tests/test_charts.py (each rebuilt
# with the checks on, the same JSON), not on every rerun. `_validate` is Plotly's own switch
# (plotly is pinned).
UNCHECKED = {"_validate": False}
# Plotly's "YlOrRd" as its checks spell it out (plotly.js has its own, different scale of that name).
HEAT = make_colorscale(sequential.YlOrRd)
# Okabe-Ito colours, told apart with red-green colour blindness: blue for good, vermillion/orange for bad.
STATUS = {"online": "#0072B2", "offline": "#D55E00", "maintenance": "#F0E442", "unknown": "#999999"}


def text(values) -> list[str]:
    """Data as Plotly label text: Plotly renders a few HTML tags (<a>, <b>, <br>...) in labels and hover, so
    every data string is HTML-escaped and reads literally (Plotly shows &lt; as <)."""
    return [html.escape("" if v is None else str(v), quote=False) for v in values]


def _layout(height: int = 360, **kw) -> dict:
    """A figure's layout, given whole to go.Figure: each update_layout or add_trace call goes through
    Plotly's property paths again (a 90-day trend took 28 ms built step by step, 11 ms at once)."""
    return dict(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font=dict(size=14, family=FONT),
        template=DARK,
        **kw,
    )


def _titled(title: str, **axis) -> dict:
    return dict(title=dict(text=title), **axis)


def localize(fig: go.Figure, lang: str) -> go.Figure:
    """Number separators of the language: 1.234,5 in Indonesian, 1,234.5 in English (CLDR)."""
    fig.layout.separators = number_marks(lang)
    # Numbers with thousands separators on the value axis ("350,000", "350.000"), never "350k".
    horizontal = any(getattr(tr, "orientation", None) == "h" for tr in fig.data)
    (fig.layout.xaxis if horizontal else fig.layout.yaxis).tickformat = ",~r"
    return fig


def date_ticks(dates, lang: str, monthly: bool = False, ticks: int = 8) -> dict:
    """An x axis's date ticks in the page's language (Plotly's own month names are English)."""
    dates = pd.to_datetime(pd.Series(dates)).dropna().drop_duplicates().sort_values()
    if dates.empty:
        return {}
    step = max(1, len(dates) // ticks)
    shown = dates.iloc[::step]
    month = month_abbr(lang)
    text = [
        f"{month[d.month - 1]} {d.year}" if monthly else f"{d.day} {month[d.month - 1]}"
        for d in shown
    ]
    return dict(tickmode="array", tickvals=list(shown), ticktext=text)


def trend(
    df: pd.DataFrame,
    daily_label: str,
    mean_label: str,
    y_title: str,
    height: int = 360,
    lang: str = "en",
) -> go.Figure:
    """Complaints per day as bars with the trailing 7-day mean as a line."""
    labels = [fmt_date(d, lang) for d in df["day"]]
    bars = go.Bar(
        **UNCHECKED,
        x=df["day"],
        y=df["complaints"],
        name=daily_label,
        marker_color="#4c6ef5",
        opacity=0.6,
        customdata=labels,
        hovertemplate="%{customdata}: %{y}<extra></extra>",
    )
    mean = go.Scatter(
        **UNCHECKED,
        x=df["day"],
        y=df["mean_7d"],
        name=mean_label,
        mode="lines",
        line=dict(color=ACCENT, width=3),
        customdata=labels,
        hovertemplate="%{customdata}: %{y:.1f}<extra></extra>",
    )
    layout = _layout(
        height,
        xaxis=date_ticks(df["day"], lang),
        yaxis=_titled(y_title),
        bargap=0.05,
        hovermode="closest",
    )
    return go.Figure(**UNCHECKED, data=[bars, mean], layout=layout)


def top_n(
    df: pd.DataFrame, value: str, n: int, other_label: str, label: str = "label"
) -> pd.DataFrame:
    """The n largest rows, and one "other" row summing the rest (its key is empty: clicking it filters
    nothing), so a city with 95 categories still gets a chart of one screen."""
    if len(df) <= n + 1:
        return df
    df = df.sort_values(value, ascending=False)
    rest = df.iloc[n:]
    if (
        value == "per_10k"
    ):  # a group's rate is its complaints over its residents, never a sum of rates
        people = rest["population"].sum() if "population" in rest else 0
        if not people or "complaints" not in rest:
            return df.iloc[:n]
        total = rest["complaints"].sum() * 10000.0 / people
    else:
        total = rest[value].sum()
    other = {c: None for c in df.columns} | {
        value: total,
        label: other_label.format(n=len(rest)),
    }
    return pd.concat([df.iloc[:n], pd.DataFrame([other])], ignore_index=True)


MUTED = "#4a5160"  # bars outside a selection: still there, in the background


def hbar(
    df: pd.DataFrame,
    value: str,
    label: str,
    key: str | None = None,
    x_title: str = "",
    height: int | None = None,
    color: str = ACCENT,
    text_fmt=None,
    highlight=(),
) -> go.Figure:
    """Horizontal bars, largest on top; `key` rides along as customdata for selection events. With a
    `highlight` (values of `key`), those bars keep the colour and the others are muted."""
    df = df.iloc[::-1]
    colors = (
        color
        if not highlight or not key
        else [color if v in set(highlight) else MUTED for v in df[key]]
    )
    bars = go.Bar(
        **UNCHECKED,
        x=df[value],
        y=text(df[label]),
        orientation="h",
        marker_color=colors,
        customdata=df[key] if key else None,
        text=[text_fmt(v) for v in df[value]] if text_fmt else None,
        textposition="auto",
    )
    layout = _layout(
        height or max(260, 28 * len(df) + 60), xaxis=_titled(x_title), showlegend=False
    )
    return go.Figure(**UNCHECKED, data=[bars], layout=layout)


def natural_key(value) -> tuple:
    """Sort key that reads numbers inside names as numbers: "Comuna 2" before "Comuna 10", "2" before "10"."""
    parts = re.split(r"(\d+)", str(value).casefold())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def heatmap(
    df: pd.DataFrame, x: str, y: str, z: str, z_title: str, height: int = 520, top: int = 15
) -> go.Figure:
    """A long table pivoted into a heatmap (rows y, columns x): the `top` rows with the largest totals
    (a city with 90 categories still gets a readable chart), columns in natural order."""
    # pivot_table's result, at a third of its cost (8 -> 2.8 ms for 30 districts x 20 categories).
    pivot = df.groupby([y, x], sort=True)[z].sum().unstack(fill_value=0)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values(ascending=False).index[:top]]
    pivot = pivot[sorted(pivot.columns, key=natural_key)]
    cells = go.Heatmap(
        **UNCHECKED,
        z=pivot.to_numpy(),
        x=text(pivot.columns),
        y=text(pivot.index),
        colorscale=HEAT,
        colorbar=dict(title=dict(text=z_title)),
    )
    return go.Figure(**UNCHECKED, data=[cells], layout=_layout(height, xaxis=dict(tickangle=-45)))


def stacked(
    df: pd.DataFrame,
    x: str,
    color: str,
    value: str,
    colors: dict | None = None,
    labels: dict | None = None,
    y_title: str = "",
    height: int = 320,
) -> go.Figure:
    bars = [
        go.Bar(
            **UNCHECKED,
            x=text(g[x]),
            y=g[value],
            name=text([(labels or {}).get(name, name)])[0],
            marker_color=(colors or {}).get(name, SERIES[i % len(SERIES)]),
        )
        for i, (name, g) in enumerate(df.groupby(color, sort=False))
    ]
    return go.Figure(
        **UNCHECKED, data=bars, layout=_layout(height, barmode="stack", yaxis=_titled(y_title))
    )


def donut(labels, values, height: int = 300) -> go.Figure:
    pie = go.Pie(
        **UNCHECKED,
        labels=text(labels),
        values=list(values),
        hole=0.55,
        marker=dict(colors=SERIES),
        sort=False,
        textinfo="percent+value",
    )
    return go.Figure(**UNCHECKED, data=[pie], layout=_layout(height))


def line(
    df: pd.DataFrame,
    x: str,
    y: str,
    name: str,
    y_title: str = "",
    height: int = 320,
    lang: str = "en",
    monthly: bool = True,
) -> go.Figure:
    points = go.Scatter(
        **UNCHECKED,
        x=df[x],
        y=df[y],
        name=text([name])[0],
        mode="lines+markers",
        line=dict(color=ACCENT, width=3),
    )
    layout = _layout(
        height,
        xaxis=date_ticks(df[x], lang, monthly=monthly),
        yaxis=_titled(y_title),
        showlegend=False,
    )
    return go.Figure(**UNCHECKED, data=[points], layout=layout)
