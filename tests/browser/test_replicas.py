"""Two replicas behind Debian's nginx with deploy/nginx/ccdash.conf: 20 sessions render, each stays on its
replica, and stopping one replica only moves its own sessions, which reconnect to the other.

Most sessions are light clients that speak Streamlit's own protocol (the websocket at /_stcore/stream: a
BackMsg asking for a run, ForwardMsgs until the script finishes) so that 20 of them fit on two cores; two
are real chromium pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.browser.conftest import TIMEOUT_S, Page, _free_port, poll, start_app, stop_app
from tests.paths import REPO_ROOT

CONF = REPO_ROOT / "deploy" / "nginx" / "ccdash.conf"
LISTEN, REPLICAS = "listen 80;", "include /etc/nginx/ccdash-replicas.conf;"
LIGHT, BROWSERS = 18, 2
HEADING = (
    "Ringkasan"  # the Overview's title in the default language: the page's own content arrived
)


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing in CI: .ci/run must install Debian's nginx-light")
        pytest.skip(
            "nginx not installed (apt-get install nginx-light); the replicas test is skipped"
        )
    return found


@contextmanager
def fronted(apps: list, d: Path) -> Iterator[str]:
    """Debian's nginx with deploy/nginx/ccdash.conf in front of `apps` ((process, url) pairs), on a
    loopback port, its files in `d`: its URL, until the block ends."""
    nginx = nginx_binary()
    text = CONF.read_text()
    assert text.count(LISTEN) == 1 and text.count(REPLICAS) == 1, (
        "the test swaps in exactly these two lines"
    )
    port = _free_port()
    (d / "replicas.conf").write_text(
        "".join(
            f"server {url.removeprefix('http://')} max_fails=1 fail_timeout=10s;\n"
            for _, url in apps
        )
    )
    (d / "ccdash.conf").write_text(
        text.replace(LISTEN, f"listen 127.0.0.1:{port};").replace(
            REPLICAS, f"include {d / 'replicas.conf'};"
        )
    )
    temp = " ".join(
        f"{k}_temp_path {d / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (d / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {d / 'nginx.pid'}; error_log {d / 'error.log'} warn;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{ access_log {d / 'access.log'}; {temp} include {d / 'ccdash.conf'}; }}\n"
    )
    check = subprocess.run(
        [nginx, "-t", "-c", str(d / "nginx.conf"), "-p", str(d)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen(
        [nginx, "-c", str(d / "nginx.conf"), "-p", str(d)], stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        proxy.terminate()
        proxy.wait(10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, browser):
    """Two replicas of the app on the demo data and nginx in front, on loopback ports."""
    secret = {"STREAMLIT_SERVER_COOKIE_SECRET": "the-same-on-every-replica"}
    apps = [start_app(extra_env=secret) for _ in range(2)]
    try:
        with fronted(apps, tmp_path_factory.mktemp("nginx")) as url:
            yield url, {u.removeprefix("http://"): proc for proc, u in apps}
    finally:
        for proc, _ in apps:
            if proc.poll() is None:
                stop_app(proc)


class Session:
    """One light client: a browser's cookie and one websocket, through nginx."""

    def __init__(self, url: str, n: int):
        self.url, self.n = url, n
        with urllib.request.urlopen(
            url + "/", timeout=TIMEOUT_S
        ) as r:  # the first visit: the sticky cookie
            cookie = r.headers["Set-Cookie"]
            self.page_replica = r.headers["X-Ccdash-Replica"]
        self.cookie = cookie.split(";")[0]
        self.ws = None
        self.replica = None

    def open(self) -> None:
        self.ws = connect(
            self.url.replace("http", "ws") + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers={"Cookie": self.cookie},
            max_size=None,
            open_timeout=TIMEOUT_S,
            # No keepalive pings: a server busy rendering 20 sessions on a loaded machine answered
            # the client's ping later than its 20 s default, and the client dropped a healthy
            # connection. The test's own deadlines decide when a session has failed.
            ping_interval=None,
            close_timeout=TIMEOUT_S,
            legacy=True,
        )
        self.replica = self.ws.response.headers["X-Ccdash-Replica"]

    def render(self, timeout_s: float = TIMEOUT_S) -> list[str]:
        """Ask for a run of the Overview and read until it finishes; the headings and text it drew."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        self.ws.send(msg.SerializeToString())
        texts, deadline = [], time.monotonic() + timeout_s
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                if el.WhichOneof("type") in ("markdown", "heading"):
                    texts.append(getattr(el, el.WhichOneof("type")).body)
            elif kind == "script_finished":
                return texts

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def test_twenty_sessions_stay_on_their_replica_and_a_stopped_replica_moves_only_its_own(
    cluster, browser
):
    url, procs = cluster

    def light(n: int) -> Session:
        s = Session(url, n)
        s.open()
        assert HEADING in s.render(), n
        return s

    with ThreadPoolExecutor(
        max_workers=LIGHT
    ) as pool:  # all at once, as a control room opening its screens
        futures = [pool.submit(light, n) for n in range(LIGHT)]
        pages = []
        for _ in range(BROWSERS):
            p = Page(browser)
            response = p.page.goto(url)
            p.page.wait_for_selector(f"h1:has-text('{HEADING}')")
            pages.append((p, response.headers["x-ccdash-replica"]))
        sessions = [f.result(timeout=2 * TIMEOUT_S) for f in futures]
    replicas = [s.replica for s in sessions] + [r for _, r in pages]
    assert len(replicas) == 20 and set(replicas) == set(procs), (
        replicas
    )  # every session rendered, both used
    # Sticky: each client's page, websocket and a later request all went to one replica.
    for s in sessions:
        assert s.page_replica == s.replica
        req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": s.cookie})
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
            assert r.headers["X-Ccdash-Replica"] == s.replica

    # Stop the replica that holds the first browser page (so a real page always has to reconnect).
    gone = pages[0][1]
    sockets: dict[int, list[str]] = {i: [] for i in range(len(pages))}
    for i, (p, _) in enumerate(pages):
        p.page.on("websocket", lambda ws, i=i: sockets[i].append(ws.url))
    procs[gone].kill()
    procs[gone].wait(10)
    survivors = [s for s in sessions if s.replica != gone]
    moved = [s for s in sessions if s.replica == gone]
    assert survivors and moved
    for s in survivors:  # untouched: the same websocket, the same session, another run
        assert HEADING in s.render()
    for s in (
        moved
    ):  # their websocket closed; they reconnect, with the same cookie, to the other replica
        with pytest.raises(ConnectionClosed):
            s.render(timeout_s=TIMEOUT_S)
        s.open()
        assert s.replica != gone and HEADING in s.render()
    for i, (p, replica) in enumerate(
        pages
    ):  # a real page on the stopped replica reconnects by itself
        if replica == gone:
            deadline = time.monotonic() + TIMEOUT_S
            while not sockets[i] and time.monotonic() < deadline:
                p.page.wait_for_timeout(250)
            assert sockets[i], "the page did not open a new websocket after its replica stopped"
            p.page.wait_for_selector(f"h1:has-text('{HEADING}')")
        else:
            assert not sockets[i]  # the other replica's pages never noticed
        assert p.page.locator("h1", has_text=HEADING).count() == 1
        p.close()
    for s in sessions:
        s.close()


@pytest.fixture
def shared_folder_cluster(browser, writable_city, tmp_path):
    """Two replicas on one writable data folder (as a deployment shares it), an admin password, nginx."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('admin_password = "s3cret-test"\n')
    # A wall that redraws on its own only once a day: an acknowledgement must reach it by itself.
    toml = writable_city / "city.toml"
    toml.write_text(toml.read_text().replace("refresh_seconds = 30", "refresh_seconds = 86400"))
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": "the-same-on-every-replica"}
    args = (f"--secrets.files={secrets}",)
    apps = [start_app(writable_city, extra_env=env, extra_args=args) for _ in range(2)]
    try:
        (tmp_path / "nginx").mkdir()
        with fronted(apps, tmp_path / "nginx") as url:
            yield url
    finally:
        for proc, _ in apps:
            stop_app(proc)


