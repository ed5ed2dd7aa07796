"""CCTV: camera status on the map, online share, offline list, and complaints a camera could verify."""

import streamlit as st

from ccdash import charts, views
from ccdash.i18n import fmt_num, fmt_pct
from ccdash.ui import ctx as get_ctx, header, q
from ccdash.views import plot

ctx = get_ctx()
kec = ctx.filters.kecamatan  # cameras follow the district filter
header(ctx, "nav.cctv")

s = q("cctv_summary", kec)
c = st.columns(4)
c[0].metric(ctx.t("chart.cameras"), fmt_num(s["cameras"], ctx.lang))
c[1].metric(ctx.t("kpi.cctv_online"), fmt_pct(s["online_pct"] / 100 if s["online_pct"] is not None else None, ctx.lang))
c[2].metric(ctx.label("status", "offline"), fmt_num(s["offline"], ctx.lang))
c[3].metric(ctx.label("status", "maintenance"), fmt_num(s["maintenance"], ctx.lang))

st.subheader(ctx.t("cctv.map"))
views.city_map(ctx, ["cctv"], key="cc_map")

left, right = st.columns(2)
with left:
    byk = q("cctv_by_kecamatan", kec).rename(columns={"kecamatan": "value"})
    st.subheader(ctx.t("cctv.by_kecamatan"))
    plot(ctx, charts.hbar(byk.sort_values("online_pct", ascending=False), "online_pct", "value",
                                x_title=ctx.t("chart.online_pct"), color="#2ecc71",
                                text_fmt=lambda v: fmt_num(v, ctx.lang, 0) + "%"), key="cc_byk")
with right:
    st.subheader(ctx.t("cctv.by_kind"))
    kinds = q("cctv_by_kind", kec)
    kinds = kinds.assign(kind_label=[ctx.label("kind", k) for k in kinds.kind])
    plot(ctx, charts.stacked(kinds, "kind_label", "status", "cameras", charts.STATUS,
                                   {s: ctx.label("status", s) for s in kinds.status.unique()},
                                   y_title=ctx.t("chart.cameras")), key="cc_kind")
    st.subheader(ctx.t("cctv.offline"))
    views.table(ctx, views.labelled(ctx, q("cctv_offline", ctx.at, kecamatan=kec)), key="cc_offline", height=320)

st.subheader(ctx.t("cctv.integration"))
st.caption(ctx.t("cctv.integration_help"))
left, right = st.columns(2)
for col, by, title in ((left, "kecamatan", "cctv.by_district"), (right, "category", "cctv.by_category")):
    with col:
        df = q("complaints_in_camera_view", ctx.filters, ctx.at, by)
        df = df.assign(label=[ctx.label(by, v) for v in df.value])
        st.markdown(f"**{ctx.t(title)}**")
        plot(ctx, charts.hbar(df, "in_view_pct", "label", x_title=ctx.t("chart.in_view_pct"), color="#9b5de5",
                                    text_fmt=lambda v: fmt_num(v, ctx.lang, 1) + "%"), key=f"cc_int_{by}")
