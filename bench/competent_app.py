"""A fair baseline: the same Overview and Complaints as ccdash, written as a competent pandas user would.

Parquet read once into a shared frame (st.cache_resource: no copy per rerun), category dtypes for the
dimensions, boolean masks, and the map pre-aggregated to H3 cells (the stored h3_r8) instead of raw
points. The tiles follow ccdash's definitions (docs/data.md, Metrics). What it does not do that ccdash's
pages do: the other filters (agency, channel, status), clickable charts, district choropleth and other
layers, the language switch, the scorecard's median days, staleness, cached results per filter state.
"""

import os
from datetime import timedelta

import pandas as pd
import plotly.express as px
import pydeck as pdk
import streamlit as st

PATH = os.environ["BASELINE_PARQUET"]
PAGE = os.environ.get("BASELINE_PAGE", "overview")
COLUMNS = [
    "complaint_id",
    "created_at",
    "due_at",
    "closed_at",
    "status",
    "category",
    "agency",
    "channel",
    "kecamatan",
    "kelurahan",
    "lat",
    "lon",
    "description",
    "h3_r8",
]


@st.cache_resource
def load() -> pd.DataFrame:
    df = pd.read_parquet(PATH, columns=COLUMNS)
    for c in ("status", "category", "agency", "channel", "kecamatan"):
        df[c] = df[c].astype("category")
    return df


df = load()
now = df.created_at.max()
kec = st.sidebar.multiselect("Kecamatan", list(df.kecamatan.cat.categories), key="f_kecamatan")
cat = st.sidebar.multiselect("Category", list(df.category.cat.categories), key="f_category")
dims = pd.Series(True, index=df.index)
if kec:
    dims &= df.kecamatan.isin(kec)
if cat:
    dims &= df.category.isin(cat)
w0, w1 = (now - timedelta(days=89)).normalize(), now.normalize() + timedelta(days=1)
d = df[dims & (df.created_at <= now)]
is_open = d.closed_at.isna() | (d.closed_at > now)
closed_in_w = ~is_open & (d.closed_at >= w0) & (d.closed_at < w1)
resolved = closed_in_w & (d.status == "resolved")
past_due = is_open & (d.due_at < now) & (d.due_at >= w0)
f = d[(d.created_at >= w0) & (d.created_at < w1)]

c = st.columns(6)
c[0].metric("New today", int((d.created_at >= now.normalize()).sum()))
c[1].metric("Last 7 days", int((d.created_at > now - timedelta(hours=168)).sum()))
c[2].metric("Open backlog", int(is_open.sum()))
c[3].metric("Overdue", int((is_open & (d.due_at < now)).sum()))
denom = resolved.sum() + past_due.sum()
c[4].metric(
    "On time", f"{(resolved & (d.closed_at <= d.due_at)).sum() / denom:.1%}" if denom else "-"
)
res = d[resolved]
c[5].metric(
    "Median days", f"{((res.closed_at - res.created_at).dt.total_seconds() / 86400).median():.1f}"
)

daily = f.groupby(f.created_at.dt.floor("D")).size().rename("n").reset_index()
daily["mean_7d"] = daily.n.rolling(7, min_periods=1).mean()
st.plotly_chart(px.bar(daily, x="created_at", y="n"))
top = f.category.value_counts().head(8).reset_index()
st.plotly_chart(px.bar(top, x="count", y="category", orientation="h"))
hexes = f.groupby("h3_r8").size().rename("n").reset_index()
hexes["hex"] = [format(int(h), "x") for h in hexes.h3_r8]
st.pydeck_chart(
    pdk.Deck(
        layers=[
            pdk.Layer(
                "H3HexagonLayer",
                hexes[["hex", "n"]],
                get_hexagon="hex",
                get_fill_color="[255, 140, 0, 160]",
                extruded=False,
            )
        ],
        map_provider=None,
        initial_view_state=pdk.ViewState(latitude=-6.917, longitude=107.62, zoom=11),
    )
)
if PAGE == "complaints":
    heat = f.groupby(["category", "kecamatan"], observed=True).size().unstack(fill_value=0)
    st.plotly_chart(px.imshow(heat))
    g = d.assign(
        received=(d.created_at >= w0),
        resolved=resolved,
        past_due=past_due,
        on_time=resolved & (d.closed_at <= d.due_at),
    ).groupby("agency", observed=True)
    st.dataframe(
        pd.DataFrame(
            {
                "received": g.received.sum(),
                "on_time": g.on_time.sum(),
                "denominator": g.resolved.sum() + g.past_due.sum(),
            }
        )
    )
    st.dataframe(f.sort_values("created_at", ascending=False).head(1000).drop(columns=["h3_r8"]))