def ticker(page) -> str:
    """Every item of the wall's ticker, the pages not shown now too."""
    return page.locator(".ccdash-ticker").text_content() or ""


def test_an_alert_acknowledged_on_one_replica_leaves_the_wall_on_the_other(
    browser, shared_folder_cluster
):
    url = shared_folder_cluster
    wall = Page(browser)
    response = wall.page.goto(f"{url}/?mode=wall&view=alerts&lang=en")
    wall_replica = response.headers["x-ccdash-replica"]
    wall.page.wait_for_selector(".ccdash-ticker")
    shown = poll(lambda: ticker(wall.page), lambda t: "Flooding spike city-wide" in t)
    assert "Flooding spike city-wide" in shown and "Street light out spike" in shown
    for _ in range(20):  # a desk in another browser, until nginx puts it on the other replica
        desk = Page(browser)
        response = desk.page.goto(f"{url}/data?lang=en")
        if response.headers["x-ccdash-replica"] != wall_replica:
            break
        desk.close()
    assert response.headers["x-ccdash-replica"] != wall_replica
    page = desk.page
    page.get_by_label("Admin password").fill("s3cret-test")
    page.get_by_role("button", name="Sign in as admin").click()
    form = page.locator(
        "[data-testid=stForm]", has=page.get_by_role("button", name="Acknowledge the alert")
    )
    form.wait_for()
    # The first alert offered is the top of the list: the planted flood, HIGH.
    offered = form.get_by_role("combobox", name="Alert").input_value()
    assert offered.startswith("HIGH · Flooding spike city-wide"), offered
    form.get_by_label("By").fill("Dewi")
    form.get_by_label("Note").fill("crew sent")
    form.get_by_role("button", name="Acknowledge the alert").click()
    page.get_by_text("Acknowledged: the alert leaves").wait_for()
    # The wall on the other replica drops it by itself (no reload), and keeps the rest.
    shown = poll(
        lambda: ticker(wall.page),
        lambda t: "Flooding spike city-wide" not in t and "Street light out spike" in t,
    )
    assert "Flooding spike city-wide" not in shown and "Street light out spike" in shown
    assert not wall.page.get_by_text("Flooding spike city-wide").count()  # nor in the alerts view
    assert wall.errors == [] and desk.errors == []
    wall.close()
    desk.close()
