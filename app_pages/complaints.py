"""Complaints (Pengaduan): filters, trend, heatmap, agency scorecard, hotspots, drill-down."""

import streamlit as st

from ccdash import charts, views
from ccdash.i18n import fmt_num
from ccdash.ui import ctx as get_ctx, header, q
from ccdash.views import plot

ctx = get_ctx()
header(ctx, "nav.complaints")
st.caption(ctx.t("complaints.click_hint"))

kpis = q("complaint_kpis", ctx.filters, ctx.at)
views.complaint_kpis(ctx, kpis)
st.subheader(ctx.t("chart.trend"))
plot(ctx, charts.trend(q("daily_trend", ctx.filters, ctx.at), ctx.t("chart.daily"),
                             ctx.t("chart.mean_7d"), ctx.t("chart.complaints"), lang=ctx.lang), key="cp_trend")

left, right = st.columns(2)
with left:
    views.clickable_bar(ctx, q("count_by", ctx.filters, "category", ctx.at), "category", "complaints", "cp_cat",
                        ctx.t("filters.category"))
with right:
    per = q("by_kecamatan", ctx.filters, ctx.at).rename(columns={"kecamatan": "value"})
    views.clickable_bar(ctx, per, "kecamatan", "per_10k", "cp_kec", ctx.t("chart.per_10k"),
                        text_fmt=lambda v: fmt_num(v, ctx.lang, 1), color="#4cc9f0")

st.subheader(ctx.t("chart.heatmap"))
heat = views.labelled(ctx, q("category_by_kecamatan", ctx.filters, ctx.at))
plot(ctx, charts.heatmap(heat, "kecamatan", "category", "complaints", ctx.t("chart.complaints")), key="cp_heat")

st.subheader(ctx.t("complaints.scorecard"))
views.table(ctx, q("agency_scorecard", ctx.filters, ctx.at), key="cp_score")

left, right = st.columns(2)
with left:
    st.subheader(ctx.t("complaints.hotspots"))
    views.city_map(ctx, ["hex"], key="cp_hex", height=460, zoom=ctx.profile.zoom - 0.6)
with right:
    st.subheader(ctx.t("complaints.choropleth"))
    views.city_map(ctx, ["districts"], key="cp_choro", height=460, selectable=True, zoom=ctx.profile.zoom - 0.6)

st.subheader(ctx.t("complaints.table"))
total = kpis["total"]
rows = views.labelled(ctx, q("complaint_rows", ctx.filters, ctx.at, 1000))
st.caption(ctx.t("complaints.showing", shown=fmt_num(len(rows), ctx.lang), total=fmt_num(total, ctx.lang)))
views.table(ctx, rows, key="cp_rows", height=420)
filters, at = ctx.filters, ctx.at
st.download_button(ctx.t("complaints.download"), data=lambda: q("complaint_rows", filters, at, None).to_csv(index=False),
                   file_name="complaints_filtered.csv", mime="text/csv", key="cp_download", on_click="ignore")
