"""Sign-in through the city's identity provider (Streamlit's st.login, OpenID Connect), the session's
role, kiosk links, and the audit trail on screen. The rules are in data.access.

Without an [auth] section in Streamlit's secrets there is no sign-in (the embedded demo): every
session is *open*. With one, every screen but a wall or tour on a live kiosk link asks for sign-in
first, and the role decides what the server sends (not only what is drawn): `run` refuses a query
that returns complaint rows to a role that may not see them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..data.access import OPEN, AuditLog, Identity, KioskLinks, display_name, role_of
from ..data.profile import Profile, data_dir
from ..present.i18n import t
from .uploads import ADMIN_UNTIL

IDENTITY = "identity"  # session state: the Identity of this session's runs
ADMIN_MINUTES = 30  # an administrator's upload rights last this long past the last run


def sign_in_configured() -> bool:
    """Whether Streamlit's secrets hold an [auth] section (a provider to sign in with)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


# The identity of work done for a session outside its run: a download's rows are made when the
# button is pressed, on a server thread that has no session state to read.
_ACTING_AS: ContextVar[Identity | None] = ContextVar("ccdash_acting_as", default=None)


@contextmanager
def acting_as(identity: Identity) -> Iterator[None]:
    token = _ACTING_AS.set(identity)
    try:
        yield
    finally:
        _ACTING_AS.reset(token)


def current() -> Identity:
    """This session's identity (set by `identify` at the start of each run, or by `acting_as`). A run
    that has not been through it is open only when no sign-in is configured, else a viewer's: it
    never sees rows."""
    acting = _ACTING_AS.get()
    if acting is not None:
        return acting
    in_a_run = get_script_run_ctx(suppress_warning=True) is not None
    found = st.session_state.get(IDENTITY) if in_a_run else None
    if found is not None:
        return found
    return OPEN if not sign_in_configured() else Identity(None, "viewer")


def audit(action: str, **details) -> None:
    """One row of the audit trail for this session's identity (a read-only folder: none)."""
    with contextlib.suppress(OSError):
        AuditLog(data_dir()).append(current().name, action, **details)


def _once(key: str, action: str, **details) -> None:
    if not st.session_state.get(key):
        st.session_state[key] = True
        audit(action, **details)


def identify(profile: Profile, lang: str, hands_free: bool) -> Identity:
    """Who this run acts for. Stops the run with the sign-in screen (or a refusal) when nobody is."""
    if not sign_in_configured():
        st.session_state[IDENTITY] = OPEN
        return OPEN
    token = st.query_params.get("kiosk") if hands_free else None
    if token:
        name = KioskLinks(data_dir()).check(token)
        if name is None:
            st.session_state[IDENTITY] = Identity(None, "viewer")
            _once("_audited_kiosk_refused", "kiosk_refused")
            st.error(t("access.kiosk_refused", lang), icon="🔒")
            st.stop()
        identity = Identity(f"kiosk:{name}", "kiosk")
        st.session_state[IDENTITY] = identity
        st.session_state[ADMIN_UNTIL] = 0.0
        _once(
            "_audited_kiosk", "kiosk_use", screen="wall" if st.query_params.get("mode") else "tour"
        )
        return identity
    claims = st.user.to_dict()  # {"is_logged_in": False} before sign-in
    if not claims.get("is_logged_in"):
        st.session_state[IDENTITY] = Identity(None, "viewer")
        st.session_state[ADMIN_UNTIL] = 0.0
        st.title(profile.name)
        st.write(t("access.sign_in_needed", lang))
        st.button(t("access.sign_in", lang), on_click=st.login, type="primary", key="sign_in")
        st.stop()
    name, role = display_name(claims), role_of(claims, profile.access)
    if role is None:
        st.session_state[IDENTITY] = Identity(name, "viewer")
        st.session_state[ADMIN_UNTIL] = 0.0
        _once("_audited_refused", "sign_in_refused")
        st.error(t("access.no_role", lang, name=name), icon="🔒")
        st.button(t("access.sign_out", lang), on_click=st.logout, key="sign_out_refused")
        st.stop()
    identity = Identity(name, role)
    st.session_state[IDENTITY] = identity
    # The upload endpoint keeps files for a session it knows as an administrator's (app.uploads).
    until = time.monotonic() + ADMIN_MINUTES * 60 if identity.administers else 0.0
    st.session_state[ADMIN_UNTIL] = until
    _once("_audited_sign_in", "sign_in", role=role)
    return identity


def kiosk_revoked() -> bool:
    """For the hands-free screens' periodic check: this session's kiosk link has been revoked."""
    identity = st.session_state.get(IDENTITY)
    if identity is None or identity.role != "kiosk":
        return False
    return KioskLinks(data_dir()).check(st.query_params.get("kiosk")) is None


def signed_in_line(identity: Identity, lang: str) -> None:
    """The sidebar's who-am-I line and the sign-out button (with sign-in configured)."""
    if identity.name is None or identity.role == "kiosk":
        return
    st.caption(
        t(
            "access.signed_in_as",
            lang,
            name=identity.name,
            role=t(f"access.role_{identity.role}", lang),
        )
    )
    st.button(t("access.sign_out", lang), on_click=st.logout, key="sign_out")
