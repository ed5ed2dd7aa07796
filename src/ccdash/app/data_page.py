"""The Data sources page: each extract's file, rows, span, freshness and last ingest; schemas; the upload."""

from __future__ import annotations

import hmac
from pathlib import Path

import pandas as pd
import streamlit as st

from ..data.clock import city_time, from_timestamp
from ..data.files import extract_path
from ..data.ingest import IngestError, Mapping, ingest, last_ingest
from ..data.profile import REPO_ROOT, data_dir
from ..data.schema import KINDS, TABLES
from ..metrics import sources
from ..present.i18n import fmt_datetime, fmt_num
from .state import Context, get_store, run


def sources_table(ctx: Context, directory: Path) -> pd.DataFrame:
    """One row per extract; times in the city's zone."""
    stats = run(sources.source_stats)
    now = city_time(ctx.profile)
    rows = []
    for table in TABLES:
        path = extract_path(directory, table)
        s = stats[table]
        log = last_ingest(directory, table)
        modified = from_timestamp(ctx.profile, path.stat().st_mtime) if path else None
        age_h = (now - modified).total_seconds() / 3600 if modified else None
        rows.append({
            ctx.t("data.table"): table,
            ctx.t("data.file"): path.name if path else ctx.t("data.missing"),
            ctx.t("data.rows"): fmt_num(s["rows"], ctx.lang),
            ctx.t("data.span"): f"{s['first']:%Y-%m-%d} – {s['last']:%Y-%m-%d}" if s["first"] is not None else "–",
            ctx.t("data.modified"): fmt_datetime(modified, ctx.lang) if modified else "–",
            ctx.t("data.freshness"): ctx.t("data.age", hours=fmt_num(age_h, ctx.lang, 1)) if age_h is not None else "–",
            ctx.t("data.last_ingest"): ctx.t("data.rejected", accepted=fmt_num(log["accepted"], ctx.lang),
                                             rejected=fmt_num(log["rejected"], ctx.lang)) + f" ({log['source']}, {log['at']})"
            if log else ctx.t("data.no_ingest"),
        })
    return pd.DataFrame(rows)


def _admin_password() -> str | None:
    try:
        return st.secrets.get("admin_password")
    except Exception:  # no secrets file at all: read-only
        return None


def upload_form(ctx: Context, directory: Path) -> None:
    """Upload an extract (admins only): the same validation as the command line."""
    admin_password = _admin_password()
    if not admin_password:
        st.info(ctx.t("data.readonly"), icon="🔒")
        return
    mappings = sorted((REPO_ROOT / "mappings").glob("*.toml"))
    with st.form("dt_upload", clear_on_submit=False):
        kind = st.selectbox(ctx.t("data.kind"), list(KINDS), key="dt_kind")
        mapping_file = st.selectbox(ctx.t("data.mapping"), [None, *mappings], key="dt_mapping",
                                    format_func=lambda p: ctx.t("data.mapping_none") if p is None else Path(p).name)
        mode = st.radio(ctx.t("data.mode"), ["append", "replace"], key="dt_mode", horizontal=True,
                        format_func=lambda m: ctx.t(f"data.{m}"))
        upload = st.file_uploader(ctx.t("data.file_input"), type=["csv", "txt", "parquet", "json"], key="dt_file")
        password = st.text_input(ctx.t("data.password"), type="password", key="dt_password")
        submitted = st.form_submit_button(ctx.t("data.submit"))
    if not submitted:
        return
    if not hmac.compare_digest(password.encode(), str(admin_password).encode()):
        st.error(ctx.t("data.wrong_password"))
        return
    if upload is None:
        return
    try:
        report = ingest(upload.name, kind, directory, ctx.profile,
                        Mapping.load(mapping_file) if mapping_file else None,
                        replace=mode == "replace", data=upload.getvalue(), source_name=upload.name)
    except IngestError as e:
        st.error(ctx.t("data.failed", error=str(e)))
        st.caption(ctx.t("data.nothing_changed"))
        return
    st.success(ctx.t("data.done", accepted=fmt_num(report.accepted, ctx.lang), rejected=fmt_num(report.rejected, ctx.lang)))
    if report.reasons:  # a short table as text: reasons quote the file's own values
        st.table(pd.DataFrame(list(report.reasons.items()), columns=["reason", "rows"]))


def render(ctx: Context) -> None:
    directory = data_dir()
    st.dataframe(sources_table(ctx, directory), hide_index=True, key="dt_sources")
    st.subheader(ctx.t("data.schema"))
    for table in TABLES:
        with st.expander(table):
            st.dataframe(get_store().describe(table), hide_index=True, key=f"dt_schema_{table}")
    st.subheader(ctx.t("data.upload"))
    upload_form(ctx, directory)
