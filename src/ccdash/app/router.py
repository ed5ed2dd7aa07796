"""The router: page config, language, the hands-free screens or the desk pages with their shared sidebar."""

from __future__ import annotations

import streamlit as st

from .. import memory
from ..data.profile import ProfileError
from ..data.spark_store import EngineError
from ..metrics import complaints
from ..metrics.filters import Filters
from ..present.i18n import plain, t
from . import access, frame, lazy
from .state import begin_run, context, get_profile, get_store, run
from .uploads import guard_uploads

# Pages that use only some of the shared filters (the others stay, greyed out, for the next page).
FILTERS_THAT_APPLY = {"coverage": ("kecamatan",)}


def main() -> None:
    lazy.page_run_started()  # a section's rerun that asked for the page's has it
    begin_run()  # this run looks up the store and its inputs' versions once
    memory.tune_process()  # the server's entry: once per process, the later runs find it done
    guard_uploads()  # the same: the upload endpoint keeps files for administrators only
    st.set_page_config(page_title="ccdash", layout="wide")
    try:
        profile = get_profile()
    except ProfileError as e:  # one line naming the file, the key and what is expected
        st.error(plain(str(e), limit=400), icon="⚙️")
        st.stop()
    try:
        store = get_store()
    except EngineError as e:  # e.g. the Spark cluster is down: one line, not a traceback
        st.error(plain(str(e), limit=400), icon="⚙️")
        st.stop()
    lang = frame.language(profile)
    wall = st.Page("app_pages/wall.py", title=t("wall.title", lang), url_path="wall")
    tour = st.Page("app_pages/tour.py", title=t("wall.tour", lang), url_path="tour")

    hands_free = st.query_params.get("mode") == "wall" or st.query_params.get("tour") == "1"
    identity = access.identify(profile, lang, hands_free)  # stops at the sign-in screen
    if hands_free:
        # Hands-free screens: no sidebar, no filters, nothing to click but the tour's buttons.
        st.session_state.ctx = context(profile, lang, {}, Filters())
        page = st.navigation(
            [wall if st.query_params.get("mode") == "wall" else tour], position="hidden"
        )
        st.set_page_config(page_title=f"{page.title} · {profile.name}")
        frame.set_document_language(lang)
        page.run()
        memory.freeze_startup()
        return

    options = run(complaints.filter_options)
    pages = {
        t("nav.section.views", lang): [
            st.Page("app_pages/overview.py", title=t("nav.overview", lang), default=True),
            *(
                [
                    st.Page(
                        "app_pages/complaints.py",
                        title=t("nav.complaints", lang),
                        url_path="complaints",
                    )
                ]
                if profile.has("complaints")
                else []
            ),
            *(
                [st.Page("app_pages/cctv.py", title=t("nav.cctv", lang), url_path="cctv")]
                if profile.has("cctv")
                else []
            ),
            *(
                [
                    st.Page("app_pages/wifi.py", title=t("nav.wifi", lang), url_path="wifi"),
                    st.Page(
                        "app_pages/coverage.py", title=t("nav.coverage", lang), url_path="coverage"
                    ),
                ]
                if profile.has("wifi")
                else []
            ),
        ],
        t("wall.section", lang): [wall, tour],
        t("nav.section.admin", lang): [
            st.Page("app_pages/data.py", title=t("nav.data", lang), url_path="data"),
        ],
    }
    page = st.navigation(pages)
    # The page is known before the sidebar is drawn, so filters that do not apply to it say so.
    # A city without complaints filters its cameras and points by district only.
    applies = FILTERS_THAT_APPLY.get(page.url_path) or (
        None if profile.has("complaints") else ("kecamatan",)
    )
    filters = frame.sidebar(profile, lang, options, applies)
    lang = st.session_state.lang
    with st.sidebar:
        access.signed_in_line(identity, lang)
    st.session_state.ctx = context(profile, lang, options, filters)
    frame.write_url(filters, lang)
    # Each page its own browser title, and the document's language the page's (screen readers, translators).
    st.set_page_config(page_title=f"{page.title} · {profile.name}")
    frame.set_document_language(lang)
    frame.notices(lang, store)
    page.run()
    memory.freeze_startup()
    memory.trim()
