"""The shared frame around every desk page: language, sidebar filters mirrored in the URL, header, notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

import streamlit as st

from ..data.clock import city_time
from ..data.profile import Profile
from ..data.store import BaseStore
from ..metrics.filters import (
    DIMENSIONS,
    Filters,
    clamp_dates,
    default_window,
    from_query_params,
)
from ..present.catalog import catalogs
from ..present.charts import natural_key
from ..present.i18n import (
    fmt_datetime,
    fmt_num,
    label,
    language_name,
    languages,
    normalize_lang,
    plain,
    problem_lines,
    t,
    words,
)
from .lazy import rerun_page
from .state import Context

MAX_NOTICES = 5  # ignored link parameters listed one by one; the rest are counted


# Trusted, fixed code; the language arrives as data and only a well-formed language tag is ever
# written. (On several lines: Streamlit reads a one-line js string as a file path.)
_DOC_LANG_JS = """
export default function ({ data }) {
  if (/^[a-z]{2,3}(-[A-Z][A-Za-z0-9]{1,7})?$/.test(data.lang)) document.documentElement.lang = data.lang;
}
"""
_doc_lang = st.components.v2.component("ccdash_document_language", js=_DOC_LANG_JS)


def set_document_language(lang: str) -> None:
    """<html lang> follows the page's language (screen readers, translators). A components-v2 element: the
    lazy sections load its code anyway, so the page needs no st.html (and no HTML sanitiser) for this."""
    with st.container(key="doc_lang"):  # hidden: it takes no room on any page
        st.markdown(
            "<style>.st-key-doc_lang { display: none; }"
            # A tile's label with its window ("Median days to resolve · 23 Aug – 20 Nov 2026") wraps in
            # its tile instead of being cut with an ellipsis.
            "[data-testid=stMetricLabel], [data-testid=stMetricLabel] * { white-space: normal !important;"
            " overflow: visible !important; text-overflow: clip !important; }"
            # The complaint tiles' place while they are drawn (desk.tiles_first): two rows of tiles.
            ".st-key-desk_tiles { min-height: 17rem; }</style>",
            unsafe_allow_html=True,
        )
        _doc_lang(key="doc_lang_value", data={"lang": lang.replace("_", "-")})


def language(profile: Profile) -> str:
    if "lang" not in st.session_state:
        st.session_state.lang = normalize_lang(
            st.query_params.get("lang"), profile.default_language
        )
    return st.session_state.lang


def _as_date(d) -> date | None:
    return d.date() if isinstance(d, datetime) else d


def _default_dates(options) -> tuple[date, date] | tuple:
    if options.get("date_max") is None:
        return ()
    w = default_window(options.get("date_min"), options.get("date_max"))
    return (w.start, w.end)


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _load_url_once(options) -> None:
    """At a session's first run, the URL's filters become the widgets' state; bad values get a notice."""
    if st.session_state.get("_url_loaded"):
        return
    f, notices = from_query_params(_url_params(), options)
    f, outside = clamp_dates(
        f, _as_date(options.get("date_min")), _as_date(options.get("date_max"))
    )
    notices += outside
    default = _default_dates(options)
    if default:
        st.session_state.f_dates = (f.start or default[0], f.end or default[1])
    for dim in DIMENSIONS:
        st.session_state[f"f_{dim}"] = list(getattr(f, dim))
    st.session_state._notices = notices
    st.session_state._url_loaded = True


def current_filters(options) -> Filters:
    dates = st.session_state.get("f_dates") or _default_dates(options)
    start, end = (dates[0], dates[-1]) if dates else (None, None)
    return Filters(
        start=start, end=end, **{d: tuple(st.session_state.get(f"f_{d}") or ()) for d in DIMENSIONS}
    )


