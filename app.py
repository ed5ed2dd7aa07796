"""ccdash: router and shared frame (page config, theme, language, sidebar filters, navigation)."""

import streamlit as st

from ccdash import ui
from ccdash.i18n import t

st.set_page_config(page_title="ccdash", page_icon="🛰️", layout="wide")

profile = ui.get_profile()
store = ui.get_store()
lang = ui.language(profile)
options = ui.q("filter_options")
filters = ui.sidebar(profile, lang, options)
lang = st.session_state.lang
at = ui.now(profile)
st.session_state.ctx = ui.Context(profile, lang, at, options, filters)
ui.write_url(filters, lang)

pages = {
    t("nav.section.views", lang): [
        st.Page("pages/overview.py", title=t("nav.overview", lang), icon="🏙️", url_path="overview", default=True),
        st.Page("pages/complaints.py", title=t("nav.complaints", lang), icon="📣", url_path="complaints"),
        st.Page("pages/cctv.py", title=t("nav.cctv", lang), icon="📹", url_path="cctv"),
        st.Page("pages/wifi.py", title=t("nav.wifi", lang), icon="📶", url_path="wifi"),
    ],
    t("nav.section.admin", lang): [
        st.Page("pages/data.py", title=t("nav.data", lang), icon="🗂️", url_path="data"),
    ],
}
page = st.navigation(pages)
ui.notices(lang, store)
page.run()
