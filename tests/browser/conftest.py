"""A real browser (Debian's chromium driven by Playwright) against the app on a free port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ccdash.__main__ import streamlit_flags
from tests.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
# Deadlines, never durations: a condition is polled until it holds or this long has passed. They are
# generous because a loaded 2-core machine (load 20 happens) can take a minute for what takes a second.
TIMEOUT_MS = 180_000
TIMEOUT_S = TIMEOUT_MS / 1000
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def start_app(
    data_dir: Path | None = None,
    extra_env: dict | None = None,
    extra_args: tuple = (),
    script: Path | None = None,
    port: int | None = None,
):
    port = port or _free_port()
    env = dict(os.environ)
    env.pop("CCDASH_PROFILE", None)
    if data_dir:
        env["CCDASH_DATA_DIR"] = str(data_dir)
    else:
        env.pop("CCDASH_DATA_DIR", None)
    env.update(extra_env or {})
    # The dashboard through its own entry point (`ccdash serve`, the shipped settings); another script
    # (a benchmark's baseline) through `streamlit run` with the same settings.
    command = (
        ["-m", "ccdash", "serve", "--port", str(port), "--address", "127.0.0.1"]
        if script is None
        else ["-m", "streamlit", "run", str(script), *streamlit_flags(), f"--server.port={port}"]
    )
    if script is not None:
        command.append("--server.address=127.0.0.1")
    proc = subprocess.Popen(
        [sys.executable, *command, *extra_args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=5).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(
        f"streamlit did not answer /_stcore/health within {TIMEOUT_S:.0f} s:\n"
        + proc.stdout.read().decode()[-2000:]
    )


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url(browser):
    """The app on the embedded demo data (what a fresh clone shows)."""
    proc, url = start_app()
    yield url
    stop_app(proc)


def poll(measure, ok, timeout_s: float = TIMEOUT_S, every_s: float = 0.3):
    """`measure()` again and again until `ok(value)` holds or the deadline passes; the last value
    (the caller asserts on it, so a failure shows what was seen). Never a fixed wait."""
    deadline = time.monotonic() + timeout_s
    value = measure()
    while not ok(value) and time.monotonic() < deadline:
        time.sleep(every_s)
        value = measure()
    return value


LAZY = "[class*='st-key-lazy_']"  # a section that waits for the reader to scroll to it
PLACEHOLDER_ID = re.compile(r"-lazy_(\w+)$")  # its element id ends with its key, lazy_<section>
# Every placeholder that has ever been on the document, by section: one can come and go (drawn by
# its own 1.5 s timer) between two looks from the test.
_RECORD_PLACEHOLDERS = """
window.__ccdashPlaceholders = new Set();
new MutationObserver(() => {
  for (const e of document.querySelectorAll("LAZY"))
    for (const c of e.classList)
      if (c.startsWith("st-key-lazy_")) window.__ccdashPlaceholders.add(c.slice(12));
}).observe(document, { childList: true, subtree: true });
""".replace("LAZY", LAZY)


class Page:
    """A browser tab with the console watched."""

    def __init__(self, browser, width=1920, height=1080):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.set_default_timeout(TIMEOUT_MS)  # every wait_for_* is a deadline, not a guess
        self.page.set_default_navigation_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # Script runs (the page's or a section's) the server has begun for this tab, and how each
        # ended, in order, read from the messages it sends: new_session opens a run, script_finished
        # closes it (FINISHED_SUCCESSFULLY for the page's, FINISHED_FRAGMENT_RUN_... for a section's).
        self.started = 0
        self.ended: list[int] = []
        # One run at a time per tab; a run begun can end without saying so (its script runner replaced,
        # as on every wall's first load), so "all over" is: the run begun last has said it ended.
        self.last_begun = ""
        self.ids_ended: set[str] = set()
        # The sections whose placeholder the page's latest run sent: the browser draws each a moment
        # after the message arrives, so reveal() waits for it rather than trusting an empty page.
        self.placeholders_sent: set[str] = set()
        self.page.add_init_script(_RECORD_PLACEHOLDERS)
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg.FromString(payload)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.started += 1
                self.last_begun = msg.metadata.run.script_run_id
                if not msg.metadata.run.fragment_ids:  # the page's run: its sections say afresh
                    self.placeholders_sent = set()
            elif kind == "script_finished":
                self.ended.append(msg.script_finished)
                self.ids_ended.add(msg.metadata.run.script_run_id)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                found = element.WhichOneof("type") == "bidi_component" and PLACEHOLDER_ID.search(
                    element.bidi_component.id
                )
                if found:
                    self.placeholders_sent.add(found[1])

    def placeholders_drawn(self) -> set[str]:
        """The sections whose placeholder has been on this document at some moment."""
        return set(self.page.evaluate("() => [...(window.__ccdashPlaceholders || [])]"))

    @property
    def page_runs(self) -> int:
        """Whole-page runs ended (not a section's own)."""
        return sum(e != ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY for e in self.ended)

    def _console(self, msg):
        if msg.type != "error":
            return
        text = msg.text
        # Streamlit probes path-relative /<page>/_stcore/* before the root ones: its own 404s.
        if "Failed to load resource" in text and "404" in text:
            return
        self.errors.append(text)

    def goto(self, url: str, wait_for: str = "[data-testid=stMetric]"):
        self.page.goto(url)
        self.page.wait_for_selector(wait_for)
        self.settle()
        return self.page

    def settle(self, quiet_ms: int = 1200, timeout_s: float = TIMEOUT_S):
        """Wait until Streamlit has not been running the script for `quiet_ms` in a row (a rerun that
        starts late, as on a loaded machine, restarts the count)."""
        deadline = time.monotonic() + timeout_s
        self.page.wait_for_timeout(300)
        quiet_since = None
        while time.monotonic() < deadline:
            running = self.page.locator("[data-testid=stStatusWidget]").count() > 0
            now = time.monotonic()
            if running:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif (now - quiet_since) * 1000 >= quiet_ms:
                return
            self.page.wait_for_timeout(150)
        raise AssertionError(f"the page kept running for {timeout_s:.0f} s")

    def reveal(self, timeout_s: float = TIMEOUT_S) -> None:
        """Scroll to each section still waiting below the fold (ccdash.app.lazy) until every one is drawn."""
        deadline = time.monotonic() + timeout_s
        waiting = self.page.locator(LAZY)
        while True:
            self._placeholders_on_page(deadline)
            if not waiting.count() or time.monotonic() >= deadline:
                break
            left, begun = waiting.count(), self.started
            # In one step in the page: a placeholder may be replaced by its section at any moment.
            self.page.evaluate(f"""() => {{ const e = document.querySelector("{LAZY}");
                                           if (e) e.scrollIntoView({{block: "center"}}); }}""")
            # The section's run has begun (or its placeholder is gone), then every run has ended: a
            # placeholder goes with the section's first element, not its last (CI saw a list drawn
            # and its download button not yet).
            poll(
                lambda: (self.started, waiting.count()),
                lambda now, begun=begun, left=left: now[0] > begun or now[1] < left,
                timeout_s=max(0.0, deadline - time.monotonic()),
                every_s=0.1,
            )
            self.settle(quiet_ms=800)
            self.runs_ended(max(0.0, deadline - time.monotonic()))
        assert waiting.count() == 0, (
            f"{waiting.count()} sections still waiting after {timeout_s:.0f} s"
        )

    def _placeholders_on_page(self, deadline: float) -> None:
        """Until every placeholder the page's run sent has been on the page: a loaded browser draws a
        message well after it arrives, and an empty page then means nothing. (The run itself is over:
        the caller settled.) Not "until every run has ended": a run can begin and never say it ended
        (a script runner replaced under load), and a wall's clock begins one every second."""
        missing = poll(
            lambda: self.placeholders_sent - self.placeholders_drawn(),
            lambda missing: not missing,
            timeout_s=max(0.0, deadline - time.monotonic()),
            every_s=0.1,
        )
        assert not missing, f"placeholders sent but never drawn: {sorted(missing)}"

    def runs_ended(self, timeout_s: float = TIMEOUT_S) -> None:
        """Until the script run begun last for this tab has ended (a generous deadline)."""
        running = poll(
            lambda: (self.page.wait_for_timeout(50), self.last_begun not in self.ids_ended)[1],
            lambda running: not running,
            timeout_s=timeout_s,
            every_s=0.05,
        )
        assert not running, f"a script run still going after {timeout_s:.0f} s"

    def close(self):
        self.page.close()


@pytest.fixture
def tab(browser):
    p = Page(browser)
    yield p
    p.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """docs/screenshots when asked (make screenshots, or CCDASH_SCREENSHOTS=1), else a temp folder."""
    if os.environ.get("CCDASH_SCREENSHOTS") == "1":
        d = REPO_ROOT / "docs" / "screenshots"
    else:
        d = Path(os.environ.get("TMPDIR", "/tmp")) / "ccdash-screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d
