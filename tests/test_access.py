"""Who may see what (data.access, app.access): roles from claims, kiosk links, the audit trail, and
the server's refusal of complaint rows to a role that may not see them. The sign-in itself runs
against a real OpenID Connect provider in tests/browser/test_sign_in.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from ccdash.app import state
from ccdash.data.access import AuditLog, Identity, KioskError, KioskLinks, display_name, role_of
from tests.test_views import start

ACCESS = {
    "claim": "groups",
    "roles": {"ccdash-viewer": "viewer", "ccdash-analyst": "analyst", "ccdash-admin": "admin"},
    "default_role": "none",
}


@pytest.mark.parametrize(
    "claims, expected",
    [
        ({"groups": ["ccdash-analyst"]}, "analyst"),
        ({"groups": ["staff", "ccdash-viewer", "ccdash-admin"]}, "admin"),  # the highest
        ({"groups": "ccdash-viewer"}, "viewer"),  # one group as a string
        ({"groups": ["staff"]}, None),  # default_role "none": no access
        ({}, None),
    ],
)
def test_roles_come_from_the_group_claim(claims, expected):
    assert role_of(claims, ACCESS) == expected


def test_a_default_role_and_another_claim():
    access = {"claim": "roles", "roles": {"cc-admins": "admin"}}
    assert role_of({"roles": ["cc-admins"]}, access) == "admin"
    assert role_of({"groups": ["cc-admins"]}, access) == "viewer"  # default_role: viewer
    assert display_name({"sub": "x1", "email": "ana@city.example"}) == "ana@city.example"


def test_only_analysts_admins_and_open_installations_see_rows():
    assert [
        Identity("a", r).sees_rows for r in ("kiosk", "viewer", "analyst", "admin", "open")
    ] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert [Identity("a", r).administers for r in ("analyst", "admin", "open")] == [
        False,
        True,
        False,
    ]


def test_kiosk_links_are_stored_as_hashes_and_stop_when_revoked(tmp_path):
    links = KioskLinks(tmp_path)
    token = links.create("wall-1", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert len(token) >= 40
    assert links.check(token) == "wall-1"
    assert links.check(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert links.check("") is None and links.check(None) is None
    stored = (tmp_path / "_auth" / "kiosk.json").read_text()
    assert token not in stored  # only its digest
    with pytest.raises(KioskError, match="kiosk 'wall-1' exists; revoke it first"):
        links.create("wall-1")
    links.revoke("wall-1")
    assert links.check(token) is None
    assert "revoked" in links.list()["wall-1"]
    again = links.create("wall-1")  # a revoked name may be given a new link
    assert links.check(again) == "wall-1" and links.check(token) is None
    with pytest.raises(KioskError, match="no kiosk named 'wall-9' \\(have: wall-1\\)"):
        links.revoke("wall-9")
    with pytest.raises(KioskError, match="a kiosk name is letters, digits"):
        links.create("wall 1; rm")


def test_the_audit_trail_appends_short_values_and_refuses_unknown_actions(tmp_path):
    log = AuditLog(tmp_path)
    log.append("ana@city.example", "download", file="x.csv", rows=12, filters={"kecamatan": ["A"]})
    log.append(None, "kiosk_use", screen="wall")
    log.append("adi", "upload", file="n" * 500)
    rows = log.read()
    assert [r["action"] for r in rows] == ["upload", "kiosk_use", "download"]  # newest first
    assert rows[2]["who"] == "ana@city.example" and rows[2]["rows"] == 12
    assert rows[1]["who"] == "(no sign-in)"
    assert len(rows[0]["file"]) == AuditLog.MAX_VALUE_CHARS
    with pytest.raises(ValueError, match="not an audit action: 'peek'"):
        log.append("x", "peek")
    lines = (tmp_path / "_audit" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line) for line in lines)


AUTH = {  # a provider that is never reached: these tests stop before anyone signs in
    "auth": {
        "redirect_uri": "http://127.0.0.1:1/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "ccdash",
        "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
    }
}


def test_with_sign_in_configured_nobody_sees_anything_before_signing_in(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, page="app_pages/complaints.py", secrets=AUTH)
    assert not at.exception
    assert [b.label for b in at.button] == ["Masuk"]  # the sign-in button, nothing else
    assert not at.metric and not at.dataframe


def test_a_kiosk_link_that_is_not_live_stops_the_wall(monkeypatch, writable_city):
    at = start(
        monkeypatch,
        writable_city,
        params={"mode": "wall", "kiosk": "not-a-token", "lang": "en"},
        secrets=AUTH,
    )
    assert [e.value for e in at.error] == [
        "This kiosk link is not valid (revoked or mistyped). Ask an administrator for a new one."
    ]
    assert not at.metric
    assert AuditLog(writable_city).read()[0]["action"] == "kiosk_refused"


GUARD = """
import streamlit as st
from ccdash.app.access import IDENTITY
from ccdash.app.state import NotAllowed, ahead, run
from ccdash.data.access import Identity
from ccdash.metrics import complaints
from ccdash.metrics.filters import Filters
from datetime import datetime
st.session_state[IDENTITY] = Identity("vera", st.session_state.get("role", "viewer"))
st.write(f"ahead {ahead([(complaints.complaint_rows, Filters(), datetime(2026, 11, 20), 5)])}")
try:
    rows = run(complaints.complaint_rows, Filters(), datetime(2026, 11, 20), 5)
    st.write(f"rows {len(rows)}")
except NotAllowed as e:
    st.write(f"refused: {e}")
"""


@pytest.mark.parametrize(
    "role, shown", [("viewer", "refused"), ("kiosk", "refused"), ("analyst", "rows 5")]
)
def test_the_server_refuses_complaint_rows_to_a_role_without_them(
    monkeypatch, city_dir, role, shown
):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    monkeypatch.setattr(state, "_answered", {})  # no earlier test's answer remembered
    at = AppTest.from_string(GUARD, default_timeout=60)
    at.session_state["role"] = role
    at.run()
    assert not at.exception
    # Nor are they computed ahead for it (state.ahead); for a role that sees them, they are.
    assert at.markdown[0].value == f"ahead {int(shown != 'refused')}"
    assert at.markdown[1].value.startswith(shown), at.markdown[1].value
    if shown == "refused":
        assert f"the role {role} may not" in at.markdown[1].value
