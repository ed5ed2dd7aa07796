"""Overview (Ringkasan): the city at a glance."""

import streamlit as st

from ccdash import charts, views
from ccdash.i18n import fmt_num, fmt_pct
from ccdash.ui import ctx as get_ctx, header, q
from ccdash.views import plot

ctx = get_ctx()
header(ctx, "nav.overview")

views.complaint_kpis(ctx, q("complaint_kpis", ctx.filters, ctx.at))
cctv, wifi = q("cctv_summary", ctx.filters.kecamatan), q("wifi_summary", ctx.filters.kecamatan)
c = st.columns(3)
c[0].metric(ctx.t("kpi.cctv_online"), fmt_pct((cctv["online_pct"] or 0) / 100 if cctv["cameras"] else None, ctx.lang),
            help=f"{fmt_num(cctv['online'], ctx.lang)} / {fmt_num(cctv['cameras'], ctx.lang)}")
c[1].metric(ctx.t("kpi.wifi_active"), f"{fmt_num(wifi['active'], ctx.lang)} / {fmt_num(wifi['points'], ctx.lang)}")
c[2].metric(ctx.t("kpi.wifi_users"), fmt_num(wifi["users_last_month"], ctx.lang))

left, right = st.columns([2, 1])
with left:
    st.subheader(ctx.t("chart.trend"))
    plot(ctx, charts.trend(q("daily_trend", ctx.filters, ctx.at), ctx.t("chart.daily"),
                                 ctx.t("chart.mean_7d"), ctx.t("chart.complaints"), lang=ctx.lang), key="ov_trend")
with right:
    top = q("count_by", ctx.filters, "category", ctx.at, 8)
    views.clickable_bar(ctx, top, "category", "complaints", "ov_top", ctx.t("chart.top_categories"), height=360)

st.subheader(ctx.t("map.title"))
names = {k: ctx.t(f"map.{k}") for k in views.LAYERS}
layers = st.pills(ctx.t("map.layers"), list(views.LAYERS), selection_mode="multi", default=["hex", "districts"],
                  format_func=names.get, key="ov_layers")
views.city_map(ctx, layers or [], key="ov_map")
