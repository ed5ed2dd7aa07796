"""The Data sources page: each extract's file, rows, span, freshness and last ingest; schemas; the upload."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from ..data import alert_log, dataset
from ..data import sources as live
from ..data.access import AuditLog
from ..data.clock import city_time, from_timestamp
from ..data.files import extract_path, version_path
from ..data.ingest import IngestError, last_ingest
from ..data.ingest.isolated import ingest_in_child
from ..data.profile import MAPPINGS_DIR, data_dir
from ..data.schema import KINDS, TABLES
from ..metrics import alerts, sources
from ..present.alert_text import alert_sentence
from ..present.i18n import fmt_datetime, fmt_num, plain
from .access import audit, current, sign_in_configured
from .auth import Throttle, check_password, throttle_for
from .state import Context, get_store, run
from .uploads import ADMIN_UNTIL, signed_in


def sources_table(ctx: Context, directory: Path) -> pd.DataFrame:
    """One row per extract; times in the city's zone."""
    stats = run(sources.source_stats)
    now = city_time(ctx.profile)
    rows = []
    for table in TABLES:
        path = extract_path(directory, table)
        s = stats[table]
        log = last_ingest(directory, table)
        modified = _modified(ctx, path)
        age_h = (now - modified).total_seconds() / 3600 if modified else None
        rows.append(
            {
                ctx.t("data.table"): table,
                ctx.t("data.file"): (
                    ctx.t(
                        "data.dataset",
                        name=path.name,
                        files=_file_count(path, ctx.lang),
                    )
                    if path and path.is_dir()
                    else path.name
                    if path
                    else ctx.t("data.missing")
                ),
                ctx.t("data.rows"): fmt_num(s["rows"], ctx.lang),
                ctx.t("data.span"): f"{s['first']:%Y-%m-%d} – {s['last']:%Y-%m-%d}"
                if s["first"] is not None
                else "–",
                ctx.t("data.modified"): fmt_datetime(modified, ctx.lang) if modified else "–",
                ctx.t("data.freshness"): ctx.t("data.age", hours=fmt_num(age_h, ctx.lang, 1))
                if age_h is not None
                else "–",
                ctx.t("data.last_ingest"): ctx.t(
                    "data.rejected",
                    accepted=fmt_num(log["accepted"], ctx.lang),
                    rejected=fmt_num(log["rejected"], ctx.lang),
                )
                + f" ({log['source']}, {log['at']})"
                if log
                else ctx.t("data.no_ingest"),
            }
        )
    return pd.DataFrame(rows)


def _modified(ctx: Context, path: Path | None):
    """When the extract last changed (its last commit, for a table folder); None when unknown."""
    try:
        return from_timestamp(ctx.profile, version_path(path).stat().st_mtime) if path else None
    except OSError:  # a table folder without its log: the banner says what is wrong
        return None


def _file_count(path: Path, lang: str) -> str:
    try:
        return fmt_num(len(dataset.files(path)), lang)
    except dataset.DatasetError:  # the store's banner names the problem
        return "–"


OPERATIONS = ("ingest", "replace", "compact", "migrate", "restore")


def _count(n: int | None, lang: str) -> str:
    return "–" if n is None else fmt_num(n, lang)


def versions_table(ctx: Context, path: Path) -> pd.DataFrame:
    """A table's recent versions, newest first: what each commit did, from which file."""
    rows = []
    for c in dataset.history(path, 12):
        op = c["operation"]
        before, after = c["rows_before"], c["rows_after"]
        rows.append(
            {
                ctx.t("data.version"): c["version"],
                ctx.t("data.when"): fmt_datetime(
                    from_timestamp(ctx.profile, c["at"].timestamp()), ctx.lang
                ),
                ctx.t("data.operation"): ctx.t(f"data.op_{op}") if op in OPERATIONS else op,
                ctx.t("data.source"): c["source"] or "–",
                ctx.t("data.added"): _count(None if after is None else after - before, ctx.lang),
                ctx.t("data.replaced"): _count(c["rows_replaced"], ctx.lang),
                ctx.t("data.rows_after"): _count(after, ctx.lang),
            }
        )
    return pd.DataFrame(rows)


