"""Sign-in through a real OpenID Connect provider (oidc-provider-mock, started here on loopback) in
chromium: each role sees what it may, a kiosk link runs a wall until it is revoked, and the audit
trail records each of those actions without complaint text."""

from __future__ import annotations

import secrets
import time

import pytest

from ccdash.data.access import AuditLog, KioskLinks
from ccdash.data.dataset import read_stored

from .conftest import TIMEOUT_S, Page, _free_port, start_app, stop_app
from .test_upload import HEADER, ROWS, upload

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")

USERS = {
    "vera": ["ccdash-viewer"],
    "ana": ["ccdash-analyst"],
    "adi": ["ccdash-admin"],
    "olga": ["staff"],  # in no group of the dashboard
}
ACCESS = """
[access]
claim = "groups"
roles = { "ccdash-viewer" = "viewer", "ccdash-analyst" = "analyst", "ccdash-admin" = "admin" }
default_role = "none"
"""


@pytest.fixture(scope="module")
def provider():
    users = [
        oidc_provider_mock.User(sub=sub, claims={"email": f"{sub}@city.example", "groups": g})
        for sub, g in USERS.items()
    ]
    with oidc_provider_mock.run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def signed_app(provider, writable_city, tmp_path):
    with open(writable_city / "city.toml", "a", encoding="utf-8") as fh:
        fh.write(ACCESS)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "ccdash"\n'
        'client_secret = "test-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    proc, url = start_app(writable_city, extra_args=(f"--secrets.files={secrets_file}",), port=port)
    yield url, writable_city
    stop_app(proc)


def sign_in(tab: Page, url: str, sub: str, path: str = "complaints"):
    page = tab.goto(f"{url}/{path}?lang=en", wait_for="text=Sign in with your city account")
    assert page.locator("[data-testid=stMetric]").count() == 0  # nothing before sign-in
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name=sub]")  # the provider's own page
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=TIMEOUT_S * 1000)  # back at the dashboard, signed in
    wait_for = "[data-testid=stFileUploader]" if path == "data" else "[data-testid=stMetric]"
    if sub == "olga":
        wait_for = "text=has no role in this dashboard"
    return tab.goto(f"{url}/{path}?lang=en", wait_for=wait_for)


def fresh_tab(browser) -> Page:
    """A tab in a context of its own: its own cookies, so each user signs in alone."""
    tab = Page(browser)
    return tab


def test_each_role_sees_what_it_may_and_the_audit_trail_says_so(browser, signed_app, tmp_path):
    url, data = signed_app
    descriptions = set(read_stored(data, "complaints").to_pandas().description.dropna())

    viewer = fresh_tab(browser)
    page = sign_in(viewer, url, "vera")
    page.wait_for_selector("[data-testid=stMetric]")
    viewer.settle()
    assert page.get_by_text("Signed in as vera@city.example (viewer)").count() == 1
    viewer.reveal()
    assert page.get_by_text("your role (viewer) shows aggregates only").count() == 1
    assert page.get_by_text("Download CSV (filtered rows)").count() == 0
    assert page.locator("[data-testid=stDataFrame]").count() == 1  # the scorecard, no rows
    body = page.locator("body").inner_text()
    assert not any(d in body for d in list(descriptions)[:200])
    # A direct link with filters, and the Data page: still no row, no upload.
    viewer.goto(f"{url}/complaints?lang=en&status=new")
    viewer.reveal()
    assert page.get_by_text("your role (viewer) shows aggregates only").count() == 1
    viewer.goto(f"{url}/data?lang=en", wait_for="text=Uploads and acknowledgements are for")
    assert page.locator("[data-testid=stFileUploader]").count() == 0
    viewer.close()

    analyst = fresh_tab(browser)
    page = sign_in(analyst, url, "ana")
    page.wait_for_selector("[data-testid=stMetric]")
    analyst.reveal()
    assert page.get_by_text("Signed in as ana@city.example (analyst)").count() == 1
    assert page.locator("[data-testid=stDataFrame]").count() == 2  # scorecard and rows
    with page.expect_download() as got:
        page.get_by_role("button", name="Download CSV (filtered rows)").click()
    assert got.value.suggested_filename == "complaints_filtered.csv"
    analyst.close()

    admin = fresh_tab(browser)
    page = sign_in(admin, url, "adi", path="data")
    page.wait_for_selector("[data-testid=stFileUploader]")  # no password: the role decides
    assert page.get_by_text("Audit trail").count() >= 1
    good = tmp_path / "new.csv"
    good.write_text("\n".join([HEADER, *ROWS]) + "\n")
    upload(page, good)
    page.wait_for_selector("text=Stored: 1 rows accepted, 1 rejected")
    assert read_stored(data, "complaints").to_pandas().complaint_id.isin(["UP-1"]).sum() == 1
    admin.close()

    refused = fresh_tab(browser)
    page = sign_in(refused, url, "olga")
    page.wait_for_selector("text=has no role in this dashboard")
    assert page.locator("[data-testid=stMetric]").count() == 0
    refused.close()

    rows = AuditLog(data).read()
    seen = {(r["who"], r["action"]) for r in rows}
    for who, action in (
        ("vera@city.example", "sign_in"),
        ("ana@city.example", "sign_in"),
        ("ana@city.example", "download"),
        ("adi@city.example", "sign_in"),
        ("adi@city.example", "upload"),
        ("olga@city.example", "sign_in_refused"),
    ):
        assert (who, action) in seen, (who, action, sorted(seen))
    stored = next(r for r in rows if r["action"] == "upload")
    assert (stored["file"], stored["outcome"], stored["accepted"]) == ("new.csv", "stored", 1)
    download = next(r for r in rows if r["action"] == "download")
    assert download["rows"] > 0 and download["file"] == "complaints_filtered.csv"
    trail = (data / "_audit" / "audit.jsonl").read_text(encoding="utf-8")
    assert not any(d in trail for d in descriptions if len(d) > 12)
    assert "test-client-secret" not in trail


def test_a_wall_runs_on_a_kiosk_link_until_it_is_revoked(browser, signed_app):
    url, data = signed_app
    token = KioskLinks(data).create("wall-1")
    tab = Page(browser)
    page = tab.goto(f"{url}/?mode=wall&view=overview&lang=en&kiosk={token}")
    assert page.get_by_text("Sign in with your city account").count() == 0
    KioskLinks(data).revoke("wall-1")
    deadline = time.monotonic() + TIMEOUT_S
    refused = page.get_by_text("This kiosk link is not valid")
    tiles = page.locator("[data-testid=stMetric]")

    def stopped() -> bool:  # the refusal shown and the last view's tiles gone with its run
        return refused.count() == 1 and tiles.count() == 0

    while not stopped() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    # stopped at the screen's next check; if not, what the screen shows instead
    assert stopped(), (refused.count(), tiles.count(), page.url, page.inner_text("body")[:600])
    actions = [r["action"] for r in AuditLog(data).read()]
    assert "kiosk_use" in actions and "kiosk_refused" in actions
    tab.close()
