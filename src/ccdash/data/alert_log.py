"""Alerts' shared memory, in the data folder: when each alert was first seen, and who acknowledged it.

    DATA_DIR/_alerts/alerts.json   {"active": {id: {"first_seen": iso}}, "acks": [{id, by, note, at, ...}],
                                    "sent": {id: first_seen iso of the episode sent out}}

Every process and replica on the data folder reads and writes the same file (under an flock, each
change written atomically), so a reload, a restart or the other replica behind the load balancer
shows the same "since" and the same acknowledgements. Alert ids are opaque here (metrics.alerts
makes them); the times are the city's.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .files import flocked, write_text_atomic

FOLDER = "_alerts"
MAX_ACKS = 1000  # the log keeps the newest acknowledgements
MAX_NOTE = 300  # characters of an acknowledgement's note
WORSE = 1.5  # an acknowledged alert comes back when its count grows by half


def _path(directory: Path | str) -> Path:
    return Path(directory) / FOLDER / "alerts.json"


def _locked(directory: Path | str):
    return flocked(Path(directory) / FOLDER / "alerts.lock")


def _read(directory: Path | str) -> dict:
    """The log; an empty one when it is missing or unreadable (it is a memory, not data: a damaged
    file costs the "since" times and the acknowledgements, never a page)."""
    try:
        state = json.loads(_path(directory).read_text(encoding="utf-8"))
        if isinstance(state, dict):
            active, acks, sent = state.get("active"), state.get("acks"), state.get("sent", {})
            if isinstance(active, dict) and isinstance(acks, list) and isinstance(sent, dict):
                return {"active": active, "acks": acks, "sent": sent}
    except (OSError, ValueError):
        pass
    return {"active": {}, "acks": [], "sent": {}}


def observe(directory: Path | str, current: list[str], now: datetime) -> dict[str, datetime]:
    """Record that exactly `current` alerts hold at `now`: a new one is first seen now, one that
    ended is forgotten (if it comes back, it starts afresh). Each current id's first-seen time."""
    with _locked(directory):
        state = _read(directory)
        active = state["active"]
        changed = False
        for alert_id in list(active):
            if alert_id not in current:
                del active[alert_id]
                state["sent"].pop(alert_id, None)
                changed = True
        for alert_id in current:
            if alert_id not in active:
                active[alert_id] = {"first_seen": now.isoformat(timespec="seconds")}
                changed = True
        if changed:
            write_text_atomic(json.dumps(state, ensure_ascii=False, indent=1), _path(directory))
    return {i: datetime.fromisoformat(active[i]["first_seen"]) for i in current}


def acknowledge(
    directory: Path | str,
    alert_id: str,
    by: str,
    note: str,
    now: datetime,
    level: str,
    observed: float,
    text: str,
) -> None:
    """An operator has seen the alert and acts on it: who, when, a note, and the alert as it was
    (its level, its count and its line), so that it can come back if it grows."""
    entry = {
        "id": alert_id,
        "by": by.strip()[:80],
        "note": note.strip()[:MAX_NOTE],
        "at": now.isoformat(timespec="seconds"),
        "level": level,
        "observed": observed,
        "text": text[:300],
    }
    with _locked(directory):
        state = _read(directory)
        state["acks"] = [*state["acks"], entry][-MAX_ACKS:]
        write_text_atomic(json.dumps(state, ensure_ascii=False, indent=1), _path(directory))


def version(directory: Path | str) -> int | None:
    """When the log last changed (its file's time in ns; None without one). It is written only when an
    alert begins or ends, or one is acknowledged, so a screen that redraws when this moves drops an
    acknowledged alert within a second, whichever replica took the acknowledgement."""
    try:
        return _path(directory).stat().st_mtime_ns
    except OSError:
        return None


def acknowledgements(directory: Path | str) -> list[dict]:
    """Every acknowledgement kept, newest first."""
    return list(reversed(_read(directory)["acks"]))


def silenced(
    acks: list[dict], alert_id: str, first_seen: datetime, level: str, observed: float
) -> bool:
    """Is this alert acknowledged and unchanged since? An acknowledgement holds for the episode it
    was made in (after the alert was first seen), while the level is no higher and the count has
    not grown by WORSE times."""
    for a in acks:  # newest first
        if a.get("id") != alert_id:
            continue
        try:
            at = datetime.fromisoformat(a["at"])
        except (KeyError, TypeError, ValueError):
            continue
        if at < first_seen:
            return False  # made in an earlier episode of the same alert
        higher = a.get("level") == "watch" and level == "high"
        grown = observed >= WORSE * float(a.get("observed") or 0) and observed > float(
            a.get("observed") or 0
        )
        return not higher and not grown
    return False


def unsent(directory: Path | str, first_seen: dict[str, datetime]) -> list[str]:
    """The alerts (of `first_seen`: id -> its episode's first-seen time) not yet sent out."""
    sent = _read(directory)["sent"]
    return [i for i, t in first_seen.items() if sent.get(i) != t.isoformat(timespec="seconds")]


def mark_sent(directory: Path | str, alert_id: str, first_seen: datetime) -> None:
    """This episode of the alert has gone out: it is not sent again while it lasts."""
    with _locked(directory):
        state = _read(directory)
        state["sent"][alert_id] = first_seen.isoformat(timespec="seconds")
        write_text_atomic(json.dumps(state, ensure_ascii=False, indent=1), _path(directory))