def versions(ctx: Context, directory: Path) -> None:
    """Each Delta table's recent versions, drawn when its section is opened."""
    tables = [(t, p) for t in TABLES if (p := extract_path(directory, t)) and dataset.is_dataset(p)]
    if not tables:
        return
    st.header(ctx.t("data.versions"))
    st.caption(ctx.t("data.versions_hint"))
    for table, path in tables:
        section = st.expander(table, key=f"dt_ver_{table}", on_change="rerun")
        if section.open:
            try:
                section.dataframe(versions_table(ctx, path), hide_index=True, key=f"dt_v_{table}")
            except dataset.DatasetError as e:
                section.error(plain(str(e), limit=300))


def _secret(name: str) -> str | None:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets file at all: read-only
        return None


SESSION_MINUTES = 30  # an admin sign-in lasts this long without a new password


def _signed_in() -> bool:
    return signed_in(st.session_state)


THROTTLE: Throttle | None = None  # tests set their own; by default the data folder's shared one


def sign_in_form(ctx: Context, plain_secret: str | None, hashed: str | None) -> None:
    """The password comes first: nobody can send a file before it is accepted."""
    with st.form("dt_login", clear_on_submit=True):
        password = st.text_input(ctx.t("data.password"), type="password", key="dt_password")
        submitted = st.form_submit_button(ctx.t("data.sign_in"))
    if not submitted:
        return
    session = st.session_state
    throttle = THROTTLE or throttle_for(data_dir())
    refused = throttle.attempt(session)  # counted before the slow check: a burst cannot outrun it
    if refused:
        why, seconds = refused
        st.error(ctx.t(f"data.{why}", s=fmt_num(seconds, ctx.lang)))
        return
    if check_password(password, plain_secret, hashed):
        throttle.succeeded(session)
        session[ADMIN_UNTIL] = time.monotonic() + SESSION_MINUTES * 60
        st.rerun()
    throttle.failed(session)
    st.error(ctx.t("data.wrong_password"))


def _sign_out() -> None:
    st.session_state[ADMIN_UNTIL] = 0.0


def upload_form(ctx: Context, directory: Path) -> None:
    """Upload an extract (admins only): the same validation as the command line. With sign-in
    configured the provider's admin role decides; without, the admin password."""
    who = current()
    if sign_in_configured():
        if not who.administers:
            st.info(ctx.t("access.admin_only", role=ctx.t(f"access.role_{who.role}")), icon="🔒")
            return
    else:
        plain_secret, hashed = _secret("admin_password"), _secret("admin_password_hash")
        if not plain_secret and not hashed:
            st.info(ctx.t("data.readonly"), icon="🔒")
            return
        if not _signed_in():
            sign_in_form(ctx, plain_secret, hashed)
            return
    mappings = sorted(MAPPINGS_DIR.glob("*.toml"))
    # clear_on_submit: the form forgets the file once submitted, and Streamlit drops files no widget holds.
    with st.form("dt_upload", clear_on_submit=True):
        kind = st.selectbox(ctx.t("data.kind"), list(KINDS), key="dt_kind")
        mapping_file = st.selectbox(
            ctx.t("data.mapping"),
            [None, *mappings],
            key="dt_mapping",
            format_func=lambda p: ctx.t("data.mapping_none") if p is None else Path(p).name,
        )
        mode = st.radio(
            ctx.t("data.mode"),
            ["append", "replace"],
            key="dt_mode",
            horizontal=True,
            format_func=lambda m: ctx.t(f"data.{m}"),
        )
        upload = st.file_uploader(
            ctx.t("data.file_input"),
            type=["csv", "txt", "gz", "parquet", "json", "jsonl", "ndjson"],
            key="dt_file",
        )
        submitted = st.form_submit_button(ctx.t("data.submit"))
    if not sign_in_configured():  # the provider's sign-out is in the sidebar
        st.button(ctx.t("data.sign_out"), key="dt_sign_out", on_click=_sign_out)
    if not submitted or upload is None:
        return
    name, data = upload.name, upload.getvalue()
    del upload
    try:  # in a process of its own: no file can take the server and its sessions down
        with st.spinner(ctx.t("data.ingesting")):
            report = ingest_in_child(
                data,
                name,
                kind,
                directory,
                ctx.profile.path,
                Path(mapping_file) if mapping_file else None,
                replace=mode == "replace",
            )
    except IngestError as e:
        audit("upload", file=name, table=kind, mode=mode, outcome="refused")
        st.error(ctx.t("data.failed", error=plain(str(e), limit=300)))
        st.caption(ctx.t("data.nothing_changed"))
        return
    finally:
        del data
    audit(
        "upload",
        file=name,
        table=kind,
        mode=mode,
        outcome="stored",
        accepted=report.accepted,
        rejected=report.rejected,
    )
    st.success(
        ctx.t(
            "data.done",
            accepted=fmt_num(report.accepted, ctx.lang),
            rejected=fmt_num(report.rejected, ctx.lang),
        )
    )
    if report.reasons:  # reasons quote the file's own values: plain text, never markdown
        st.container(key="dt_reasons").text(
            "\n".join(
                f"{n:>8,}  {reason[:200]}"
                for reason, n in sorted(report.reasons.items(), key=lambda kv: -kv[1])[:20]
            )
        )