def write_url(f: Filters, lang: str) -> None:
    """Mirror the filters and language in the address bar so the view is a link."""
    want: dict[str, list[str] | str] = {}
    if f.start:
        want["from"] = f.start.isoformat()
    if f.end:
        want["to"] = f.end.isoformat()
    for dim in DIMENSIONS:
        if getattr(f, dim):
            want[dim] = list(getattr(f, dim))
    want["lang"] = lang
    for key in ("from", "to", *DIMENSIONS, "lang"):
        cur = st.query_params.get_all(key)
        new = want.get(key)
        new_list = [new] if isinstance(new, str) else (new or [])
        if cur != new_list:
            if new_list:
                st.query_params[key] = new if isinstance(new, str) else new_list
            elif key in st.query_params:
                del st.query_params[key]


def set_filter(dim: str, values) -> None:
    """For callbacks (chart and map clicks): set one filter before the widgets are drawn. A click inside a
    section below the fold reruns the whole page, since the filter is the page's."""
    st.session_state[f"f_{dim}"] = list(values)
    rerun_page()


PRESETS = ("today", "7", "30", "90", "ytd")


def preset_range(preset: str, lo: date, hi: date) -> tuple[date, date]:
    """The dates of a preset, ending on the newest complaint's day and never before the oldest."""
    if preset == "today":
        start = hi
    elif preset == "ytd":
        start = date(hi.year, 1, 1)
    else:
        start = hi - timedelta(days=int(preset) - 1)
    return max(lo, start), hi


def _apply_preset(options) -> None:
    preset = st.session_state.get("f_preset")
    lo, hi = _as_date(options.get("date_min")), _as_date(options.get("date_max"))
    if preset and lo is not None and hi is not None:
        st.session_state.f_dates = preset_range(preset, lo, hi)


def _dates_edited() -> None:
    st.session_state.f_preset = None  # a range chosen by hand is no preset


def _reset(options) -> None:
    st.session_state.f_preset = None
    default = _default_dates(options)
    if default:
        st.session_state.f_dates = default
    for dim in DIMENSIONS:
        st.session_state[f"f_{dim}"] = []


def _keep_dates_within(lo, hi) -> None:
    """The chosen dates moved inside the data's span when it shrinks (a restore to an earlier
    version, a shorter extract): a date past the picker's new last day is refused by Streamlit with
    an exception in place of the page."""
    chosen = st.session_state.get("f_dates")
    if chosen:
        lo, hi = (d.date() if isinstance(d, datetime) else d for d in (lo, hi))
        inside = tuple(min(max(d, lo), hi) for d in chosen)
        if inside != tuple(chosen):
            st.session_state.f_dates = inside


def sidebar(
    profile: Profile, lang: str, options: dict, applies: tuple[str, ...] | None = None
) -> Filters:
    """The shared filters in the sidebar; returns the Filters they select. `applies`: the only
    filters the page uses ("dates" among them or not); the others are shown greyed out, their
    choices kept for the next page."""

    def off(name: str) -> bool:
        return applies is not None and name not in applies

    _load_url_once(options)
    with st.sidebar:
        offered = languages(profile)
        offered = offered if lang in offered else (*offered, lang)
        if len(offered) <= 3:
            st.segmented_control(
                t("app.language", lang),
                offered,
                key="lang",
                required=True,
                format_func=language_name,
            )
        else:  # many languages: a list, not a row of buttons
            st.selectbox(t("app.language", lang), offered, key="lang", format_func=language_name)
        st.subheader(t("filters.title", lang))
        if applies is not None:
            st.caption(t("filters.only_some", lang))
        lo, hi = options.get("date_min"), options.get("date_max")
        if lo is not None:
            _keep_dates_within(lo, hi)
            st.date_input(
                t("filters.dates", lang),
                key="f_dates",
                min_value=lo,
                max_value=hi,
                format=t("format.date_input", lang),
                on_change=_dates_edited,
                disabled=off("dates"),
            )
            st.pills(
                t("filters.presets", lang),
                PRESETS,
                key="f_preset",
                selection_mode="single",
                format_func=lambda p: t(f"filters.preset_{p}", lang),
                on_change=_apply_preset,
                args=(options,),
                label_visibility="collapsed",
                disabled=off("dates"),
            )
        for dim in DIMENSIONS:
            st.multiselect(
                t(f"filters.{dim}", lang, **words(profile, lang)),
                sorted(options.get(dim, []), key=natural_key)
                if dim == "kecamatan"
                else options.get(dim, []),
                key=f"f_{dim}",
                format_func=partial(label, profile, lang, dim),
                placeholder=t("filters.all", lang),
                disabled=off(dim),
            )
        st.button(t("filters.reset", lang), on_click=_reset, args=(options,), key="f_reset")
        st.caption(t("filters.link", lang))
    return current_filters(options)


