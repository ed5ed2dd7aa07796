"""The Data page's upload form in a real browser: the admin stores a file; a bad file changes nothing."""

from __future__ import annotations

import hashlib
import re

import pytest

from ccdash.data.dataset import read_stored

from .conftest import Page, start_app, stop_app

HEADER = "complaint_id,created_at,closed_at,status,category,channel,kecamatan,lat,lon,description"
ROWS = [
    "UP-1,2026-11-18 08:00:00,,new,waste,whatsapp,,-6.9401,107.6126,Sampah menumpuk",
    "UP-2,2026-11-18 09:00:00,2026-11-17 09:00:00,resolved,waste,lapor,Regol,-6.9401,107.6126,x",
]


@pytest.fixture
def admin_app(browser, writable_city, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('admin_password = "s3cret-test"\n')
    proc, url = start_app(writable_city, extra_args=(f"--secrets.files={secrets}",))
    yield url, writable_city
    stop_app(proc)


def digest(p) -> str:
    """A file's hash, or a dataset folder's: every file in it, by name."""
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return hashlib.sha256(
        b"".join(f.name.encode() + hashlib.sha256(f.read_bytes()).digest() for f in files)
    ).hexdigest()


def sign_in(page, password="s3cret-test"):
    page.get_by_label("Admin password").fill(password)
    page.get_by_role("button", name="Sign in as admin").click()


def upload(page, path):
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    page.locator("[data-testid=stFileUploader]").get_by_text(path.name).wait_for()  # uploaded
    page.get_by_role("button", name="Validate and store").click()


def test_admin_uploads_a_file_and_a_bad_one_changes_nothing(browser, admin_app, tmp_path):
    url, data = admin_app
    tab = Page(browser)
    page = tab.goto(f"{url}/data?lang=en", wait_for="text=Sign in as admin")
    assert (
        page.locator("[data-testid=stFileUploader]").count() == 0
    )  # nothing to send before the password
    sign_in(page, "wrong")
    page.wait_for_selector("text=Wrong password.")
    assert page.locator("[data-testid=stFileUploader]").count() == 0
    page.wait_for_timeout(1_100)  # the wait after one wrong password
    sign_in(page)
    page.wait_for_selector("[data-testid=stFileUploader]")
    good = tmp_path / "new.csv"
    good.write_text("\n".join([HEADER, *ROWS]) + "\n")
    upload(page, good)
    page.wait_for_selector("text=Stored: 1 rows accepted, 1 rejected")
    stored = read_stored(data, "complaints").to_pandas()  # the upload made the extract a dataset
    assert (
        stored.complaint_id.isin(["UP-1"]).sum() == 1
        and not stored.complaint_id.isin(["UP-2"]).any()
    )
    assert (
        stored.set_index("complaint_id").loc["UP-1", "kecamatan"] == "Regol"
    )  # found by point-in-polygon
    page.wait_for_selector("text=closed_at is before created_at")  # the reasons, as text

    assert not (data / "complaints.parquet").exists()
    before = digest(data / "complaints")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    upload(page, empty)
    page.wait_for_selector("text=Not stored: empty.csv: empty file")
    assert digest(data / "complaints") == before
    assert page.locator("[data-testid=stException]").count() == 0
    tab.close()


# Every session id the server sends the page (they travel in the websocket's first messages).
CAPTURE_IDS = """
window.__ids = new Set();
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const text = new TextDecoder("latin1").decode(new Uint8Array(ev.data));
      for (const m of text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g))
        window.__ids.add(m[0]);
    });
  }
};
"""

# A PUT to the upload endpoint, as the file chooser would send it, for each id: the statuses.
PUT_EACH = """async (ids) => {
  const xsrf = (document.cookie.match(/_streamlit_xsrf=([^;]+)/) || [])[1] || "";
  const out = {};
  for (const id of ids) {
    const form = new FormData();
    form.append("file", new Blob(["x".repeat(1 << 20)]), "sneaky.csv");
    const r = await fetch(`/_stcore/upload_file/${id}/file-1`, {
      method: "PUT", body: form, credentials: "include", headers: {"X-Xsrftoken": xsrf},
    });
    out[id] = r.status;
  }
  return out;
}"""


def test_the_upload_endpoint_keeps_files_for_a_signed_in_admin_only(browser, admin_app):
    """A visitor could PUT files of up to the size limit to their own session with no file chooser
    on screen (4 x 100 MB held for 50 minutes). Now the endpoint refuses (403) a session that is not
    an administrator's, and takes the same PUT once that session has signed in."""
    url, _data = admin_app
    tab = Page(browser)
    tab.page.add_init_script(CAPTURE_IDS)
    page = tab.goto(f"{url}/data?lang=en", wait_for="text=Sign in as admin")
    ids = page.evaluate("() => [...window.__ids]")
    assert ids, "no session id reached the page"
    statuses = page.evaluate(PUT_EACH, ids)
    # The page's own session is refused by the guard; other ids in the messages are no session.
    assert 403 in statuses.values(), statuses
    assert set(statuses.values()) <= {400, 403}, statuses
    session = next(i for i, status in statuses.items() if status == 403)

    sign_in(page)
    page.wait_for_selector("[data-testid=stFileUploader]")
    assert page.evaluate(PUT_EACH, [session]) == {session: 204}
    assert re.fullmatch(r"[0-9a-f-]{36}", session)
    tab.close()
