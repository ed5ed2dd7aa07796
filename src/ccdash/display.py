"""Pure logic of the wall and the tour: rotation, tour steps, staleness, alert sentences."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .alerts import Alert
from .i18n import fmt_num, t


def rotation(playlist, elapsed: float, pinned: str | None = None) -> tuple[int, float]:
    """Which playlist entry shows `elapsed` seconds after the wall started, and its seconds left.

    A pinned view (?view=...) holds forever when it is in the playlist.
    """
    views = [v for v, _ in playlist]
    if pinned in views:
        return views.index(pinned), float("inf")
    cycle = sum(s for _, s in playlist)
    pos = elapsed % cycle
    for i, (_, seconds) in enumerate(playlist):
        if pos < seconds:
            return i, seconds - pos
        pos -= seconds
    return len(playlist) - 1, 0.0  # pragma: no cover - float edge at the end of a cycle


def is_stale(newest: datetime | None, now: datetime, stale_hours: float) -> bool:
    """No data at all, or the newest record older than the threshold."""
    return newest is None or now - newest > timedelta(hours=stale_hours)


@dataclass(frozen=True)
class TourStep:
    view: str
    seconds: float
    title: dict
    caption: dict


TOUR_VIEWS = ("headline", "map", "journey", "cctv", "wifi")


def load_tour(path: Path | None) -> list[TourStep]:
    """The city's tour captions; a clear error for a broken file."""
    if path is None or not Path(path).exists():
        raise ValueError(f"tour captions file not found: {path}")
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    steps = []
    for i, s in enumerate(raw.get("step", []), 1):
        if s.get("view") not in TOUR_VIEWS:
            raise ValueError(f"{path}: step {i} has view {s.get('view')!r}, not one of {', '.join(TOUR_VIEWS)}")
        steps.append(TourStep(s["view"], float(s.get("seconds", 20)),
                              {"id": s.get("title_id", ""), "en": s.get("title_en", s.get("title_id", ""))},
                              {"id": s.get("id", ""), "en": s.get("en", s.get("id", ""))}))
    if not steps:
        raise ValueError(f"{path}: no [[step]] entries")
    return steps


def alert_sentence(a: Alert, lang: str, label) -> str:
    """One line of the ticker. `label(dim, value)` translates stored codes."""
    if a.kind == "spike":
        cat, kec = a.key.get("category"), a.key.get("kecamatan")
        what = ("spike.both" if cat and kec else "spike.category" if cat else "spike.kecamatan")
        return t(f"alert.{what}", lang, category=label("category", cat) if cat else "", kecamatan=kec or "",
                 n=fmt_num(a.observed, lang), base=fmt_num(a.expected, lang, 1))
    if a.kind == "sla":
        return t("alert.sla", lang, agency=a.key["agency"], n=fmt_num(a.observed, lang), hours=a.key["hours"])
    if a.kind == "cctv":
        return t("alert.cctv", lang, n=fmt_num(a.observed, lang), hours=fmt_num(a.key["hours"], lang),
                 worst=a.key["worst"], worst_hours=fmt_num(a.key["worst_hours"], lang))
    return str(a)