# The synthetic-data badge: pale amber on dark amber, 7:1 (Streamlit's orange badge is 3.6:1).
SYNTHETIC_CSS = (
    "<style>.st-key-synthetic div { opacity: 1 !important; }"  # a caption is 60% opaque
    ".st-key-synthetic [data-testid=stCaptionContainer] p { color: #ffd27a !important; "
    "background: #5c3a00; display: inline-block; padding: 0.1rem 0.55rem; "
    "border-radius: 0.4rem; font-weight: 600; }</style>"
)


def synthetic_banner(ctx: Context) -> None:
    """Every page says when its data is synthetic."""
    if ctx.profile.synthetic:
        with st.container(key="synthetic"):
            st.markdown(SYNTHETIC_CSS, unsafe_allow_html=True)  # static CSS only: no data in it
            st.caption(ctx.t("app.synthetic"))


def header(ctx: Context, title_key: str) -> None:
    st.title(ctx.t(title_key))
    cols = st.columns([3, 2])
    with cols[0]:
        synthetic_banner(ctx)
    with cols[1]:
        name = (
            f"{ctx.profile.name} ({ctx.t('app.synthetic_short')})"
            if ctx.profile.synthetic
            else ctx.profile.name
        )
        st.caption(
            f"{name} · {ctx.t('app.as_of', when=fmt_datetime(ctx.newest, ctx.lang))} "
            f"{ctx.profile.timezone_label}"
        )
    freshness(ctx)


def freshness(ctx: Context) -> None:
    """Every desk page says when its data stopped: no new complaint for longer than stale_hours."""
    if ctx.newest is None:
        if ctx.profile.has("complaints") or ctx.profile.has("cctv"):
            st.warning(
                ctx.t("app.no_data" if ctx.profile.has("complaints") else "app.no_data_any"),
                icon="⚠️",
            )
    elif ctx.stale:
        hours = (city_time(ctx.profile) - ctx.newest).total_seconds() / 3600
        st.warning(
            ctx.t(
                "app.stale",
                when=fmt_datetime(ctx.newest, ctx.lang),
                hours=fmt_num(hours, ctx.lang),
                limit=fmt_num(float(ctx.profile.threshold("stale_hours", 24)), ctx.lang),
            ),
            icon="⚠️",
        )


def notices(lang: str, store: BaseStore) -> None:
    items = st.session_state.pop("_notices", None)
    if items:
        shown = [
            n.message if n.value is None else f"{n.message} {plain(n.value)}"
            for n in items[:MAX_NOTICES]
        ]
        if len(items) > MAX_NOTICES:
            shown.append(t("app.more", lang, n=len(items) - MAX_NOTICES))
        st.info(t("app.notice_params", lang, items="; ".join(shown)), icon="⚠️")
    broken = catalogs().problems  # a city's catalog that cannot be read: skipped, and said once
    if broken:
        st.warning("; ".join(broken), icon="⚠️")
    if store.problems:
        items = "; ".join(problem_lines(store.problems, lang))
        st.warning(t("app.data_problem", lang, items=items), icon="⚠️")
