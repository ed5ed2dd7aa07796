"""Alerts sent out once per event, to a real HTTP server and a real SMTP server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import aiosmtpd.controller  # requirements-dev: a real SMTP server, never skipped
import pytest

from ccdash.__main__ import main
from ccdash.cli_notify import Channels, notify_once
from ccdash.data import alert_log
from ccdash.data.profile import load_profile


@pytest.fixture
def webhook():
    """A real HTTP server on loopback that keeps each JSON body it is sent, and can be told to fail."""
    got: list[dict] = []
    state = {"status": 204, "auth": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["auth"].append(self.headers.get("Authorization"))
            if state["status"] < 300:
                got.append(json.loads(body))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got, state
    server.shutdown()


@pytest.fixture
def mailbox():
    """aiosmtpd's SMTP server on loopback, keeping every message it receives."""
    from aiosmtpd.handlers import Message

    got = []

    class Keep(Message):
        def handle_message(self, message):
            got.append(message)

    import socket

    with socket.socket() as s:  # a free port (the controller checks it by connecting to it)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = aiosmtpd.controller.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, got
    controller.stop()


def test_each_alert_goes_out_once_by_webhook_and_mail(writable_city, webhook, mailbox):
    url, posts, state = webhook
    port, mails = mailbox
    profile = load_profile(writable_city / "city.toml")
    ch = Channels(
        webhook=url,
        token="t0ken",
        smtp_host="127.0.0.1",
        smtp_port=port,
        sender="ccdash@city.example",
        recipients=("duty@city.example",),
    )
    sent = notify_once(writable_city, profile, ch, "en")
    assert sent and len(posts) == len(mails) == len(sent)
    flood = next(p for p in posts if p["id"] == "spike:category=flooding")
    assert flood["level"] == "high" and "Flooding spike city-wide" in flood["text"]
    assert flood["city"] == profile.name and state["auth"][0] == "Bearer t0ken"
    subjects = [m["Subject"] for m in mails]
    assert any("Flooding spike city-wide" in s for s in subjects)
    assert all(m["To"] == "duty@city.example" for m in mails)
    # A second round (a restart, another notifier): nothing new, nothing sent again.
    assert notify_once(writable_city, profile, ch, "en") == []
    assert len(posts) == len(mails) == len(sent)


def test_a_failed_delivery_is_tried_again_and_an_acknowledged_alert_is_not_sent(
    writable_city, webhook
):
    url, posts, state = webhook
    profile = load_profile(writable_city / "city.toml")
    ch = Channels(webhook=url)
    state["status"] = 500
    assert notify_once(writable_city, profile, ch, "en") == []  # nothing marked sent
    first = json.loads((writable_city / "_alerts" / "alerts.json").read_text())["active"]
    flood = "spike:category=flooding"
    seen = __import__("datetime").datetime.fromisoformat(first[flood]["first_seen"])
    alert_log.acknowledge(writable_city, flood, "Dewi", "", seen, "high", 10_000, "flood")
    state["status"] = 204
    sent = notify_once(writable_city, profile, ch, "en")
    assert sent and flood not in sent and {p["id"] for p in posts} == set(sent)


def test_notify_without_a_channel_says_so_in_one_line(writable_city, monkeypatch, capsys):
    for k in ("CCDASH_ALERT_WEBHOOK", "CCDASH_SMTP_HOST"):
        monkeypatch.delenv(k, raising=False)
    assert main(["notify", "--data-dir", str(writable_city), "--once"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: nothing to send to: set CCDASH_ALERT_WEBHOOK or the CCDASH_SMTP_* settings"
    )
