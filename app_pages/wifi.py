"""Public wifi: points with coverage, site types, bandwidth mix, users, points per 10k residents."""

import streamlit as st

from ccdash import charts, views
from ccdash.i18n import fmt_num, fmt_pct
from ccdash.ui import ctx as get_ctx, header, q
from ccdash.views import plot

ctx = get_ctx()
kec = ctx.filters.kecamatan  # wifi points follow the district filter
header(ctx, "nav.wifi")

s = q("wifi_summary", kec)
c = st.columns(4)
c[0].metric(ctx.t("wifi.points"), fmt_num(s["points"], ctx.lang))
c[1].metric(ctx.t("kpi.wifi_active"), fmt_num(s["active"], ctx.lang))
c[2].metric(ctx.t("wifi.at_300"), fmt_pct(s["at_300"] / s["points"] if s["points"] else None, ctx.lang))
c[3].metric(ctx.t("kpi.wifi_users"), fmt_num(s["users_last_month"], ctx.lang))

st.subheader(ctx.t("wifi.map"))
views.city_map(ctx, ["wifi"], key="wf_map")

left, right = st.columns(2)
with left:
    st.subheader(ctx.t("wifi.by_site_type"))
    types = q("wifi_by_site_type", kec).rename(columns={"site_type": "value"})
    types = types.assign(label=[ctx.label("site_type", v) for v in types.value])
    plot(ctx, charts.hbar(types, "points", "label", x_title=ctx.t("chart.points")), key="wf_types")
    st.subheader(ctx.t("wifi.users"))
    plot(ctx, charts.line(q("wifi_users_by_month", kec), "month", "users", ctx.t("chart.users"),
                                y_title=ctx.t("chart.users"), lang=ctx.lang), key="wf_users")
with right:
    st.subheader(ctx.t("wifi.bandwidth"))
    mix = q("wifi_bandwidth_mix", kec)
    plot(ctx, charts.donut([f"{b} Mbps" for b in mix.bandwidth_mbps], mix.points), key="wf_mix")
    st.subheader(ctx.t("wifi.per_10k"))
    per = q("wifi_per_10k")
    plot(ctx, charts.hbar(per.sort_values("per_10k", ascending=False), "per_10k", "kecamatan",
                                x_title=ctx.t("col.per_10k"), color="#4cc9f0",
                                text_fmt=lambda v: fmt_num(v, ctx.lang, 1)), key="wf_per10k")
