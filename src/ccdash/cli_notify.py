"""`python -m ccdash notify`: send each new alert out once, to a webhook and by e-mail, and keep going.

People away from the wall hear of an alert: every alert the wall would show (its level, its
sentence, since when) goes out once per episode, to a webhook (a JSON POST: a chat bridge, an
incident tool) and to e-mail addresses. What went out is remembered in the data folder
(ccdash.data.alert_log), so restarts and several notifiers send nothing twice; a delivery that
fails is tried again at the next round, and an acknowledged alert is not sent.

Settings come from the environment, never from a file in the data folder:
    CCDASH_ALERT_WEBHOOK      URL the JSON is POSTed to (optional)
    CCDASH_ALERT_WEBHOOK_TOKEN  sent as "Authorization: Bearer ..." (optional)
    CCDASH_SMTP_HOST, CCDASH_SMTP_PORT (25), CCDASH_SMTP_FROM, CCDASH_ALERT_EMAIL_TO (a, b, ...)
    CCDASH_SMTP_USER, CCDASH_SMTP_PASSWORD (optional), CCDASH_SMTP_STARTTLS=1 (optional)
"""

from __future__ import annotations

import json
import os
import smtplib
import sys
import time
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from .data import alert_log
from .data.clock import city_time, reference_now
from .data.profile import Profile
from .data.store import Store
from .metrics import alerts
from .metrics.complaints import latest_complaint
from .present.alert_text import alert_line
from .present.i18n import label

TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Channels:
    webhook: str | None = None
    token: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls, env=os.environ) -> Channels:
        to = tuple(a.strip() for a in env.get("CCDASH_ALERT_EMAIL_TO", "").split(",") if a.strip())
        return cls(
            webhook=env.get("CCDASH_ALERT_WEBHOOK") or None,
            token=env.get("CCDASH_ALERT_WEBHOOK_TOKEN") or None,
            smtp_host=env.get("CCDASH_SMTP_HOST") or None,
            smtp_port=int(env.get("CCDASH_SMTP_PORT") or 25),
            sender=env.get("CCDASH_SMTP_FROM") or None,
            recipients=to,
            user=env.get("CCDASH_SMTP_USER") or None,
            password=env.get("CCDASH_SMTP_PASSWORD") or None,
            starttls=env.get("CCDASH_SMTP_STARTTLS") == "1",
        )

    @property
    def email(self) -> bool:
        return bool(self.smtp_host and self.sender and self.recipients)


def post_webhook(ch: Channels, payload: dict) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if ch.token:
        headers["Authorization"] = f"Bearer {ch.token}"
    assert ch.webhook
    req = urllib.request.Request(
        ch.webhook, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        if resp.status >= 300:
            raise OSError(f"the webhook answered {resp.status}")


def send_email(ch: Channels, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ch.sender, ", ".join(ch.recipients), subject
    msg.set_content(body)
    assert ch.smtp_host
    with smtplib.SMTP(ch.smtp_host, ch.smtp_port, timeout=TIMEOUT_S) as smtp:
        if ch.starttls:
            smtp.starttls()
        if ch.user and ch.password:
            smtp.login(ch.user, ch.password)
        smtp.send_message(msg)


def notify_once(directory: Path, profile: Profile, ch: Channels, lang: str = "id") -> list[str]:
    """One round: the alerts holding now that have not gone out, sent; the ids sent. A failed
    delivery is not marked sent (the next round tries again) and stops nothing else."""
    store = Store(directory, profile.facts_file)
    try:
        newest = latest_complaint(store)
        at = reference_now(profile, newest)
        cfg = tuple(sorted(alerts.settings(profile).items()))
        found = alerts.active_alerts(store, at, cfg)
    finally:
        store.close()
    now = city_time(profile)
    shown = alerts.episodes(directory, found, now)[0]
    todo = set(alert_log.unsent(directory, {e.id: e.first_seen for e in shown}))
    sent = []
    for e in shown:
        if e.id not in todo or e.silenced:
            continue
        line = alert_line(e.alert, lang, _label(profile, lang), f"{e.first_seen:%Y-%m-%d %H:%M}")
        payload = {
            "city": profile.name,
            "id": e.id,
            "level": e.level,
            "since": e.first_seen.isoformat(timespec="minutes"),
            "text": line,
        }
        try:
            if ch.webhook:
                post_webhook(ch, payload)
            if ch.email:
                send_email(ch, f"[{profile.name}] {line[:120]}", line)
        except (OSError, smtplib.SMTPException) as err:
            why = str(err).splitlines()[0][:160]
            print(f"notify: {e.id}: not sent ({why})", file=sys.stderr)
            continue
        alert_log.mark_sent(directory, e.id, e.first_seen)
        sent.append(e.id)
    return sent


def _label(profile: Profile, lang: str):
    """Stored codes as the screens name them (the profile's labels)."""
    return lambda dim, value: label(profile, lang, dim, value)


def notify(
    directory: Path,
    profile: Profile,
    ch: Channels,
    once: bool,
    interval_s: float = 60.0,
    lang: str = "id",
) -> int:
    if not ch.webhook and not ch.email:
        print(
            "error: nothing to send to: set CCDASH_ALERT_WEBHOOK or the CCDASH_SMTP_* settings",
            file=sys.stderr,
        )
        return 2
    while True:
        try:
            for i in notify_once(directory, profile, ch, lang):
                print(f"notify: sent {i}")
        except Exception as e:  # a bad round is reported, the next one runs
            print(f"notify: round failed: {str(e).splitlines()[0][:200]}", file=sys.stderr)
            if once:
                return 2
        if once:
            return 0
        time.sleep(interval_s)
