"""The usual Streamlit dashboard, as a baseline: CSV into pandas under st.cache_data, boolean masks,
pandas group-bys, raw points to pydeck. Same filters and tiles as ccdash's Overview/Complaints."""

import os
from datetime import timedelta

import pandas as pd
import plotly.express as px
import pydeck as pdk
import streamlit as st

PATH = os.environ["BASELINE_CSV"]
PAGE = os.environ.get("BASELINE_PAGE", "overview")


@st.cache_data
def load() -> pd.DataFrame:
    return pd.read_csv(PATH, parse_dates=["created_at", "due_at", "closed_at"])


df = load()
now = df.created_at.max()
kec = st.sidebar.multiselect("Kecamatan", sorted(df.kecamatan.unique()), key="f_kecamatan")
cat = st.sidebar.multiselect("Category", sorted(df.category.unique()), key="f_category")
lo = (now - timedelta(days=89)).normalize()
m = (df.created_at >= lo) & (df.created_at <= now)
if kec:
    m &= df.kecamatan.isin(kec)
if cat:
    m &= df.category.isin(cat)
f = df[m]

day0 = now.normalize()
closed = f.closed_at.notna() & (f.closed_at <= now)
overdue = ~closed & (f.due_at < now)
c = st.columns(6)
c[0].metric("New today", int((f.created_at >= day0).sum()))
c[1].metric("Last 7 days", int((f.created_at >= day0 - timedelta(days=6)).sum()))
c[2].metric("Open", int((~closed).sum()))
c[3].metric("Overdue", int(overdue.sum()))
denom = closed.sum() + overdue.sum()
c[4].metric(
    "On time", f"{(closed & (f.closed_at <= f.due_at)).sum() / denom:.1%}" if denom else "-"
)
res = f[closed & (f.status == "resolved")]
c[5].metric(
    "Median days", f"{((res.closed_at - res.created_at).dt.total_seconds() / 86400).median():.1f}"
)

daily = f.groupby(f.created_at.dt.date).size().rename("n").reset_index()
daily["mean_7d"] = daily.n.rolling(7, min_periods=1).mean()
st.plotly_chart(px.bar(daily, x="created_at", y="n"))
top = f.category.value_counts().head(8).reset_index()
st.plotly_chart(px.bar(top, x="count", y="category", orientation="h"))
st.pydeck_chart(
    pdk.Deck(
        layers=[
            pdk.Layer(
                "ScatterplotLayer", f[["lon", "lat"]], get_position=["lon", "lat"], get_radius=30
            )
        ],
        map_provider=None,
        initial_view_state=pdk.ViewState(latitude=-6.917, longitude=107.62, zoom=11),
    )
)
if PAGE == "complaints":
    heat = f.pivot_table(
        index="category", columns="kecamatan", values="complaint_id", aggfunc="count", fill_value=0
    )
    st.plotly_chart(px.imshow(heat))
    g = f.assign(
        closed=closed, overdue=overdue, on_time=closed & (f.closed_at <= f.due_at)
    ).groupby("agency")
    st.dataframe(
        pd.DataFrame({"received": g.size(), "on_time": g.on_time.sum(), "overdue": g.overdue.sum()})
    )
    st.dataframe(
        f.sort_values("created_at", ascending=False)
        .head(1000)
        .drop(columns=[x for x in f.columns if x.startswith("reporter")])
    )