def alerts_section(ctx: Context, directory: Path) -> None:
    """The alerts holding now, since when, and which are acknowledged; a signed-in admin
    acknowledges one (who, a note), which takes it off the wall's ticker until it grows."""
    st.header(ctx.t("data.alerts"))
    cfg = tuple(sorted(alerts.settings(ctx.profile).items()))
    found = run(alerts.active_alerts, ctx.at, cfg)
    now = city_time(ctx.profile)
    try:
        shown, acks = alerts.episodes(directory, found, now)
    except OSError:
        st.caption(ctx.t("data.alerts_readonly"))
        return
    lines = [alert_sentence(e.alert, ctx.lang, ctx.label) for e in shown]
    if shown:
        st.dataframe(
            pd.DataFrame(
                {
                    ctx.t("data.level"): [ctx.t(f"alert.level_{e.level}") for e in shown],
                    ctx.t("data.since"): [fmt_datetime(e.first_seen, ctx.lang) for e in shown],
                    ctx.t("data.alert"): lines,
                    ctx.t("data.acked"): [ctx.t("data.yes") if e.silenced else "–" for e in shown],
                }
            ),
            hide_index=True,
            key="dt_alerts",
        )
    else:
        st.caption(ctx.t("alert.none"))
    if shown and _signed_in():
        with st.form("dt_ack", clear_on_submit=True):
            pick = st.selectbox(
                ctx.t("data.alert"),
                list(range(len(shown))),
                format_func=lambda k: f"{ctx.t(f'alert.level_{shown[k].level}')} · {lines[k]}",
                key="dt_ack_pick",
            )
            by = st.text_input(
                ctx.t("data.ack_by"), value=current().name or "", key="dt_ack_by", max_chars=80
            )
            note = st.text_input(ctx.t("data.ack_note"), key="dt_ack_note", max_chars=300)
            submitted = st.form_submit_button(ctx.t("data.ack"))
        if submitted:
            if not by.strip():
                st.error(ctx.t("data.ack_need_name"))
            else:
                e = shown[pick]
                alert_log.acknowledge(
                    directory, e.id, by, note, now, e.level, e.alert.observed, lines[pick]
                )
                audit("alert_ack", alert=e.id, level=e.level)
                st.success(ctx.t("data.ack_done"))
    elif shown:
        st.caption(ctx.t("data.ack_sign_in"))
    if acks:
        st.caption(ctx.t("data.ack_log"))
        st.dataframe(
            pd.DataFrame(
                {
                    ctx.t("data.when"): [a.get("at", "").replace("T", " ") for a in acks[:50]],
                    ctx.t("data.ack_by"): [a.get("by", "") for a in acks[:50]],
                    ctx.t("data.alert"): [a.get("text", "") for a in acks[:50]],
                    ctx.t("data.ack_note"): [a.get("note", "") for a in acks[:50]],
                }
            ),
            hide_index=True,
            key="dt_ack_log",
        )


