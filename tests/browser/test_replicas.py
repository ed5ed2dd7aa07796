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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.browser.conftest import TIMEOUT_S, Page, _free_port, start_app, stop_app
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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, browser):
    """Two replicas of the app on the demo data and nginx in front, on loopback ports."""
    nginx = nginx_binary()
    d = tmp_path_factory.mktemp("nginx")
    secret = {"STREAMLIT_SERVER_COOKIE_SECRET": "the-same-on-every-replica"}
    apps = [start_app(extra_env=secret) for _ in range(2)]
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
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    yield url, {u.removeprefix("http://"): proc for proc, u in apps}
    proxy.terminate()
    proxy.wait(10)
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