def live_table(ctx: Context, health: list[live.SourceHealth], admin: bool) -> pd.DataFrame:
    """One row per live source: kind, state, last successful pull, the last pull's counts, lag,
    next pull and the last error (the whole line for a signed-in admin, else its reason)."""
    now = datetime.now(UTC)

    def local(dt):
        return city_time(ctx.profile, dt) if dt else None

    rows = []
    for h in health:
        r = h.record
        if h.late:
            state = ctx.t("data.src_late", since=fmt_datetime(local(h.since), ctx.lang))
        elif h.last_success is None:
            state = ctx.t("data.src_never")
        else:
            state = ctx.t("data.src_ok")
        reason = ctx.t(f"source.{r['public_error']}") if r.get("public_error") else ""
        lag_h = (now - h.last_success).total_seconds() / 3600 if h.last_success else None
        rows.append(
            {
                ctx.t("data.src_name"): h.name,
                ctx.t("data.src_kind"): h.kind,
                ctx.t("data.src_state"): state,
                ctx.t("data.src_last"): fmt_datetime(local(h.last_success), ctx.lang),
                ctx.t("data.src_counts"): " / ".join(
                    fmt_num(r.get(k, 0), ctx.lang) for k in ("added", "updated", "rejected")
                )
                if h.last_success
                else "–",
                ctx.t("data.src_lag"): ctx.t("data.age", hours=fmt_num(lag_h, ctx.lang, 1))
                if lag_h is not None
                else "–",
                ctx.t("data.src_next"): fmt_datetime(local(h.next_pull), ctx.lang),
                ctx.t("data.src_error"): (r.get("last_error") or "") if admin else reason,
            }
        )
    return pd.DataFrame(rows)


def live_sources(ctx: Context, directory: Path) -> None:
    st.header(ctx.t("data.live"))
    try:
        health = live.source_health(directory, datetime.now(UTC))
    except live.SourcesError as e:
        st.warning(ctx.t("data.live_bad", error=plain(str(e), 300)))
        return
    if health is None:
        st.caption(ctx.t("data.live_none"))
        return
    st.dataframe(live_table(ctx, health, _signed_in()), hide_index=True, key="dt_live")


def render(ctx: Context) -> None:
    directory = data_dir()
    st.dataframe(sources_table(ctx, directory), hide_index=True, key="dt_sources")
    live_sources(ctx, directory)
    st.header(ctx.t("data.schema"))
    for table in TABLES:  # a schema is read and drawn only when its section is opened
        section = st.expander(table, key=f"dt_exp_{table}", on_change="rerun")
        if section.open:
            section.dataframe(
                get_store().describe(table), hide_index=True, key=f"dt_schema_{table}"
            )
    versions(ctx, directory)
    st.header(ctx.t("data.upload"))
    upload_form(ctx, directory)
    alerts_section(ctx, directory)
    if current().administers or (not sign_in_configured() and _signed_in()):
        audit_section(ctx, directory)


def audit_section(ctx: Context, directory: Path) -> None:
    """The audit trail, for administrators: who did what, newest first."""
    st.header(ctx.t("access.audit"))
    st.caption(ctx.t("access.audit_help"))
    rows = AuditLog(directory).read(500)
    if not rows:
        st.caption(ctx.t("access.audit_none"))
        return
    st.dataframe(pd.DataFrame(rows).astype(str), hide_index=True, key="dt_audit")
